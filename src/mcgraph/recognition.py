"""A first recognition assessment of a credential for a host country: evidence, not a verdict.

For a credential (stored, or submitted and validated without being stored), a host country and a
date, `assess` gathers what a recogniser looks at (docs/RECOGNITION.md):
- conformance with the UNESCO 2022 working definition, part by part, and with the EU 2022
  standard elements, from the SHACL profiles: met, not met (the record states something that
  fails the part), or unknown (the record is silent);
- comparable levels in the host country's frameworks, from the referencing engine;
- quality assurance at the date (the credential's own decision, else its awarding body's), and the
  agency's networks (APQN, INQAAHE...) through mc:memberOf;
- the recognition conventions (Tokyo, Global, Bangkok) binding the issuing and the host country at
  the date, and the host country's national information centre;
- a digital-trust profile: six metrics, each met / not met / unknown with its evidence, and a
  weighted score (weights below);
- substantial differences: findings worth a recogniser's attention, in plain language.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import pyoxigraph as ox

from . import browse, stacking_data
from .credits import CreditSystems
from .errors import NonConformantData, UnknownResource, UsageError
from .namespaces import MC, SHAPES, curie, sparql_prologue
from .rdfio import parse_bytes
from .referencing import ReferencingNetwork, chain_reports
from .stacking import QAStatus, qa_status
from .stacking_data import Credential, credential_iri
from .store import GraphStore, OxigraphStore, Reader, Row, UnionReader
from .validate import validate_quads

PROFILES = ("unesco-definition", "eu-standard-elements")
SUBMISSION_GRAPH = "urn:mcgraph:submission"
# Digital-trust weights (sum 1): who issued it and whether it can be checked weigh most.
TRUST_WEIGHTS = {"issuer-identified": 0.2, "issuer-quality-assured": 0.2, "verifiable-format": 0.2,
                 "outcomes-machine-readable": 0.15, "level-referenced": 0.15, "credit-system-known": 0.1}
UNESCO_PARTS = (
    ("UNESCO-part1", "1. focused learning outcomes", ("learningOutcome",)),
    ("UNESCO-part2", "2. assessment against clear standards, by a trusted provider", ("assessment", "awardingBody")),
    ("UNESCO-part3", "3. standalone value and stackability", ("standalone", "hasPart", "isPartOf", "component")),
    ("UNESCO-part4", "4. quality assurance", ("qaType", "decision")),
)
_PROLOGUE = sparql_prologue()
# The credential's statements, then what is known of their objects: two queries, so that a
# submitted credential read together with the store (UnionReader) joins nothing across the two.
_STATEMENTS = _PROLOGUE + """
SELECT ?c ?p ?o WHERE {
  ?c ?p ?o .
  VALUES ?p { mc:assessment mc:standalone mc:qaType mc:issuerCountry mc:credentialFormat mc:learningOutcome
              mc:awardingBody mc:hasPart mc:isPartOf mc:level dct:issued mc:learner }
}"""
_OBJECTS = _PROLOGUE + """
SELECT ?o ?oLabel ?skill ?verifiable ?bodyType ?bodyCountry WHERE {
  %s
  { ?o mc:assessmentType ?oLabel } UNION { ?o dct:description ?oLabel } UNION { ?o skos:prefLabel ?oLabel }
  UNION { ?o rdfs:label ?oLabel } UNION { ?o mc:alignedSkill ?skill } UNION { ?o mc:verifiable ?verifiable }
  UNION { ?o a ?bodyType } UNION { ?o mc:country ?bodyCountry }
}"""
_COMPONENT_OF = _PROLOGUE + "SELECT ?c ?q WHERE { ?q mc:stackingRule/mc:requiredComponent ?c }"
_NETWORKS = _PROLOGUE + """
SELECT ?agency ?network ?label WHERE { ?agency mc:memberOf+ ?network OPTIONAL { ?network skos:prefLabel ?label } }"""
_NICS = _PROLOGUE + """
SELECT ?country ?nic ?label WHERE {
  { ?nic a mc:NationalInformationCentre ; mc:country ?country } UNION { ?part mc:party ?country ; mc:nic ?nic }
  OPTIONAL { ?nic skos:prefLabel ?label }
}"""


# -- results --------------------------------------------------------------------------------------
@dataclass
class Evidence:
    label: str
    value: str


@dataclass
class Part:
    id: str  # e.g. "UNESCO-part2", "EU-learningOutcomes"
    name: str
    status: str  # met | not met | unknown | not applicable
    evidence: list[Evidence]
    messages: list[str]  # the shapes' messages when not met or unknown


@dataclass
class LevelMatch:
    level: str  # e.g. "HKQF 5"
    match: str
    strength: float
    strength_label: str
    chains: list[str]  # paths, strongest first
    reports: list[str]


@dataclass
class Comparability:
    credential_level: str
    host_framework: str
    status: str  # matched | same framework | one of the referencing statuses
    summary: str
    matches: list[LevelMatch]


@dataclass
class Network:
    iri: str
    id: str
    label: str | None


@dataclass
class QualityAssurance:
    status: QAStatus
    agency_networks: list[Network]  # networks of the deciding agency (mc:memberOf, transitively)
    recognised_network: bool  # one of them is APQN or INQAAHE


@dataclass
class ConventionContext:
    country: str  # ISO code
    name: str | None
    conventions: list[browse.ConventionStatus]


@dataclass
class Metric:
    id: str
    name: str
    status: str  # met | not met | unknown
    weight: float
    evidence: str


@dataclass
class TrustProfile:
    metrics: list[Metric]
    score: float  # sum of the weights of the metrics met
    unknown_weight: float  # sum of the weights of the metrics the data cannot decide


@dataclass
class Difference:
    code: str
    title: str
    explanation: str


@dataclass
class RecognitionAssessment:
    iri: str
    id: str
    title: str | None
    kind: str
    submitted: bool  # assessed from a request, not stored
    host: ConventionContext
    issuer: ConventionContext | None
    host_nics: list[Network]
    at: str
    unesco: list[Part]
    eu: list[Part]
    comparability: list[Comparability]
    quality_assurance: QualityAssurance
    trust: TrustProfile
    differences: list[Difference]
    note: str = ("A first assessment from the data in the graph: the decision on recognition stays with "
                 "the competent authority.")
    illustrative: bool = False


# -- the assessment -------------------------------------------------------------------------------
def assess(reader: Reader, store: GraphStore, credential: str, host: str, at: date | None = None,
           network: ReferencingNetwork | None = None, systems: CreditSystems | None = None,
           submitted: list[ox.Quad] | None = None) -> RecognitionAssessment:
    """Assess `credential` for the `host` country (ISO code or name) at `at` (today).

    `reader` answers the fact queries (for a submission: the submission and the store together);
    `store` gives the stored context the SHACL profiles need; `submitted` holds the quads of a
    submitted credential (validated by the caller), None for a stored one."""
    at = at or date.today()
    iri = credential_iri(credential)
    facts = stacking_data.credentials(reader, [iri]).get(iri)
    if facts is None:
        raise UnknownResource(f"not a credential in the graph: {curie(iri)}")
    network = network or ReferencingNetwork.load(reader)
    systems = systems or CreditSystems.load(reader)
    countries = {c.code: c for c in browse.countries(reader, at) if c.code}
    host_country = _country(countries, host)
    rows = _statements(reader, iri)
    record = _Record(facts, rows, [r["q"].value for r in reader.select(_COMPONENT_OF, {"c": ox.NamedNode(iri)})])
    report = _profile_report(store, iri, submitted)
    qa = _quality_assurance(reader, facts, at)
    unesco = _unesco(report, record, facts, qa, at)
    eu = _eu(report, record, facts)
    comparability = _comparability(network, facts, host_country)
    trust = _trust(record, facts, at, network, systems)
    issuer_code = record.issuer_country()
    issuer = _context(countries[issuer_code]) if issuer_code in countries else None
    host_context = _context(host_country)
    assessment = RecognitionAssessment(
        iri, curie(iri), facts.title, facts.kind, submitted is not None, host_context, issuer,
        _nics(reader, host_country.iri), at.isoformat(), unesco, eu, comparability, qa, trust, [],
        illustrative=record.illustrative(reader))
    assessment.differences = differences(assessment, record)
    return assessment


def _statements(reader: Reader, iri: str) -> list[Row]:
    """One row per statement and per fact about its object (blank objects: as the statement gives them)."""
    statements = reader.select(_STATEMENTS, {"c": ox.NamedNode(iri)})
    named = sorted({str(r["o"]) for r in statements if isinstance(r["o"], ox.NamedNode)})
    about: dict[str, list[Row]] = {}
    if named:
        for row in reader.select(_OBJECTS % f"VALUES ?o {{ {' '.join(named)} }}"):
            about.setdefault(row["o"].value, []).append(row)
    blanks = _blank_facts(reader, iri)
    rows = []
    for st in statements:
        facts = about.get(st["o"].value, []) if isinstance(st["o"], ox.NamedNode) else blanks.get(st["o"].value, [])
        rows.extend({**st, **fact, "o": st["o"]} for fact in facts) if facts else rows.append(st)
    return rows


def _blank_facts(reader: Reader, iri: str) -> dict[str, list[Row]]:
    """Facts about the credential's blank nodes (assessments), read in the same query as the link."""
    query = _PROLOGUE + """SELECT ?c ?o ?oLabel WHERE { ?c mc:assessment ?o .
        { ?o mc:assessmentType ?oLabel } UNION { ?o dct:description ?oLabel } }"""
    found: dict[str, list[Row]] = {}
    for row in reader.select(query, {"c": ox.NamedNode(iri)}):
        found.setdefault(row["o"].value, []).append(row)
    return found


class _Record:
    """The credential's own statements, from the fact rows."""

    def __init__(self, facts: Credential, rows: list[Row], component_of: list[str]) -> None:
        self.facts, self.rows, self.component_of = facts, rows, component_of

    def values(self, local: str) -> list[Row]:
        return [r for r in self.rows if r["p"].value.rsplit("#", 1)[-1].rsplit("/", 1)[-1] == local]

    def objects(self, local: str) -> list[str]:
        return sorted({r["o"].value for r in self.values(local)})

    def has(self, local: str) -> bool:
        if local == "component":
            return bool(self.component_of)
        if local == "decision":
            return bool(self.facts.decisions or self.facts.body_decisions)
        return bool(self.values(local))

    def labels(self, local: str) -> list[str]:
        return sorted({r["oLabel"].value for r in self.values(local) if r.get("oLabel") is not None})

    def issuer_country(self) -> str | None:
        codes = self.objects("issuerCountry") or sorted({r["bodyCountry"].value for r in self.values("awardingBody")
                                                         if r.get("bodyCountry") is not None})
        return codes[0].rsplit("/", 1)[-1] if codes else None

    def illustrative(self, reader: Reader) -> bool:
        rows = reader.select(_PROLOGUE + "SELECT ?c ?v WHERE { ?c mc:illustrative ?v }",
                             {"c": ox.NamedNode(self.facts.iri)})
        return any(r["v"].value == "true" for r in rows)


# -- conformance ----------------------------------------------------------------------------------------
def _profile_report(store: GraphStore, iri: str, submitted: list[ox.Quad] | None):
    quads = submitted if submitted is not None else _description(store, iri)
    return validate_quads(quads, store, PROFILES)


def _description(store: GraphStore, iri: str) -> list[ox.Quad]:
    """The credential's own triples with its blank nodes (credit values, assessments)."""
    triples = store.construct(_PROLOGUE + """CONSTRUCT { ?c ?p ?o . ?o ?bp ?bo } WHERE {
        ?c ?p ?o OPTIONAL { ?o ?bp ?bo FILTER(isBlank(?o)) } }""", {"c": ox.NamedNode(iri)})
    return [ox.Quad(t.subject, t.predicate, t.object) for t in triples]


def _results(report, shape: str, iri: str) -> list[str]:
    return [r.message for r in report.results if r.shape == SHAPES + shape and r.focus == iri]


def _unesco(report, record: _Record, facts: Credential, qa: QualityAssurance, at: date) -> list[Part]:
    parts = []
    for shape, name, locals_ in UNESCO_PARTS:
        if facts.kind != "micro-credential":
            parts.append(Part(shape, name, "not applicable", [], [f"a {facts.kind}, not a micro-credential"]))
            continue
        messages = _results(report, shape, facts.iri)
        stated = any(record.has(local) for local in locals_)
        status = "met" if not messages else ("not met" if stated else "unknown")
        evidence = _part_evidence(shape, record, qa)
        if shape == "UNESCO-part4" and status == "met" and (facts.decisions or facts.body_decisions) \
                and not qa.status.in_force:
            status, messages = "not met", [f"no quality assurance in force on {at} (see the QA decision)"]
        parts.append(Part(shape, name, status, evidence, messages))
    return parts


def _part_evidence(shape: str, record: _Record, qa: QualityAssurance) -> list[Evidence]:
    if shape == "UNESCO-part1":
        return [Evidence("learning outcome", text) for text in record.labels("learningOutcome")]
    if shape == "UNESCO-part2":
        return ([Evidence("assessment", text) for text in record.labels("assessment")]
                + [Evidence("awarding body", label) for label in record.labels("awardingBody")])
    if shape == "UNESCO-part3":
        return ([Evidence("standalone", v) for v in record.objects("standalone")]
                + [Evidence("part of", curie(v)) for v in record.objects("isPartOf")]
                + [Evidence("has part", curie(v)) for v in record.objects("hasPart")]
                + [Evidence("required component of", curie(v)) for v in record.component_of])
    return ([Evidence("type of quality assurance", v) for v in record.objects("qaType")]
            + [Evidence("QA decision", qa.status.note)] if qa.status.decision else
            [Evidence("type of quality assurance", v) for v in record.objects("qaType")])


def _eu(report, record: _Record, facts: Credential) -> list[Part]:
    """The EU 2022 elements; the learner and the date of issuing only on an issued record."""
    if facts.kind != "micro-credential":
        return []
    issued = record.has("learner") or record.has("issued")
    out = []
    for shape, name in _EU_SHAPES.items():
        local = shape.removeprefix(SHAPES)
        messages = _results(report, local, facts.iri)
        if local in ("EU-learner", "EU-dateOfIssuing") and not issued:
            out.append(Part(local, name, "not applicable", [], ["a specification, not a record issued to a learner"]))
            continue
        out.append(Part(local, name, "not met" if messages else "met", [], messages))
    return out


_EU_NAMES = {"learner": "identification of the learner", "title": "title", "issuerCountry": "country of the issuer",
             "awardingBody": "awarding body", "dateOfIssuing": "date of issuing",
             "learningOutcomes": "learning outcomes", "workload": "notional workload", "level": "level",
             "assessmentType": "type of assessment", "participation": "form of participation",
             "qaType": "type of quality assurance"}
_EU_SHAPES = {f"{SHAPES}EU-{k}": v for k, v in _EU_NAMES.items()}


# -- levels, QA, conventions ----------------------------------------------------------------------------
def _comparability(network: ReferencingNetwork, facts: Credential, host: browse.CountrySummary) -> list[Comparability]:
    out = []
    for level in facts.levels:
        ref = network.levels.get(level)
        name = ref.name if ref else curie(level)
        for fw in host.frameworks:
            target = network.frameworks.get(fw)
            if target is None:
                continue
            if network.level_framework.get(level) == fw:
                summary = f"{name} is a level of {target.code}"
                out.append(Comparability(name, target.code, "same framework", summary, []))
                continue
            if ref is None:
                summary = f"{name} is not a level in the graph"
                out.append(Comparability(name, target.code, "not-referenced", summary, []))
                continue
            result = network.compare_level(level, fw)
            matches = [LevelMatch(m.level.name, m.match, round(m.strength, 3), m.strength_label,
                                  [c.path for c in m.chains], chain_reports(m.chains)) for m in result.matches]
            out.append(Comparability(name, target.code, result.status, result.summary, matches))
    return out


def _quality_assurance(reader: Reader, facts: Credential, at: date) -> QualityAssurance:
    status = qa_status(facts, at)
    agency = next((d.agency for d in facts.decisions + facts.body_decisions
                   if status.decision and curie(d.iri) == status.decision), None)
    networks = []
    if agency:
        rows = reader.select(_NETWORKS, {"agency": ox.NamedNode(agency)})
        networks = sorted({r["network"].value: Network(r["network"].value, curie(r["network"].value),
                                                       r["label"].value if r.get("label") else None)
                           for r in rows}.values(), key=lambda n: n.iri)
    recognised = any(n.id in ("id:org/apqn", "id:org/inqaahe") for n in networks)
    return QualityAssurance(status, networks, recognised)


def _country(countries: dict[str, browse.CountrySummary], token: str) -> browse.CountrySummary:
    text = token.strip()
    if text.upper() in countries:
        return countries[text.upper()]
    by_name = [c for c in countries.values() if (c.name or "").casefold() == text.casefold()]
    if by_name:
        return by_name[0]
    raise UnknownResource(f"no country {token!r} in the graph; use an ISO 3166-1 alpha-2 code such as NZ or HK")


def _context(country: browse.CountrySummary) -> ConventionContext:
    return ConventionContext(country.code or "", country.name, country.conventions)


def _nics(reader: Reader, country: str) -> list[Network]:
    rows = reader.select(_NICS, {"country": ox.NamedNode(country)})
    found = {r["nic"].value: Network(r["nic"].value, curie(r["nic"].value),
                                     r["label"].value if r.get("label") else None) for r in rows}
    return sorted(found.values(), key=lambda n: n.iri)


# -- digital trust ----------------------------------------------------------------------------------------
def _trust(record: _Record, facts: Credential, at: date, network: ReferencingNetwork,
           systems: CreditSystems) -> TrustProfile:
    metrics = [_issuer_identified(record), _issuer_assured(facts, at), _verifiable(record),
               _outcomes_aligned(record), _level_referenced(facts, network), _credit_known(facts, systems)]
    score = round(sum(m.weight for m in metrics if m.status == "met"), 3)
    unknown = round(sum(m.weight for m in metrics if m.status == "unknown"), 3)
    return TrustProfile(metrics, score, unknown)


def _metric(key: str, name: str, status: str, evidence: str) -> Metric:
    return Metric(key, name, status, TRUST_WEIGHTS[key], evidence)


def _issuer_identified(record: _Record) -> Metric:
    bodies = record.values("awardingBody")
    named = [r for r in bodies if isinstance(r["o"], ox.NamedNode)]
    described = sorted({r["o"].value for r in named if r.get("bodyType") is not None})
    if described:
        return _metric("issuer-identified", "issuer identified by a stable IRI", "met",
                       ", ".join(curie(i) for i in described))
    if named:
        return _metric("issuer-identified", "issuer identified by a stable IRI", "unknown",
                       f"{curie(named[0]['o'].value)} is not described in the graph")
    return _metric("issuer-identified", "issuer identified by a stable IRI", "not met" if bodies else "unknown",
                   "awarding body without an IRI" if bodies else "no awarding body stated")


def _issuer_assured(facts: Credential, at: date) -> Metric:
    name = "issuer quality assured"
    in_force = [d for d in facts.body_decisions if d.in_force(at)]
    if in_force:
        return _metric("issuer-quality-assured", name, "met", ", ".join(
            f"{d.decision or 'decision'} by {curie(d.agency) if d.agency else 'an agency'} until "
            f"{d.valid_until or 'no end date'} ({curie(d.iri)})" for d in in_force))
    if facts.body_decisions:
        return _metric("issuer-quality-assured", name, "not met",
                       "the awarding body's QA decisions are not in force: "
                       + ", ".join(curie(d.iri) for d in facts.body_decisions))
    return _metric("issuer-quality-assured", name, "unknown", "no QA decision on the awarding body in the graph")


def _verifiable(record: _Record) -> Metric:
    name = "issued in a verifiable format (W3C Verifiable Credential, Open Badges 3.0)"
    formats = record.values("credentialFormat")
    if not formats:
        return _metric("verifiable-format", name, "unknown", "no credential format stated")
    verifiable = [r for r in formats if r.get("verifiable") is not None and r["verifiable"].value == "true"]
    named = {r["o"].value: r["oLabel"].value for r in formats if r.get("oLabel") is not None}
    labels = ", ".join(sorted(named.get(i, curie(i)) for i in {r["o"].value for r in formats}))
    return _metric("verifiable-format", name, "met" if verifiable else "not met", labels)


def _outcomes_aligned(record: _Record) -> Metric:
    name = "learning outcomes machine-readable and aligned to a skills vocabulary"
    outcomes = record.objects("learningOutcome")
    if not outcomes:
        return _metric("outcomes-machine-readable", name, "unknown", "no learning outcome stated")
    aligned = {r["o"].value for r in record.values("learningOutcome") if r.get("skill") is not None}
    status = "met" if len(aligned) == len(outcomes) else "not met"
    return _metric("outcomes-machine-readable", name, status,
                   f"{len(aligned)} of {len(outcomes)} outcomes aligned to skill concepts (mc:alignedSkill)")


def _level_referenced(facts: Credential, network: ReferencingNetwork) -> Metric:
    name = "level in a framework referenced to others"
    if not facts.levels:
        return _metric("level-referenced", name, "unknown", "no level stated")
    referenced = [lv for lv in facts.levels if network.is_referenced(network.level_framework.get(lv, ""))]
    names = ", ".join(network.levels[lv].name if lv in network.levels else curie(lv) for lv in facts.levels)
    if referenced:
        return _metric("level-referenced", name, "met", f"{names}: its framework has referencing reports")
    return _metric("level-referenced", name, "not met", f"{names}: no referencing report covers its framework")


def _credit_known(facts: Credential, systems: CreditSystems) -> Metric:
    name = "credit value in a known credit system"
    if facts.credit_amount is None:
        return _metric("credit-system-known", name, "unknown", "no credit value stated")
    system = systems.systems.get(facts.credit_system or "")
    if system is None:
        return _metric("credit-system-known", name, "not met",
                       f"credit system {curie(facts.credit_system or '?')} has no notional hours in the graph")
    return _metric("credit-system-known", name, "met", f"{facts.credit_amount} {system.name} ({system.rule})")


# -- substantial differences ------------------------------------------------------------------------------
def differences(a: RecognitionAssessment, record: _Record) -> list[Difference]:
    """What a recogniser should look at, each with a plain-language explanation."""
    out: list[Difference] = []
    by_id = {p.id: p for p in a.unesco}
    if by_id.get("UNESCO-part2") and not record.has("assessment"):
        out.append(Difference("no-assessment", "No assessment described",
                              "The record does not say how learning is assessed; ask the issuer for the assessment "
                              "method and standards before comparing it with host qualifications."))
    if not record.has("learningOutcome"):
        out.append(Difference("no-learning-outcomes", "No learning outcomes",
                              "Without stated learning outcomes the content cannot be compared; request them."))
    status = a.quality_assurance.status
    if status.status == "expired":
        out.append(Difference("qa-expired", "Quality assurance expired",
                              f"{status.note}. The credential was quality assured once, but not on {a.at}; check "
                              "whether it was awarded while the decision was in force."))
    elif not status.in_force:
        out.append(Difference("no-qa-in-force", "No quality assurance in force",
                              f"{status.note}. Ask which body assures its quality."))
    out.extend(_level_findings(a, bool(record.facts.levels)))
    if not any(c.party for c in a.host.conventions):
        host = a.host.name or a.host.country
        out.append(Difference("host-not-party", f"{host} is party to no recognition convention in the graph",
                              f"On {a.at} no convention in the graph binds the host: recognition follows its "
                              "national rules alone."))
    elif a.issuer is not None:
        out.extend(_convention_findings(a.issuer, a.host))
    for metric in a.trust.metrics:
        if metric.id == "verifiable-format" and metric.status != "met":
            out.append(Difference("not-verifiable", "Authenticity cannot be checked digitally",
                                  f"{metric.evidence}: verify the document with the issuer."))
    return out


def _level_findings(a: RecognitionAssessment, has_level: bool) -> list[Difference]:
    if not a.comparability:
        why = "the host country has no framework in the graph" if has_level else "the credential states no level"
        return [Difference("level-not-referenced", "No comparable level in the host framework",
                           f"No comparison with a framework of {a.host.name or a.host.country} could be made "
                           f"({why}).")]
    out = []
    for c in a.comparability:
        if c.status not in ("matched", "same framework"):
            title = f"{c.credential_level} has no comparable level in {c.host_framework}"
            out.append(Difference("level-not-referenced", title, c.summary))
        elif any(m.strength_label == "weak" for m in c.matches):
            title = f"Weak comparison of {c.credential_level} with {c.host_framework}"
            out.append(Difference("weak-level-comparison", title, c.summary))
    return out


def _convention_findings(issuer: ConventionContext, host: ConventionContext) -> list[Difference]:
    out = []
    issuer_parties = {c.iri: c for c in issuer.conventions if c.party}
    for conv in host.conventions:
        if conv.party and conv.iri not in issuer_parties:
            name = conv.label or conv.title
            out.append(Difference("convention-not-shared",
                                  f"{issuer.name or issuer.country} is not a party to the {name}",
                                  f"The host is bound by the {name} (since {conv.since}); the issuing country is not "
                                  "a party on the date assessed, so its obligations toward that country do not apply "
                                  "under this convention (good practice may still follow it)."))
    return out


def assess_submission(store: GraphStore, data: bytes, fmt: ox.RdfFormat, host: str, at: date | None = None,
                      network: ReferencingNetwork | None = None, systems: CreditSystems | None = None,
                      reader: Reader | None = None) -> RecognitionAssessment:
    """Assess a credential described in `data` without storing it: parsed, checked by the shapes
    against the stored context (NonConformantData on a violation), then read together with the store."""
    quads = parse_bytes(data, fmt, "submission")
    iri = require_one_credential(quads)
    report = validate_quads(quads, store)
    if not report.conforms:
        raise NonConformantData(report)
    scratch = OxigraphStore("memory")
    scratch.commit({SUBMISSION_GRAPH: [ox.Quad(q.subject, q.predicate, q.object) for q in quads]}, [], replace=True)
    try:
        union = UnionReader([scratch, reader or store])
        return assess(union, store, iri, host, at, network, systems, submitted=quads)
    finally:
        scratch.close()


def require_one_credential(quads: Iterable[ox.Quad]) -> str:
    """The IRI of the single credential a submission describes."""
    kinds = {f"{MC}MicroCredential", f"{MC}Qualification", f"{MC}Credential"}
    found = sorted({q.subject.value for q in quads if q.predicate.value.endswith("#type")
                    and q.object.value in kinds and isinstance(q.subject, ox.NamedNode)})
    if len(found) != 1:
        raise UsageError(f"a submission must describe exactly one credential (typed mc:MicroCredential, "
                         f"mc:Qualification or mc:Credential); found {len(found)}")
    return found[0]
