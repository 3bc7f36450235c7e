"""What stacking reads from the graph: qualifications with their rules, and facts about credentials.

A few fixed SELECTs, each anchored on its subjects with one small OPTIONAL branch per property
(a row carries one fact; Python groups the rows). Sets of IRIs go into a VALUES block written
from validated IRIs (pyoxigraph substitutions bind one value, not a list). These queries are the
"SPARQL part" of a stacking answer; bench/bench_stacking.py times them alone on pyoxigraph.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction

import pyoxigraph as ox

from .errors import UnknownResource, UsageError
from .namespaces import ID, MC, curie, sparql_prologue
from .queries import expand_iri
from .store import Reader, Row

_PROLOGUE = sparql_prologue()
_KINDS = {f"{MC}MicroCredential": "micro-credential", f"{MC}Qualification": "qualification",
          f"{MC}Credential": "credential"}
ROUNDINGS = ("down", "nearest", "up", "none")
VALUES_BATCH = 2000  # IRIs per VALUES block
ANCHOR_LIMIT = 100  # qualifications anchored by VALUES; more: read every rule and filter

RULES_QUERY = _PROLOGUE + """
SELECT ?q ?rule ?comment ?required ?system ?capMicro ?capPrior ?minLevel ?open ?rounding WHERE {
  %s
  ?q mc:stackingRule ?rule .
  OPTIONAL { { ?rule rdfs:comment ?comment }
             UNION { ?rule mc:requiredCredits ?rc . ?rc mc:creditAmount ?required ; mc:creditSystem ?system }
             UNION { ?rule mc:maxMicroCredentialCredits ?capMicro } UNION { ?rule mc:maxPriorLearningCredits ?capPrior }
             UNION { ?rule mc:minimumLevel ?minLevel } UNION { ?rule mc:acceptsUnlistedCredentials ?open }
             UNION { ?rule mc:conversionRounding ?rounding } }
}"""

# Titles apart: a branch not joined on ?rule made the query above 70 times slower on pyoxigraph.
TITLES_QUERY = _PROLOGUE + """
SELECT ?q ?title WHERE {
  %s
  ?q mc:stackingRule ?rule ; dct:title ?title .
}"""

RULE_ITEMS_QUERY = _PROLOGUE + """
SELECT ?rule ?kind ?item ?group ?min WHERE {
  %s
  ?q mc:stackingRule ?rule .
  { ?rule mc:acceptedField ?item BIND("field" AS ?kind) }
  UNION { ?rule mc:requiredComponent ?item BIND("component" AS ?kind) }
  UNION { ?rule mc:requiredOutcome ?item BIND("outcome" AS ?kind) }
  UNION { ?rule mc:componentGroup ?group . ?group mc:groupMember ?item BIND("group" AS ?kind)
          OPTIONAL { ?group mc:minMembers ?min } }
}"""

PARTS_QUERY = _PROLOGUE + """
SELECT DISTINCT ?q ?part WHERE {
  %s
  ?q mc:stackingRule ?rule .
  { ?q mc:hasPart ?part } UNION { ?part mc:isPartOf ?q }
}"""

CREDENTIALS_QUERY = _PROLOGUE + """
SELECT ?c ?kind ?title ?level ?amount ?system ?hours ?field ?body ?outcome WHERE {
  %s
  ?c a ?kind .
  FILTER(?kind IN (mc:MicroCredential, mc:Qualification, mc:Credential))
  OPTIONAL { { ?c dct:title ?title } UNION { ?c mc:level ?level }
             UNION { ?c mc:creditValue ?cv . ?cv mc:creditAmount ?amount ; mc:creditSystem ?system }
             UNION { ?c mc:notionalHours ?hours } UNION { ?c mc:field ?field }
             UNION { ?c mc:awardingBody ?body } UNION { ?c mc:learningOutcome ?outcome } }
}"""
# One row per credential, without outcomes: for the pool of candidates of a rule (tens of
# thousands under an open rule), where converting rows to Python is most of the cost. COALESCE:
# one unbound value makes pyoxigraph's GROUP_CONCAT unbound.
CANDIDATES_QUERY = _PROLOGUE + """
SELECT ?c (SAMPLE(?k) AS ?kind) (SAMPLE(?te) AS ?titleEn) (SAMPLE(?t) AS ?title)
       (GROUP_CONCAT(DISTINCT COALESCE(?l, "")) AS ?levels) (SAMPLE(?a) AS ?amount) (SAMPLE(?s) AS ?system)
       (SAMPLE(?h) AS ?hours) (GROUP_CONCAT(DISTINCT COALESCE(?f, "")) AS ?fields)
       (GROUP_CONCAT(DISTINCT COALESCE(?b, "")) AS ?bodies)
WHERE {
  %s
  ?c a ?k .
  FILTER(?k IN (mc:MicroCredential, mc:Qualification, mc:Credential))
  OPTIONAL { { ?c dct:title ?t BIND(IF(LANGMATCHES(LANG(?t), "en"), ?t, ?none) AS ?te) }
             UNION { ?c mc:level ?level BIND(STR(?level) AS ?l) }
             UNION { ?c mc:creditValue ?cv . ?cv mc:creditAmount ?a ; mc:creditSystem ?s }
             UNION { ?c mc:notionalHours ?h } UNION { ?c mc:field ?field BIND(STR(?field) AS ?f) }
             UNION { ?c mc:awardingBody ?body BIND(STR(?body) AS ?b) } }
} GROUP BY ?c"""

QA_QUERY = _PROLOGUE + """
SELECT ?s ?d ?agency ?decision ?from ?until WHERE {
  %s
  ?d mc:qaSubject ?s .
  OPTIONAL { { ?d mc:qaAgency ?agency } UNION { ?d mc:decision ?decision }
             UNION { ?d mc:validFrom ?from } UNION { ?d mc:validUntil ?until } }
}"""

OUTCOMES_QUERY = _PROLOGUE + """
SELECT ?o ?description ?c WHERE {
  %s
  OPTIONAL { { ?o dct:description ?description } UNION { ?c mc:learningOutcome ?o } }
}"""

# Micro-credentials an open rule may accept: those in one of its fields (or every one). VALUES
# first and no DISTINCT: on pyoxigraph 0.5 the other orders took from 3 s to 100 s at 100k.
OPEN_CANDIDATES_QUERY = _PROLOGUE + """
SELECT ?c WHERE {
  %s
  ?c a mc:MicroCredential .
}"""


# -- the model ----------------------------------------------------------------------------------
@dataclass
class QADecision:
    iri: str
    subject: str
    agency: str | None
    decision: str | None
    valid_from: date | None
    valid_until: date | None

    @property
    def negative(self) -> bool:
        """A refusal, withdrawal or "not accredited" decision: never counts as QA in force."""
        text = (self.decision or "").strip().lower()
        return text.startswith(("refus", "reject", "denied", "declin", "withdr", "revok", "not ", "non-"))

    def in_force(self, at: date) -> bool:
        return (not self.negative and (self.valid_from is None or self.valid_from <= at)
                and (self.valid_until is None or at <= self.valid_until))


@dataclass
class Named:
    iri: str
    title: str | None

    @property
    def id(self) -> str:
        return curie(self.iri)

    @property
    def name(self) -> str:
        return self.title or self.id


@dataclass
class Credential(Named):
    kind: str  # micro-credential | qualification | credential
    levels: list[str] = field(default_factory=list)  # level IRIs
    credit_amount: Fraction | None = None
    credit_system: str | None = None  # IRI
    hours: Fraction | None = None
    fields: set[str] = field(default_factory=set)
    bodies: list[str] = field(default_factory=list)
    outcomes: set[str] = field(default_factory=set)
    decisions: list[QADecision] = field(default_factory=list)  # about the credential
    body_decisions: list[QADecision] = field(default_factory=list)  # about its awarding bodies


@dataclass
class ComponentGroup:
    iri: str  # a blank node's id when the group has no IRI
    members: list[str]
    min_members: int  # all members when the rule states no minimum


@dataclass
class Rule:
    iri: str
    qualification: str
    comment: str | None = None
    required: Fraction | None = None
    required_system: str | None = None
    cap_micro: Fraction | None = None
    cap_prior: Fraction | None = None
    min_level: str | None = None
    fields: set[str] = field(default_factory=set)
    components: list[str] = field(default_factory=list)
    groups: list[ComponentGroup] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
    accepts_unlisted: bool = False
    rounding: str = "down"

    @property
    def id(self) -> str:
        return curie(self.iri)

    @property
    def named(self) -> set[str]:
        """Credentials the rule itself names: required components and group members."""
        return set(self.components) | {m for g in self.groups for m in g.members}


@dataclass
class Qualification(Named):
    rules: list[Rule]
    parts: set[str] = field(default_factory=set)  # mc:hasPart / mc:isPartOf

    def listed(self, rule: Rule) -> set[str]:
        """Credentials listed for the rule: the qualification's parts and the rule's components."""
        return self.parts | rule.named


@dataclass
class Outcome:
    iri: str
    description: str | None
    attested_by: list[str]  # credential IRIs


# -- reading --------------------------------------------------------------------------------------
def credential_iri(token: str) -> str:
    """A credential named by IRI, CURIE (id:credential/x) or slug (x)."""
    token = token.strip()
    if not token:
        raise UsageError("empty credential name")
    return expand_iri(token) if ":" in token else f"{ID}credential/{token}"


def qualifications(reader: Reader, only: Iterable[str] | None = None,
                   parts_of: Iterable[str] | None = None) -> dict[str, Qualification]:
    """Qualifications that have a stacking rule (all, or those in `only`), with rules and parts
    (all parts, or only those among `parts_of` when the caller needs no others).

    A few qualifications are anchored with VALUES; beyond ANCHOR_LIMIT every rule is read and the
    rest dropped in Python: on pyoxigraph a long VALUES block before OPTIONALs is several times
    slower than reading all (bench/bench_stacking.py)."""
    wanted = set(only) if only is not None else None
    if wanted is not None and not wanted:
        return {}
    anchor = _values("q", wanted) if wanted is not None and len(wanted) <= ANCHOR_LIMIT else ""
    rules: dict[str, Rule] = {}
    titles: dict[str, list[ox.Literal]] = defaultdict(list)
    for row in _select(reader, RULES_QUERY, anchor):
        iri, qual = row["rule"].value, row["q"].value
        if wanted is None or qual in wanted:
            _read_rule_row(rules.setdefault(iri, Rule(iri, qual)), row)
    for row in _select(reader, TITLES_QUERY, anchor):
        if row["q"].value in titles or wanted is None or row["q"].value in wanted:
            titles[row["q"].value].append(row["title"])
    groups: dict[tuple[str, str], ComponentGroup] = {}
    for row in _select(reader, RULE_ITEMS_QUERY, anchor):
        rule = rules.get(row["rule"].value)
        if rule is not None:
            _read_rule_item(rule, row, groups)
    for group in groups.values():
        group.members.sort()
    found = {}
    for rule in sorted(rules.values(), key=lambda r: r.iri):
        title = _english(titles[rule.qualification])
        qual = found.setdefault(rule.qualification, Qualification(rule.qualification, title, []))
        qual.rules.append(rule)
    part_anchor = _values("part", parts_of) if parts_of is not None else anchor
    for row in _select(reader, PARTS_QUERY, part_anchor) if part_anchor or parts_of is None else ():
        if row["q"].value in found:
            found[row["q"].value].parts.add(row["part"].value)
    return found


def qualifications_listing(reader: Reader, credentials: Iterable[str]) -> set[str]:
    """Qualifications with a rule that list one of `credentials` as a part or a component."""
    anchor = _values("part", credentials)
    if not anchor:
        return set()
    found = {row["q"].value for row in _select(reader, PARTS_QUERY, anchor)}
    named = _PROLOGUE + """SELECT DISTINCT ?q WHERE { %s ?q mc:stackingRule ?rule .
      { ?rule mc:requiredComponent ?part } UNION { ?rule mc:componentGroup/mc:groupMember ?part } }"""
    return found | {row["q"].value for row in _select(reader, named, anchor)}


def open_qualifications(reader: Reader) -> set[str]:
    query = _PROLOGUE + "SELECT DISTINCT ?q WHERE { ?q mc:stackingRule ?r . ?r mc:acceptsUnlistedCredentials true }"
    return {row["q"].value for row in reader.select(query)}


def candidates(reader: Reader, iris: Iterable[str]) -> dict[str, Credential]:
    """Facts about many credentials, one row each, without outcomes; with QA decisions."""
    found: dict[str, Credential] = {}
    for batch in _batches(sorted(set(iris))):
        for row in _select(reader, CANDIDATES_QUERY, _values("c", batch)):
            kinds = [_KINDS[k] for k in _KINDS if k == row["kind"].value]
            cred = Credential(row["c"].value, _value(row, "titleEn") or _value(row, "title"), kinds[0])
            cred.levels = sorted(_words(row, "levels"))
            cred.fields = set(_words(row, "fields"))
            cred.bodies = sorted(_words(row, "bodies"))
            if row.get("amount") is not None and row.get("system") is not None:
                cred.credit_amount, cred.credit_system = _fraction(row["amount"]), row["system"].value
            if row.get("hours") is not None:
                cred.hours = _fraction(row["hours"])
            found[cred.iri] = cred
    _attach_decisions(reader, found)
    return found


def credentials(reader: Reader, iris: Iterable[str]) -> dict[str, Credential]:
    """Facts about the given credentials (those not in the graph are left out), with QA decisions."""
    iris = sorted(set(iris))
    found: dict[str, Credential] = {}
    titles: dict[str, list[ox.Literal]] = defaultdict(list)
    for batch in _batches(iris):
        for row in _select(reader, CREDENTIALS_QUERY, _values("c", batch)):
            iri = row["c"].value
            cred = found.setdefault(iri, Credential(iri, None, _KINDS[row["kind"].value]))
            _read_credential_row(cred, row, titles[iri])
    for iri, cred in found.items():
        cred.title = _english(titles[iri])
        cred.levels.sort()
        cred.bodies.sort()
    _attach_decisions(reader, found)
    return found


def open_candidates(reader: Reader, fields: set[str]) -> list[str]:
    """Every micro-credential in one of `fields` (every one when the set is empty)."""
    anchor = f"{_values('field', fields)} ?c mc:field ?field ." if fields else ""
    return sorted({row["c"].value for row in _select(reader, OPEN_CANDIDATES_QUERY, anchor)})


def outcomes(reader: Reader, iris: Iterable[str]) -> dict[str, Outcome]:
    found: dict[str, Outcome] = {}
    descriptions: dict[str, list[ox.Literal]] = defaultdict(list)
    anchor = _values("o", iris)
    if not anchor:
        return {}
    for row in _select(reader, OUTCOMES_QUERY, anchor):
        iri = row["o"].value
        outcome = found.setdefault(iri, Outcome(iri, None, []))
        if row.get("description") is not None:
            descriptions[iri].append(row["description"])
        if row.get("c") is not None:
            outcome.attested_by.append(row["c"].value)
    for iri, outcome in found.items():
        outcome.description = _english(descriptions[iri])
        outcome.attested_by.sort()
    return found


def _attach_decisions(reader: Reader, found: dict[str, Credential]) -> None:
    subjects = set(found) | {b for c in found.values() for b in c.bodies}
    decisions: dict[str, dict[str, QADecision]] = defaultdict(dict)
    for batch in _batches(sorted(subjects)):
        for row in _select(reader, QA_QUERY, _values("s", batch)):
            subject, iri = row["s"].value, row["d"].value
            decision = decisions[subject].setdefault(iri, QADecision(iri, subject, None, None, None, None))
            _read_decision_row(decision, row)
    for cred in found.values():
        cred.decisions = sorted(decisions.get(cred.iri, {}).values(), key=lambda d: d.iri)
        cred.body_decisions = sorted((d for b in cred.bodies for d in decisions.get(b, {}).values()),
                                     key=lambda d: d.iri)


def _read_rule_row(rule: Rule, row: Row) -> None:
    if row.get("comment") is not None:
        rule.comment = row["comment"].value
    if row.get("required") is not None:
        rule.required, rule.required_system = _fraction(row["required"]), row["system"].value
    if row.get("capMicro") is not None:
        rule.cap_micro = _fraction(row["capMicro"])
    if row.get("capPrior") is not None:
        rule.cap_prior = _fraction(row["capPrior"])
    if row.get("minLevel") is not None:
        rule.min_level = row["minLevel"].value
    if row.get("open") is not None:
        rule.accepts_unlisted = row["open"].value == "true"
    if row.get("rounding") is not None and row["rounding"].value in ROUNDINGS:
        rule.rounding = row["rounding"].value


def _read_rule_item(rule: Rule, row: Row, groups: dict[tuple[str, str], ComponentGroup]) -> None:
    kind, item = row["kind"].value, row["item"].value
    if kind == "field":
        rule.fields.add(item)
    elif kind == "component" and item not in rule.components:
        rule.components.append(item)
        rule.components.sort()
    elif kind == "outcome" and item not in rule.outcomes:
        rule.outcomes.append(item)
        rule.outcomes.sort()
    elif kind == "group":
        key = (rule.iri, row["group"].value)
        group = groups.get(key)
        if group is None:
            group = groups[key] = ComponentGroup(_node_id(row["group"]), [], 0)
            rule.groups.append(group)
        if item not in group.members:
            group.members.append(item)
        minimum = int(row["min"].value) if row.get("min") is not None else None
        group.min_members = minimum if minimum is not None else len(group.members)


def _read_credential_row(cred: Credential, row: Row, titles: list[ox.Literal]) -> None:
    if row.get("title") is not None:
        titles.append(row["title"])
    if row.get("level") is not None and row["level"].value not in cred.levels:
        cred.levels.append(row["level"].value)
    if row.get("amount") is not None:
        cred.credit_amount, cred.credit_system = _fraction(row["amount"]), row["system"].value
    if row.get("hours") is not None:
        cred.hours = _fraction(row["hours"])
    if row.get("field") is not None:
        cred.fields.add(row["field"].value)
    if row.get("body") is not None and row["body"].value not in cred.bodies:
        cred.bodies.append(row["body"].value)
    if row.get("outcome") is not None:
        cred.outcomes.add(row["outcome"].value)
    kind = _KINDS[row["kind"].value]
    if kind != "credential":  # the most specific type wins
        cred.kind = kind


def _read_decision_row(decision: QADecision, row: Row) -> None:
    if row.get("agency") is not None:
        decision.agency = row["agency"].value
    if row.get("decision") is not None:
        decision.decision = row["decision"].value
    if row.get("from") is not None:
        decision.valid_from = _date(row["from"])
    if row.get("until") is not None:
        decision.valid_until = _date(row["until"])


# -- helpers ----------------------------------------------------------------------------------------
def _select(reader: Reader, query: str, anchor: str) -> list[Row]:
    return reader.select(query % anchor)


def _values(var: str, iris: Iterable[str] | None) -> str:
    """A VALUES block of IRIs; each is checked by pyoxigraph, so nothing else can enter the query."""
    nodes = []
    for iri in sorted(set(iris or ())):
        try:
            nodes.append(str(ox.NamedNode(iri)))
        except ValueError:
            raise UsageError(f"not an IRI: {iri!r}") from None
    return f"VALUES ?{var} {{ {' '.join(nodes)} }}" if nodes else ""


def _value(row: Row, var: str) -> str | None:
    term = row.get(var)
    return term.value if term is not None else None


def _words(row: Row, var: str) -> list[str]:
    return (_value(row, var) or "").split()


def _batches(iris: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(iris), VALUES_BATCH):
        yield iris[start:start + VALUES_BATCH]


def _fraction(term: ox.Literal) -> Fraction | None:
    try:
        return Fraction(Decimal(term.value))
    except (InvalidOperation, ValueError):
        return None


def _date(term: ox.Literal) -> date | None:
    try:
        return date.fromisoformat(term.value[:10])
    except ValueError:
        return None


def _english(literals: list[ox.Literal]) -> str | None:
    if not literals:
        return None
    for literal in sorted(literals, key=lambda t: t.value):
        if (getattr(literal, "language", None) or "").lower().startswith("en"):
            return literal.value
    return sorted(literals, key=lambda t: t.value)[0].value


def _node_id(term: ox.NamedNode | ox.BlankNode) -> str:
    return term.value if isinstance(term, ox.NamedNode) else f"_:{term.value}"


def require_credentials(reader: Reader, iris: list[str]) -> dict[str, Credential]:
    """Facts about `iris`; UnknownResource naming every IRI that is not a credential."""
    found = credentials(reader, iris)
    missing = [curie(i) for i in iris if i not in found]
    if missing:
        raise UnknownResource(f"not a credential in the graph: {', '.join(missing)}")
    return found
