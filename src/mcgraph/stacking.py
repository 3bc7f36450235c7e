"""Stackability: which qualifications credentials count toward, how much, what remains, and how to finish.

A qualification's stacking rule is evaluated against the credentials a learner holds, at a date
(docs/STACKING.md has the full semantics):
- a credential counts when it is listed for the rule (a part of the qualification, a required
  component or a group member), or it is a micro-credential and the rule accepts unlisted ones; its
  quality assurance is
  in force at the date (its own decision, or, when it has none, its awarding body's); its field is
  accepted; its level reaches the minimum level (compared by rank within one framework, or through
  the referencing engine across frameworks, with the chain as evidence); and its credit converts
  into the rule's credit system through notional hours (rounded as the rule says: down by default);
- micro-credential credit counts up to the cap, taken in a fixed order (required components, group
  members, then larger credit first); other credentials (credit transfer) are not capped; prior
  learning (RPL) counts up to its own cap;
- required components and group members are met by a held credential whose QA is in force;
  required outcomes by a held credential, QA in force, that attests them;
- what remains is listed in plain language, and the cheapest ways to complete the rule from the
  credentials in the graph come from mcgraph.completion (an exact search).
Discovery evaluates every qualification that lists a held credential or accepts unlisted ones and
ranks those the credentials count toward by closeness; pathways are the graph of listed links
(micro-credential -> larger credential -> qualification), acyclic by validation.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

import networkx as nx

from . import completion, stacking_data
from .credits import ROUNDING_WORDS, CreditSystem, CreditSystems, convert, round_credits
from .credits import decimal_text as _dec
from .errors import DataError, UnknownResource, UsageError
from .namespaces import curie, sparql_prologue
from .referencing import ReferencingNetwork, chain_reports
from .stacking_data import Credential, Qualification, Rule, credential_iri
from .store import Reader

COSTS = ("credits", "hours")
MAX_PLANS = 5
IN_FORCE = ("in-force", "provider-in-force")
_PATHWAY_QUERY = sparql_prologue() + """
SELECT DISTINCT ?part ?whole ?relation WHERE {
  { ?whole mc:hasPart ?part BIND("part" AS ?relation) }
  UNION { ?part mc:isPartOf ?whole BIND("part" AS ?relation) }
  UNION { ?whole mc:stackingRule/mc:requiredComponent ?part BIND("required component" AS ?relation) }
  UNION { ?whole mc:stackingRule/mc:componentGroup/mc:groupMember ?part BIND("group member" AS ?relation) }
}"""


# -- results ----------------------------------------------------------------------------------------
@dataclass
class Ref:
    iri: str
    id: str
    title: str | None


@dataclass
class QAStatus:
    status: str  # in-force | provider-in-force | expired | not-yet-valid | negative | none
    in_force: bool
    decision: str | None  # CURIE of the deciding (or last) decision
    agency: str | None
    valid_from: str | None
    valid_until: str | None
    note: str


@dataclass
class LevelEvidence:
    path: str  # e.g. "NZQCF 6 -> HKQF 4"
    match: str
    strength: float
    strength_label: str
    reports: list[str]  # report titles with status and date


@dataclass
class LevelCheck:
    required: str  # e.g. "HKQF 4"
    levels: list[str]  # the credential's levels
    met: bool
    how: str  # same-framework | referencing | no-level
    compared_to: list[str]  # levels of the rule's framework found through referencing
    evidence: list[LevelEvidence]
    note: str


@dataclass
class CreditedCredential:
    iri: str
    id: str
    title: str | None
    kind: str
    listed: bool  # a part of the qualification, or named by the rule
    counts: bool  # meets every condition of the rule
    value: str | None  # its credit in the rule's system, rounded as the rule says (before the cap)
    credited: str  # what counts toward the requirement after the cap ("0" when it does not count)
    capped: bool
    conversion: str | None  # the conversion rule, when its credit is in another system
    level: LevelCheck | None  # None when the rule has no minimum level
    qa: QAStatus
    reasons: list[str]  # why it does not count, or what limits it
    why: str


@dataclass
class Requirement:
    kind: str  # component | group | outcome
    id: str
    label: str
    met: bool
    needed: int
    held: list[Ref]  # held credentials that meet it
    options: list[Ref]  # credentials in the graph that could meet it
    note: str


@dataclass
class Credits:
    system: str | None  # e.g. "NZQCF credit"
    required: str | None
    micro_credentials: str  # counted, after the cap
    micro_credentials_uncapped: str
    micro_credential_cap: str | None
    prior_learning: str
    prior_learning_cap: str | None
    other_credentials: str  # credit transfer from credentials that are not micro-credentials
    total: str
    remaining: str
    remaining_within_cap: str  # of what remains, what more micro-credentials could still add
    met: bool


@dataclass
class PlanItem:
    iri: str
    id: str
    title: str | None
    credit: str  # what it would add, in the rule's system
    cost: str
    meets: list[str]  # requirements it meets


@dataclass
class Plan:
    items: list[PlanItem]
    cost: str
    cost_unit: str  # e.g. "NZQCF credit" or "notional hours"
    credit_added: str
    completes: bool
    note: str


@dataclass
class Completion:
    cost: str  # credits | hours
    plans: list[Plan]
    exact: bool
    possible: bool
    note: str


@dataclass
class Evaluation:
    qualification: Ref
    rule: Ref
    rule_comment: str | None
    at: str
    complete: bool
    closeness: float  # 0..1: credit and requirements met (docs/STACKING.md)
    credits: Credits
    credentials: list[CreditedCredential]
    requirements: list[Requirement]
    remains: list[str]
    summary: str
    completion: Completion | None = None
    other_rules: list[Ref] = field(default_factory=list)


@dataclass
class Discovery:
    at: str
    credentials: list[Ref]
    results: list[Evaluation]  # qualifications the credentials count toward, closest first
    considered: int  # qualifications evaluated


@dataclass
class Stackable:
    qualification: Ref
    rules: list[Ref]
    at: str
    total: int
    counting: int
    credentials: list[CreditedCredential]  # counting first, larger credit first


@dataclass
class PathwayEdge:
    source: str  # CURIEs
    target: str
    relation: str


@dataclass
class Pathways:
    nodes: list[Ref]
    edges: list[PathwayEdge]
    chains: list[list[str]]  # each from a start credential to a credential nothing contains


# -- the engine -------------------------------------------------------------------------------------
class Stacking:
    """Stacking questions against one graph. Pass the network and credit systems to reuse caches."""

    def __init__(self, reader: Reader, network: ReferencingNetwork | None = None,
                 systems: CreditSystems | None = None) -> None:
        self.reader = reader
        self._network = network
        self._systems = systems
        self._levels: dict[tuple[str, str], LevelCheck] = {}
        self._facts: dict[str, Credential | None] = {}  # credentials read so far (None: not one)
        self._outcomes: dict[str, stacking_data.Outcome | None] = {}

    @property
    def network(self) -> ReferencingNetwork:
        if self._network is None:
            self._network = ReferencingNetwork.load(self.reader)
        return self._network

    @property
    def systems(self) -> CreditSystems:
        if self._systems is None:
            self._systems = CreditSystems.load(self.reader)
        return self._systems

    # public questions -----------------------------------------------------------------------------
    def evaluate(self, held: list[str], target: str, at: date | None = None,
                 prior_learning: Decimal | str | int | None = None, cost: str = "credits",
                 plans: int = 3) -> Evaluation:
        """The held credentials against one qualification, with the cheapest ways to complete it."""
        if cost not in COSTS:
            raise UsageError(f"unknown cost {cost!r}; expected one of {', '.join(COSTS)}")
        if not 0 <= plans <= MAX_PLANS:
            raise UsageError(f"plans must be between 0 and {MAX_PLANS}")
        at = at or date.today()
        qual = self._qualification(target)
        creds = stacking_data.require_credentials(self.reader, _iris(held))
        prior = _prior(prior_learning)
        evaluations = [self._evaluate(qual, rule, creds, at, prior) for rule in qual.rules]
        best = max(evaluations, key=_rank)
        best.other_rules = [e.rule for e in evaluations if e is not best]
        if plans:
            rule = next(r for r in qual.rules if r.iri == best.rule.iri)
            best.completion = self._complete(qual, rule, best, creds, at, cost, plans)
        return best

    def discover(self, held: list[str], at: date | None = None,
                 prior_learning: Decimal | str | int | None = None) -> Discovery:
        """Every qualification the credentials count toward, closest to completion first."""
        at = at or date.today()
        creds = stacking_data.require_credentials(self.reader, _iris(held))
        candidates = stacking_data.qualifications_listing(self.reader, creds)
        candidates |= stacking_data.open_qualifications(self.reader)
        candidates -= set(creds)
        quals = stacking_data.qualifications(self.reader, candidates, parts_of=creds)  # only held parts matter
        self._prefetch(quals)
        prior = _prior(prior_learning)
        results = []
        for qual in quals.values():
            evaluations = [self._evaluate(qual, rule, creds, at, prior) for rule in qual.rules]
            best = max(evaluations, key=_rank)
            if _contributes(best):
                best.other_rules = [e.rule for e in evaluations if e is not best]
                results.append(best)
        results.sort(key=lambda e: (not e.complete, -e.closeness, e.qualification.title or "", e.qualification.iri))
        return Discovery(at.isoformat(), [_ref(c) for c in creds.values()], results, len(quals))

    def stackable(self, target: str, at: date | None = None, limit: int | None = None) -> Stackable:
        """Every credential in the graph that may stack into a qualification, and whether it counts."""
        at = at or date.today()
        qual = self._qualification(target)
        found: dict[str, CreditedCredential] = {}
        for rule in qual.rules:
            pool = self._candidates(qual, rule)
            for cred in pool.values():
                assessed = self._assess(qual, rule, cred, at)
                if cred.iri not in found or (assessed.counts and not found[cred.iri].counts):
                    found[cred.iri] = assessed
        ordered = sorted(found.values(), key=lambda c: (not c.counts, -Fraction(c.value or "0"), c.iri))
        return Stackable(_qual_ref(qual), [_rule_ref(r) for r in qual.rules], at.isoformat(), len(ordered),
                         sum(c.counts for c in ordered), ordered[:limit] if limit is not None else ordered)

    def pathways(self, starts: list[str]) -> Pathways:
        """Chains of listed links from each start credential up to credentials nothing contains."""
        iris = _iris(starts)
        graph = self.pathway_graph()
        missing = [i for i in iris if i not in graph]
        if missing:
            stacking_data.require_credentials(self.reader, missing)  # unknown names fail here
        chains: list[list[str]] = []
        for start in iris:
            if start not in graph:
                continue
            tops = [n for n in nx.descendants(graph, start) if graph.out_degree(n) == 0]
            for top in sorted(tops):
                chains.extend([curie(n) for n in path] for path in nx.all_simple_paths(graph, start, top))
        used = {n for start in iris if start in graph for n in (start, *nx.descendants(graph, start))}
        sub = graph.subgraph(used)
        facts = stacking_data.credentials(self.reader, used)
        nodes = [Ref(n, curie(n), facts[n].title if n in facts else None) for n in sorted(used)]
        edges = [PathwayEdge(curie(a), curie(b), ", ".join(sorted(data["relations"])))
                 for a, b, data in sorted(sub.edges(data=True))]
        return Pathways(nodes, edges, sorted(chains, key=lambda c: (c[0], len(c), c)))

    def pathway_graph(self) -> nx.DiGraph:
        """Part -> whole links of the whole graph; DataError if they form a cycle (validation forbids it)."""
        graph = nx.DiGraph()
        for row in self.reader.select(_PATHWAY_QUERY):
            part, whole = row["part"].value, row["whole"].value
            relations = graph.edges[part, whole]["relations"] if graph.has_edge(part, whole) else set()
            graph.add_edge(part, whole, relations=relations | {row["relation"].value})
        try:
            cycle = nx.find_cycle(graph)
        except nx.NetworkXNoCycle:
            return graph
        raise DataError("credentials contain each other: " + " -> ".join(curie(a) for a, _ in cycle)
                        + f" -> {curie(cycle[0][0])}; the shapes forbid this cycle (mcsh:CredentialPartCycle)")

    # evaluation -------------------------------------------------------------------------------------
    def _qualification(self, target: str) -> Qualification:
        iri = credential_iri(target)
        found = stacking_data.qualifications(self.reader, [iri])
        if iri not in found:
            stacking_data.require_credentials(self.reader, [iri])
            raise UnknownResource(f"{curie(iri)} has no stacking rule")
        return found[iri]

    def _evaluate(self, qual: Qualification, rule: Rule, creds: dict[str, Credential], at: date,
                  prior: Fraction) -> Evaluation:
        assessed = [self._assess(qual, rule, c, at) for c in creds.values() if c.iri != qual.iri]
        micro_total = _allocate(rule, assessed)
        requirements = self._requirements(rule, creds, at)
        credit = _credits(rule, assessed, micro_total, prior, self._system_name(rule))
        remains = _remains(credit, requirements, rule, prior)
        complete = credit.met and all(r.met for r in requirements)
        evaluation = Evaluation(_qual_ref(qual), _rule_ref(rule), rule.comment, at.isoformat(), complete,
                                _closeness(rule, credit, requirements), credit, assessed, requirements, remains, "")
        evaluation.summary = _summary(evaluation)
        return evaluation

    def _assess(self, qual: Qualification, rule: Rule, cred: Credential, at: date) -> CreditedCredential:
        listed = cred.iri in qual.listed(rule)
        qa = qa_status(cred, at)
        reasons = []
        if not listed and not rule.accepts_unlisted:
            reasons.append("not listed: the rule counts only the qualification's parts and the components it names")
        elif not listed and cred.kind != "micro-credential":
            reasons.append(f"not listed: unlisted credentials count only when they are micro-credentials "
                           f"(this is a {cred.kind})")
        if not qa.in_force:
            reasons.append(qa.note)
        if rule.fields and not (cred.fields & rule.fields):
            reasons.append(f"field {_codes(cred.fields) or 'not stated'} is not accepted "
                           f"(accepted: {_codes(rule.fields)})")
        level = self._level_check(rule, cred) if rule.min_level else None
        if level is not None and not level.met:
            reasons.append(level.note)
        value, conversion, problem = self._value(rule, cred)
        if problem:
            reasons.append(problem)
        counts = not reasons
        why = "counts" if counts else "does not count: " + "; ".join(reasons)
        return CreditedCredential(cred.iri, cred.id, cred.title, cred.kind, listed, counts,
                                  _dec(value) if value is not None else None, "0", False, conversion, level, qa,
                                  reasons, why)

    def _value(self, rule: Rule, cred: Credential) -> tuple[Fraction | None, str | None, str | None]:
        """(credit in the rule's system, conversion rule, problem)."""
        if rule.required_system is None:
            return None, None, None
        target = self._system(rule.required_system)
        if target is None:
            return None, None, f"the rule's credit system {curie(rule.required_system)} has no notional hours"
        if cred.credit_amount is not None and cred.credit_system == rule.required_system:
            return cred.credit_amount, None, None
        if cred.credit_amount is not None:
            source = self._system(cred.credit_system)
            if source is None:
                return None, None, f"credit system {curie(cred.credit_system)} has no notional hours: cannot convert"
            return (*_converted(cred.credit_amount, source, target, rule.rounding), None)
        if cred.hours is not None:
            exact = cred.hours / target.max_hours
            value = round_credits(exact, rule.rounding)
            text = f"{_dec(cred.hours)} notional hours = {_dec(exact)} {target.name} ({target.rule})"
            if value != exact:
                text += f"; {ROUNDING_WORDS[rule.rounding]}: {_dec(value)}"
            return value, text + " (no credit value: from notional hours)", None
        return None, None, "no credit value and no notional hours"

    def _system(self, iri: str | None) -> CreditSystem | None:
        return self.systems.systems.get(iri or "")

    def _system_name(self, rule: Rule) -> str | None:
        system = self._system(rule.required_system)
        return system.name if system else (curie(rule.required_system) if rule.required_system else None)

    def _level_check(self, rule: Rule, cred: Credential) -> LevelCheck:
        key = (rule.min_level or "", "|".join(cred.levels))
        if key not in self._levels:
            self._levels[key] = self._check_level(rule.min_level or "", cred.levels)
        return self._levels[key]

    def _check_level(self, minimum: str, levels: list[str]) -> LevelCheck:
        net = self.network
        required = net.levels.get(minimum)
        required_name = required.name if required else curie(minimum)
        names = [net.levels[lv].name if lv in net.levels else curie(lv) for lv in levels]
        if not levels:
            return LevelCheck(required_name, [], False, "no-level", [], [],
                              f"no level stated: cannot check the minimum level {required_name}")
        if required is None or required.rank is None:
            return LevelCheck(required_name, names, False, "no-level", [], [],
                              f"the minimum level {required_name} has no rank in the graph")
        target_fw = net.level_framework.get(minimum)
        checks = [self._one_level(lv, required, target_fw) for lv in levels]
        met = [c for c in checks if c.met]
        best = met[0] if met else checks[0]
        best.levels = names
        return best

    def _one_level(self, level: str, required, target_fw: str | None) -> LevelCheck:
        net = self.network
        ref = net.levels.get(level)
        name = ref.name if ref else curie(level)
        if ref is not None and net.level_framework.get(level) == target_fw:
            met = ref.rank is not None and ref.rank >= required.rank
            word = "reaches" if met else "is below"
            return LevelCheck(required.name, [name], met, "same-framework", [], [],
                              f"level {name} {word} the minimum level {required.name}")
        if ref is None or target_fw is None:
            return LevelCheck(required.name, [name], False, "referencing", [], [],
                              f"level {name} is not a level of a framework in the graph")
        comparison = net.compare_level(level, target_fw)
        if not comparison.matches:
            return LevelCheck(required.name, [name], False, "referencing", [], [],
                              f"level {name} cannot be compared with {required.name}: {comparison.summary}")
        strongest = max(comparison.matches, key=lambda m: m.strength)
        top = [m for m in comparison.matches if m.strength == strongest.strength]
        lowest = min(top, key=lambda m: m.level.rank if m.level.rank is not None else -1)
        met = lowest.level.rank is not None and lowest.level.rank >= required.rank
        evidence = [LevelEvidence(c.path, c.match, round(c.strength, 3), c.strength_label,
                                  chain_reports([c])) for m in top for c in m.chains[:2]]
        word = "reaches" if met else "is below"
        note = (f"level {name} compares with {', '.join(m.level.name for m in top)} ({lowest.match} match, "
                f"{lowest.strength_label}), which {word} the minimum level {required.name}")
        return LevelCheck(required.name, [name], met, "referencing", [m.level.name for m in top], evidence, note)

    def _requirements(self, rule: Rule, creds: dict[str, Credential], at: date) -> list[Requirement]:
        good = {i for i, c in creds.items() if qa_status(c, at).in_force}
        named = set(rule.named)
        outcome_facts = self._outcome_facts(rule.outcomes)
        titles = self._credential_facts(named | {i for o in outcome_facts.values() for i in o.attested_by})
        out = []
        for iri in rule.components:
            held = iri in good
            note = ("held" if held else f"held, but {qa_status(creds[iri], at).note}" if iri in creds
                    else "not held")
            out.append(Requirement("component", curie(iri), _title(titles, iri), held, 1,
                                   [_ref(creds[iri])] if held else [], [] if held else [_ref_of(titles, iri)], note))
        for n, group in enumerate(rule.groups, 1):
            have = [m for m in group.members if m in good]
            need = max(0, group.min_members - len(have))
            label = f"{group.min_members} of " + ", ".join(_title(titles, m) for m in group.members)
            note = f"{len(have)} of the {group.min_members} needed held" + (f"; {need} more" if need else "")
            out.append(Requirement("group", curie(group.iri) if not group.iri.startswith("_:") else f"group-{n}",
                                   label, need == 0, need, [_ref(creds[m]) for m in have],
                                   [_ref_of(titles, m) for m in group.members if m not in have], note))
        for iri in rule.outcomes:
            fact = outcome_facts.get(iri)
            everyone = fact.attested_by if fact else []
            attested = [i for i in everyone if i in good]
            label = (fact.description if fact and fact.description else curie(iri))
            note = "covered" if attested else "not covered by a held credential with QA in force"
            in_force = [i for i in everyone if i in titles and qa_status(titles[i], at).in_force]
            if not attested and everyone and not in_force:
                note += f"; no credential attesting it has QA in force on {at}"
            out.append(Requirement("outcome", curie(iri), label, bool(attested), 0 if attested else 1,
                                   [_ref(creds[i]) for i in attested],
                                   [] if attested else [_ref_of(titles, i) for i in everyone], note))
        return out

    def _credential_facts(self, iris: set[str]) -> dict[str, Credential]:
        """Facts about `iris`, read once per engine (one query batch for all that are new)."""
        new = iris - self._facts.keys()
        if new:
            found = stacking_data.credentials(self.reader, new)
            self._facts.update({i: found.get(i) for i in new})
        return {i: self._facts[i] for i in iris if self._facts[i] is not None}

    def _outcome_facts(self, iris: list[str] | set[str]) -> dict[str, stacking_data.Outcome]:
        new = set(iris) - self._outcomes.keys()
        if new:
            found = stacking_data.outcomes(self.reader, new)
            self._outcomes.update({i: found.get(i) for i in new})
        return {i: self._outcomes[i] for i in iris if self._outcomes[i] is not None}

    def _prefetch(self, quals: dict[str, Qualification]) -> None:
        """Read, in one batch each, the outcomes and named credentials every rule's requirements show."""
        rules = [rule for qual in quals.values() for rule in qual.rules]
        outcomes = self._outcome_facts({o for rule in rules for o in rule.outcomes})
        self._credential_facts({c for rule in rules for c in rule.named}
                               | {i for o in outcomes.values() for i in o.attested_by})

    # completion -------------------------------------------------------------------------------------
    def _candidates(self, qual: Qualification, rule: Rule) -> dict[str, Credential]:
        """Credentials that may stack in under the rule: listed, attesting a required outcome, or open."""
        attests: dict[str, set[str]] = defaultdict(set)
        for outcome, fact in self._outcome_facts(rule.outcomes).items():
            for iri in fact.attested_by:
                attests[iri].add(outcome)
        iris = qual.listed(rule) | attests.keys()
        if rule.accepts_unlisted:
            iris |= set(stacking_data.open_candidates(self.reader, rule.fields))
        iris.discard(qual.iri)
        found = stacking_data.candidates(self.reader, iris)
        for iri, outcomes in attests.items():
            if iri in found:
                found[iri].outcomes |= outcomes
        return found

    def _complete(self, qual: Qualification, rule: Rule, evaluation: Evaluation, held: dict[str, Credential],
                  at: date, cost: str, k: int) -> Completion:
        pool = {i: c for i, c in self._candidates(qual, rule).items() if i not in held}
        problem, meets, assessed = self._problem(qual, rule, evaluation, pool, at, cost)
        search = completion.cheapest(problem, k)
        unit = (self._system_name(rule) or "credit") if cost == "credits" else "notional hours"
        if not search.feasible:
            missing = ", ".join(f"{meets.get(key, key)} ({n} more)" for key, n in search.unmet.items())
            return Completion(cost, [], True, False,
                              "cannot be completed from the credentials in the graph: "
                              f"nothing available meets {missing}")
        plans = [self._plan(s, assessed, meets, unit, evaluation, problem) for s in search.solutions if s.keys]
        note = ("exact" if search.exact
                else "the search stopped at its node budget: best plans found, not proven cheapest")
        if not plans:
            note = "nothing in the graph can be added: " + ("the rule is complete" if evaluation.complete
                                                            else "no available credential would count")
        if search.reachable_gap < problem.gap:
            why = " (micro-credential credit is capped)" if problem.micro_room is not None else ""
            note += (f"; credentials in the graph can add at most {_dec(search.reachable_gap)} of the "
                     f"{_dec(problem.gap)} credits still needed{why}")
        return Completion(cost, plans, search.exact, True, note)

    def _problem(self, qual: Qualification, rule: Rule, evaluation: Evaluation, pool: dict[str, Credential],
                 at: date, cost: str) -> tuple[completion.Problem, dict[str, str], dict[str, CreditedCredential]]:
        needs, meets = {}, {}
        for req in evaluation.requirements:
            if not req.met:
                needs[req.kind + ":" + req.id] = req.needed
                meets[req.kind + ":" + req.id] = f"{req.kind} {req.label}"
        options, assessed = [], {}
        for iri, cred in pool.items():
            item = self._assess(qual, rule, cred, at)
            assessed[iri] = item
            if not item.qa.in_force:
                continue
            covers = set()
            if iri in rule.components:
                covers.add("component:" + curie(iri))
            groups = [r for r in evaluation.requirements if r.kind == "group"]
            for group, req in zip(rule.groups, groups, strict=True):
                if iri in group.members:
                    covers.add("group:" + req.id)
            for outcome in rule.outcomes:
                if outcome in cred.outcomes:
                    covers.add("outcome:" + curie(outcome))
            covers &= set(needs)
            credit = Fraction(item.value) if item.counts and item.value is not None else Fraction(0)
            price = self._cost(cred, credit, cost)
            if (credit > 0 or covers) and price is not None:
                micro = cred.kind == "micro-credential"
                options.append(completion.Option(iri, price, credit, micro, frozenset(covers)))
        credit = evaluation.credits
        gap = Fraction(credit.remaining) if credit.required is not None else Fraction(0)
        room = (Fraction(credit.micro_credential_cap) - Fraction(credit.micro_credentials_uncapped)
                if credit.micro_credential_cap is not None else None)
        room = max(Fraction(0), room) if room is not None else None
        return completion.Problem(needs, gap, room, options), meets, assessed

    def _cost(self, cred: Credential, credit: Fraction, cost: str) -> Fraction | None:
        """What adding `cred` costs: its credit in the rule's system, or its notional hours (None: unknown)."""
        if cost == "credits":
            return credit
        if cred.hours is not None:
            return cred.hours
        system = self._system(cred.credit_system)
        return cred.credit_amount * system.min_hours if cred.credit_amount is not None and system else None

    def _plan(self, solution: completion.Solution, assessed: dict[str, CreditedCredential], meets: dict[str, str],
              unit: str, evaluation: Evaluation, problem: completion.Problem) -> Plan:
        by_key = {o.key: o for o in problem.options}
        items = []
        for key in solution.keys:
            option, item = by_key[key], assessed[key]
            items.append(PlanItem(item.iri, item.id, item.title, _dec(option.credit), _dec(option.cost),
                                  sorted(meets[m] for m in option.covers)))
        after = Fraction(evaluation.credits.remaining) - solution.credit if evaluation.credits.required else Fraction(0)
        completes = after <= 0
        note = ("completes the rule" if completes else
                f"leaves {_dec(after)} {evaluation.credits.system or 'credits'} to earn in the programme "
                "itself "
                "(or through credit transfer or prior learning)")
        return Plan(items, _dec(solution.cost), unit, _dec(solution.credit), completes, note)


@lru_cache(maxsize=4096)
def _converted(amount: Fraction, source: CreditSystem, target: CreditSystem, rounding: str) -> tuple[Fraction, str]:
    """(credits of `target`, the conversion rule); the conservative bound of a range. Cached: registers
    repeat a handful of amounts."""
    done = convert(Decimal(_dec(amount)), source, target, rounding)
    return Fraction(Decimal(done.credits_min)), done.rule


# -- QA -------------------------------------------------------------------------------------------------
def qa_status(cred: Credential, at: date) -> QAStatus:
    """Quality assurance of a credential at a date: its own decisions, else its awarding body's."""
    own = cred.decisions
    valid = [d for d in own if d.in_force(at)]
    if valid:
        return _qa("in-force", True, valid[0], f"QA in force: {_decision_text(valid[0])}")
    if own:
        ended = [d for d in own if d.valid_until is not None and d.valid_until < at and not d.negative]
        if ended:
            last = max(ended, key=lambda d: d.valid_until)
            return _qa("expired", False, last, f"QA expired: {_decision_text(last)} ended {last.valid_until} "
                                               f"(before {at})")
        future = [d for d in own if d.valid_from is not None and d.valid_from > at and not d.negative]
        if future:
            first = min(future, key=lambda d: d.valid_from)
            return _qa("not-yet-valid", False, first, f"QA not yet in force: {_decision_text(first)} starts "
                                                      f"{first.valid_from}")
        return _qa("negative", False, own[0], f"no positive QA decision: {_decision_text(own[0])}")
    provider = [d for d in cred.body_decisions if d.in_force(at)]
    if provider:
        return _qa("provider-in-force", True, provider[0],
                   f"no QA decision on the credential itself; its awarding body's is in force: "
                   f"{_decision_text(provider[0])}")
    return _qa("none", False, None, f"no QA decision in force on {at}, on the credential or its awarding body")


def _qa(status: str, in_force: bool, decision, note: str) -> QAStatus:
    if decision is None:
        return QAStatus(status, in_force, None, None, None, None, note)
    return QAStatus(status, in_force, curie(decision.iri), curie(decision.agency) if decision.agency else None,
                    decision.valid_from.isoformat() if decision.valid_from else None,
                    decision.valid_until.isoformat() if decision.valid_until else None, note)


def _decision_text(decision) -> str:
    agency = curie(decision.agency) if decision.agency else "an agency"
    span = f"{decision.valid_from or '…'} to {decision.valid_until or '…'}"
    return f"{decision.decision or 'decision'} by {agency}, {span} ({curie(decision.iri)})"


# -- credit ---------------------------------------------------------------------------------------------
def _allocate(rule: Rule, assessed: list[CreditedCredential]) -> Fraction:
    """Credit each counting credential; micro-credentials in a fixed order up to the cap. Returns their sum."""
    named = rule.named
    micro = [a for a in assessed if a.counts and a.value is not None and a.kind == "micro-credential"]
    micro.sort(key=lambda a: (a.iri not in rule.components, a.iri not in named, -Fraction(a.value), a.iri))
    room = rule.cap_micro
    total = Fraction(0)
    for item in micro:
        value = Fraction(item.value)
        total += value
        counted = value if room is None else min(value, room)
        if room is not None:
            room -= counted
        item.credited = _dec(counted)
        if counted < value:
            item.capped = True
            item.reasons.append(f"cap on micro-credential credit ({_dec(rule.cap_micro)}) reached: "
                                f"{_dec(counted)} of {_dec(value)} counted")
            item.why = f"counts {_dec(counted)} of {_dec(value)}: the cap is reached"
    for item in assessed:
        if item.counts and item.value is not None and item.kind != "micro-credential":
            item.credited = item.value
    return total


def _credits(rule: Rule, assessed: list[CreditedCredential], micro_total: Fraction, prior: Fraction,
             system: str | None) -> Credits:
    micro = sum((Fraction(a.credited) for a in assessed if a.kind == "micro-credential"), Fraction(0))
    other = sum((Fraction(a.credited) for a in assessed if a.kind != "micro-credential"), Fraction(0))
    prior_counted = prior if rule.cap_prior is None else min(prior, rule.cap_prior)
    total = micro + other + prior_counted
    required = rule.required
    remaining = max(Fraction(0), required - total) if required is not None else Fraction(0)
    within = remaining if rule.cap_micro is None else min(remaining, max(Fraction(0), rule.cap_micro - micro))
    return Credits(system, _opt(required), _dec(micro), _dec(micro_total), _opt(rule.cap_micro),
                   _dec(prior_counted), _opt(rule.cap_prior), _dec(other), _dec(total), _dec(remaining),
                   _dec(within), remaining == 0)


# -- reading the answer ---------------------------------------------------------------------------------
def _remains(credit: Credits, requirements: list[Requirement], rule: Rule, prior: Fraction) -> list[str]:
    out = []
    for req in requirements:
        if req.met:
            continue
        options = ", ".join(o.title or o.id for o in req.options)
        if req.kind == "component":
            out.append(f"required component {req.label} ({req.id}): {req.note}")
        elif req.kind == "group":
            out.append(f"{req.needed} more of the group ({req.label}): from {options}")
        else:
            source = f"; attested by {options}" if options else "; no credential in the graph attests it"
            caveat = req.note.partition("; ")[2]
            out.append(f"learning outcome \"{req.label}\" ({req.id}){source}" + (f" ({caveat})" if caveat else ""))
    if credit.required is not None and not credit.met:
        line = f"{credit.remaining} of {credit.required} {credit.system or 'credits'}"
        if rule.cap_micro is not None:
            line += (f"; micro-credentials can add at most {credit.remaining_within_cap} more "
                     f"(cap {credit.micro_credential_cap})")
        rest = Fraction(credit.remaining) - Fraction(credit.remaining_within_cap)
        if rest > 0:
            line += f"; the other {_dec(rest)} through the programme itself, credit transfer"
            line += (f" or prior learning (up to {_dec(max(Fraction(0), rule.cap_prior - min(prior, rule.cap_prior)))}"
                     " more)" if rule.cap_prior is not None else " or prior learning")
        out.append(line)
    return out


def _closeness(rule: Rule, credit: Credits, requirements: list[Requirement]) -> float:
    """Mean of the share of credit earned and the share of requirements met (each when the rule has any)."""
    parts = []
    if rule.required:
        parts.append(min(1.0, float(Fraction(credit.total) / rule.required)))
    if requirements:
        parts.append(sum(r.met for r in requirements) / len(requirements))
    return round(sum(parts) / len(parts), 4) if parts else 1.0


def _summary(e: Evaluation) -> str:
    counted = sum(c.counts for c in e.credentials)
    head = f"{e.qualification.title or e.qualification.id}: {counted} of {len(e.credentials)} credentials count"
    if e.credits.required is not None:
        head += f", {e.credits.total} of {e.credits.required} {e.credits.system or 'credits'}"
    return head + (" - complete" if e.complete else f" - {len(e.remains)} thing(s) remain")


def _rank(e: Evaluation) -> tuple[bool, float]:
    return e.complete, e.closeness


def _contributes(e: Evaluation) -> bool:
    return any(c.counts for c in e.credentials) or any(r.held for r in e.requirements)


# -- small helpers --------------------------------------------------------------------------------------
def _iris(tokens: list[str]) -> list[str]:
    if not tokens:
        raise UsageError("name at least one credential")
    return list(dict.fromkeys(credential_iri(t) for t in tokens))


def _prior(value: Decimal | str | int | None) -> Fraction:
    if value is None or value == "":
        return Fraction(0)
    try:
        amount = Fraction(Decimal(str(value)))
    except ArithmeticError:
        raise UsageError(f"not a credit amount: {value!r}") from None
    if amount < 0:
        raise UsageError("prior learning credit cannot be negative")
    return amount


def _ref(cred: Credential) -> Ref:
    return Ref(cred.iri, cred.id, cred.title)


def _ref_of(found: dict[str, Credential], iri: str) -> Ref:
    return Ref(iri, curie(iri), found[iri].title if iri in found else None)


def _title(found: dict[str, Credential], iri: str) -> str:
    return found[iri].name if iri in found else curie(iri)


def _qual_ref(qual: Qualification) -> Ref:
    return Ref(qual.iri, qual.id, qual.title)


def _rule_ref(rule: Rule) -> Ref:
    return Ref(rule.iri, rule.id, None)


def _codes(fields: set[str]) -> str:
    return ", ".join(sorted(f.rsplit("/", 1)[-1] for f in fields))


def _opt(value: Fraction | None) -> str | None:
    return _dec(value) if value is not None else None

