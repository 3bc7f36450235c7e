"""Read models for browsing the graph: frameworks, levels, credentials, organisations, countries.

Every function takes a Reader, runs a few SPARQL queries and returns plain dataclasses (str, int,
float, bool, None, lists, nested dataclasses) that serialise to JSON as they are. IRIs come as
`iri` (full) and `id` (CURIE, e.g. "id:framework/aqf"); labels are English where available.

Values from callers are always bound with substitutions, never written into query text; pyoxigraph
binds a substitution only to a variable of the outermost SELECT list (or CONSTRUCT template), so
every bound variable is projected. A query anchors on its subjects and adds
OPTIONAL { {b1} UNION {b2} ... }, one small branch per property: a row carries one fact,
multi-valued properties do not multiply rows, and Python groups the rows. The OPTIONAL makes
Oxigraph evaluate the branches per anchor solution; a branch only uses variables bound by the
anchor or by itself, so an unbound variable never joins with the whole store.

Credential pages are in IRI order without a full sort (see _page_iris).
"""
import base64
import binascii
import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import pyoxigraph as ox

from .errors import UnknownResource, UsageError
from .namespaces import MC, curie, sparql_prologue
from .queries import expand_iri
from .store import Reader, Row, Term

MAX_LIMIT = 200
_PROLOGUE = sparql_prologue()
_IRI_SHAPE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
_DATE = re.compile(r"^(-?\d{4,})(?:-(\d{2}))?(?:-(\d{2}))?")
_FRAMEWORK_KINDS = {"NationalQualificationsFramework": "national", "RegionalQualificationsFramework": "regional",
                    "QualificationsFramework": "framework"}
_CREDENTIAL_KINDS = {"MicroCredential": "micro-credential", "Qualification": "qualification",
                     "Credential": "credential"}
_ORGANISATION_KINDS = ("Organisation", "Provider", "QAAgency", "QualificationsAuthority",
                       "NationalInformationCentre", "Network")


# -- response models ----------------------------------------------------------------------------
@dataclass
class Ref:
    """A linked resource: full IRI, CURIE and English label (None when it has none)."""

    iri: str
    id: str
    label: str | None


@dataclass
class LevelRef:
    iri: str
    id: str
    notation: str | None
    label: str | None


@dataclass
class LevelSummary:
    iri: str
    id: str
    notation: str | None
    label: str | None
    rank: float | None
    typical_qualifications: list[str]


@dataclass
class FrameworkSummary:
    iri: str
    id: str
    label: str | None
    alt_labels: list[str]
    kind: str  # "national", "regional", or "framework" when only typed mc:QualificationsFramework
    countries: list[str]  # ISO 3166-1 alpha-2 codes of the jurisdictions
    level_count: int | None  # as declared (mc:levelCount)
    levels_in_graph: int
    sources: list[str]


@dataclass
class FrameworkDetail(FrameworkSummary):
    description: str | None
    notes: list[str]
    confidence: str | None
    governing_bodies: list[Ref]
    credit_systems: list[Ref]
    levels: list[LevelSummary]  # in rank order


@dataclass
class ReportRef:
    iri: str
    id: str
    title: str | None
    date: str | None  # lexical form of dct:issued: "2017-06", "2016", "2019-05-20"
    status: str | None  # "Draft", "Endorsed" or "Comparison"
    sources: list[str]


@dataclass
class Correspondence:
    """One level-table row the level takes part in."""

    iri: str
    id: str
    direction: str  # "from": the level is the row's source (mc:fromLevel); "to": its target
    match_type: str | None  # as the report states it, source to target: "exactMatch", "broadMatch", "noMatch", ...
    other_level: LevelRef | None  # None for a noMatch row
    other_framework: Ref | None
    report: ReportRef | None
    confidence: str | None
    notes: list[str]
    sources: list[str]


@dataclass
class Descriptor:
    domain: Ref | None
    text: str


@dataclass
class LevelDetail(LevelSummary):
    framework: Ref
    descriptors: list[Descriptor]
    sources: list[str]
    correspondences: list[Correspondence]


@dataclass
class CredentialSummary:
    iri: str
    id: str
    title: str | None
    type: str  # "micro-credential", "qualification" or "credential"
    providers: list[Ref]  # awarding bodies (a credential may have several)
    levels: list[str]  # level IRIs
    frameworks: list[str]  # IRIs of the frameworks of those levels
    country: str | None  # ISO code of the issuer country
    field: Ref | None  # ISCED-F field
    credit_value: float | None
    credit_system: str | None  # IRI
    illustrative: bool


@dataclass
class CredentialPage:
    items: list[CredentialSummary]
    next_cursor: str | None  # pass as `after` for the next page; None on the last page


@dataclass
class LangText:
    text: str
    lang: str | None


@dataclass
class LevelInFramework:
    iri: str
    id: str
    notation: str | None
    label: str | None
    framework: Ref | None


@dataclass
class Credit:
    amount: float | None
    system: Ref | None


@dataclass
class LearningOutcome:
    iri: str
    id: str
    text: str | None
    skills: list[Ref]


@dataclass
class Assessment:
    type: str | None
    description: str | None


@dataclass
class QADecision:
    iri: str
    id: str
    agency: Ref | None
    decision: str | None
    valid_from: str | None
    valid_until: str | None


@dataclass
class StackingRule:
    iri: str
    id: str
    required_credits: Credit | None
    max_micro_credential_credits: float | None
    minimum_level: LevelRef | None
    required_components: list[Ref]
    required_outcomes: list[Ref]
    accepted_fields: list[Ref]
    notes: list[str]


@dataclass
class CredentialDetail:
    iri: str
    id: str
    type: str
    title: str | None
    titles: list[LangText]
    description: str | None
    providers: list[Ref]
    country: Ref | None
    country_code: str | None
    levels: list[LevelInFramework]
    learning_outcomes: list[LearningOutcome]
    skills: list[Ref]  # every skill its outcomes align to
    credit: Credit | None
    notional_hours: float | None
    field: Ref | None
    modes: list[str]  # "Online", "Onsite", "Blended"
    languages: list[str]
    assessments: list[Assessment]
    qa_type: str | None
    standalone: bool | None
    qa_decisions: list[QADecision]
    parts: list[Ref]  # mc:hasPart, or mc:isPartOf stated from the part's side
    part_of: list[Ref]
    stacking_rules: list[StackingRule]
    notes: list[str]
    sources: list[str]
    illustrative: bool


@dataclass
class OrganisationSummary:
    iri: str
    id: str
    name: str | None
    acronym: str | None  # the shortest alternative label
    alt_labels: list[str]
    kinds: list[str]  # class short names: "Provider", "QAAgency", ...
    country: str | None  # ISO code
    homepage: str | None
    description: str | None
    memberships: list[Ref]  # networks (mc:memberOf)
    sources: list[str]


@dataclass
class ConventionStatus:
    iri: str  # the convention
    id: str
    label: str | None  # short name ("Tokyo Convention"), else the title
    title: str | None
    participation: str  # IRI of the mc:ConventionParticipation
    party: bool | None  # a party on the date asked; None when no date is recorded to decide
    since: str | None  # the date `party` is decided by (see _party_since)
    instrument: str | None  # "ratification", "accession", "approval", "acceptance"
    deposit_date: str | None
    in_force_from: str | None  # the date in force for this party, when recorded
    party_by: str | None  # "2024", "2024-11" or a date, as the source gives it
    convention_in_force: str | None  # the convention's own entry into force
    sources: list[str]


@dataclass
class CountrySummary:
    iri: str
    id: str
    code: str | None
    name: str | None
    subregion: Ref | None
    frameworks: list[str]  # IRIs of the frameworks whose jurisdiction it is
    conventions: list[ConventionStatus]


# -- query building blocks -----------------------------------------------------------------------
def _query(head: str, anchor: str, branches: Iterable[str], tail: str = "") -> str:
    """SELECT head WHERE { anchor OPTIONAL { {b1} UNION {b2} ... } } tail.

    The OPTIONAL makes Oxigraph evaluate the branches once per anchor solution, with its bindings;
    a plain join with a UNION is evaluated on its own first, over the whole store.
    """
    union = " UNION ".join(f"{{ {b} }}" for b in branches)
    return f"{_PROLOGUE}SELECT {head} WHERE {{\n  {anchor}\n  OPTIONAL {{ {union} }}\n}} {tail}"


def _label(var: str) -> str:
    return f"OPTIONAL {{ ?{var} skos:prefLabel|rdfs:label|dct:title ?{var}Label }}"


_FRAMEWORK_ANCHOR = ("VALUES ?kind { mc:NationalQualificationsFramework mc:RegionalQualificationsFramework "
                     "mc:QualificationsFramework } ?fw a ?kind .")
_FRAMEWORK_BRANCHES = (
    "?fw skos:prefLabel ?label",
    "?fw skos:altLabel ?alt",
    "?fw mc:jurisdiction ?country OPTIONAL { ?country mc:iso3166Alpha2 ?code }",
    "?fw mc:levelCount ?count",
    "?fw dct:source ?src",
)
_LEVEL_COUNT = "SELECT ?fw (COUNT(DISTINCT ?lv) AS ?levels) WHERE { ?lv a mc:Level ; skos:inScheme ?fw } GROUP BY ?fw"
_FRAMEWORK_DETAIL = (
    "?fw dct:description|skos:definition ?description",
    "?fw rdfs:comment ?note",
    "?fw mc:confidence ?confidence",
    f"?fw mc:governingBody ?gov {_label('gov')}",
    f"?fw mc:creditSystem ?cs {_label('cs')}",
)
_FRAMEWORKS = _query("*", _FRAMEWORK_ANCHOR, (*_FRAMEWORK_BRANCHES, _LEVEL_COUNT))
_FRAMEWORK = _query("*", _FRAMEWORK_ANCHOR, (*_FRAMEWORK_BRANCHES, *_FRAMEWORK_DETAIL))

_LEVEL_ANCHOR = "?level a mc:Level ; skos:inScheme ?fw ."
_LEVEL_BRANCHES = (
    "?level skos:notation ?notation",
    "?level mc:rank ?rank",
    "?level skos:prefLabel ?label",
    "?level mc:typicalQualification ?typical",
)
_LEVEL_DETAIL = (
    "?fw skos:prefLabel|rdfs:label ?fwLabel",
    "?level dct:source ?src",
    f"?level mc:hasDescriptor ?desc . ?desc mc:descriptorText ?descText "
    f"OPTIONAL {{ ?desc mc:inDomain ?domain {_label('domain')} }}",
)
_LEVELS = _query("*", _LEVEL_ANCHOR, _LEVEL_BRANCHES)
_LEVEL = _query("*", _LEVEL_ANCHOR, (*_LEVEL_BRANCHES, *_LEVEL_DETAIL))

_OTHER_LEVEL = ("OPTIONAL { ?other skos:notation ?otherNotation } OPTIONAL { ?other skos:prefLabel ?otherLabel } "
                f"OPTIONAL {{ ?other skos:inScheme ?otherFw {_label('otherFw')} }}")
_CORRESPONDENCES = _query(
    "*",
    f"{{ ?corr mc:fromLevel ?level BIND(\"from\" AS ?direction) "
    f"OPTIONAL {{ ?corr mc:toLevel ?other {_OTHER_LEVEL} }} }} UNION "
    f"{{ ?corr mc:toLevel ?level ; mc:fromLevel ?other BIND(\"to\" AS ?direction) {_OTHER_LEVEL} }}",
    (
        "?corr mc:matchType ?match",
        "?corr mc:confidence ?confidence",
        "?corr rdfs:comment ?note",
        "?corr dct:source ?src",
        "?corr mc:establishedBy ?report OPTIONAL { ?report dct:title ?reportTitle } "
        "OPTIONAL { ?report dct:issued ?issued } OPTIONAL { ?report mc:referencingStatus ?status }",
        "?corr mc:establishedBy ?report . ?report dct:source ?reportSrc",
    ),
)

# Credentials: the summary branches serve both a page and one credential.
_KINDS = "mc:MicroCredential mc:Qualification mc:Credential"
_IS_CREDENTIAL = f"?c a ?cType FILTER(?cType IN ({_KINDS.replace(' ', ', ')}))"
_CREDENTIAL_BRANCHES = (
    "?c a ?type",
    "?c dct:title ?title",
    "?c mc:awardingBody ?provider OPTIONAL { ?provider skos:prefLabel ?providerLabel }",
    "?c mc:level ?level OPTIONAL { ?level skos:inScheme ?levelFw }",
    "?c mc:issuerCountry ?country OPTIONAL { ?country mc:iso3166Alpha2 ?countryCode }",
    "?c mc:field ?fieldIri OPTIONAL { ?fieldIri skos:prefLabel ?fieldIriLabel }",
    "?c mc:creditValue ?cv OPTIONAL { ?cv mc:creditAmount ?creditAmount } "
    "OPTIONAL { ?cv mc:creditSystem ?creditSystem }",
    "?c mc:illustrative ?illustrative",
)
_PATTERNS = {  # page filters that select credentials; each variable is bound by a substitution
    "qLevel": "?c mc:level ?qLevel .",
    "qFramework": "?qFwLevel skos:inScheme ?qFramework . ?c mc:level ?qFwLevel .",
    "qProvider": "?c mc:awardingBody ?qProvider .",
    "qCountry": "?c mc:issuerCountry ?qCountry .",
    "qField": "?c mc:field ?qField .",
    # one pass over the texts (filtered in their own group, before the OPTIONAL); an outcome's
    # text counts for the credentials that have the outcome
    "qText": "{ { { ?qx dct:title ?qt } UNION { ?qx dct:description ?qt } "
             "FILTER(CONTAINS(LCASE(STR(?qt)), LCASE(?qText))) } "
             "OPTIONAL { ?qOwner mc:learningOutcome ?qx } BIND(COALESCE(?qOwner, ?qx) AS ?c) }",
}
_CONDITIONS = {"qAfter": "STR(?c) > ?qAfter", "qUpper": "STR(?c) <= ?qUpper"}  # bounds on the IRI
_PROBE_SIZE, _PROBE_PER_ITEM = 10_000, 100  # a page's probe takes max(size, per item x fetch) IRIs
_CHUNK = 16  # IRIs per summary query: every row carries all the chunk's bound IRIs, so keep it small
_CREDENTIAL_DETAIL = (
    "?c dct:description ?description",
    "?c mc:level ?level . ?level skos:notation ?levelNotation",
    "?c mc:level ?level . ?level skos:prefLabel ?levelLabel",
    "?c mc:level ?level . ?level skos:inScheme ?levelFw . ?levelFw skos:prefLabel ?levelFwLabel",
    "?c mc:issuerCountry ?country . ?country skos:prefLabel ?countryLabel",
    "?c mc:creditValue ?cv . ?cv mc:creditSystem ?creditSystem . ?creditSystem skos:prefLabel ?creditSystemLabel",
    "?c mc:notionalHours ?hours",
    "?c mc:mode ?mode",
    "?c dct:language ?language",
    "?c mc:qaType ?qaType",
    "?c mc:standalone ?standalone",
    "?c rdfs:comment ?note",
    "?c dct:source ?src",
    "?c mc:assessment ?assessment OPTIONAL { ?assessment mc:assessmentType ?assessmentType } "
    "OPTIONAL { ?assessment dct:description ?assessmentText }",
)
_CREDENTIAL = _query("*", _IS_CREDENTIAL, (*_CREDENTIAL_BRANCHES, *_CREDENTIAL_DETAIL))
_STACKING_BRANCHES = (
    "?rule rdfs:comment ?ruleNote",
    "?rule mc:maxMicroCredentialCredits ?ruleMax",
    f"?rule mc:requiredCredits ?rc OPTIONAL {{ ?rc mc:creditAmount ?rcAmount }} "
    f"OPTIONAL {{ ?rc mc:creditSystem ?rcSystem {_label('rcSystem')} }}",
    "?rule mc:minimumLevel ?minLevel OPTIONAL { ?minLevel skos:notation ?minLevelNotation } "
    "OPTIONAL { ?minLevel skos:prefLabel ?minLevelLabel }",
    f"?rule mc:requiredComponent ?component {_label('component')}",
    "?rule mc:requiredOutcome ?reqOutcome OPTIONAL { ?reqOutcome dct:description ?reqOutcomeLabel }",
    f"?rule mc:acceptedField ?accField {_label('accField')}",
)
_CREDENTIAL_LINKS = _query("*", "", (
    "?c mc:learningOutcome ?outcome OPTIONAL { ?outcome dct:description ?outcomeText }",
    f"?c mc:learningOutcome ?outcome . ?outcome mc:alignedSkill ?skill {_label('skill')}",
    "?qa mc:qaSubject ?c OPTIONAL { ?qa mc:qaAgency ?agency OPTIONAL { ?agency skos:prefLabel ?agencyLabel } } "
    "OPTIONAL { ?qa mc:decision ?decision } OPTIONAL { ?qa mc:validFrom ?validFrom } "
    "OPTIONAL { ?qa mc:validUntil ?validUntil }",
    f"{{ ?c mc:hasPart ?part }} UNION {{ ?part mc:isPartOf ?c }} {_label('part')}",
    f"{{ ?c mc:isPartOf ?whole }} UNION {{ ?whole mc:hasPart ?c }} {_label('whole')}",
    *(f"?c mc:stackingRule ?rule . {branch}" for branch in ("", *_STACKING_BRANCHES)),
))

_ORG_CLASSES = " ".join(f"mc:{k}" for k in _ORGANISATION_KINDS)
_ORG_BRANCHES = (
    f"VALUES ?kind {{ {_ORG_CLASSES} }} ?org a ?kind",
    "?org skos:prefLabel ?name",
    "?org skos:altLabel ?alt",
    "?org mc:country ?country OPTIONAL { ?country mc:iso3166Alpha2 ?code }",
    "?org foaf:homepage|schema:url ?homepage",
    "?org dct:description ?description",
    f"?org mc:memberOf ?network {_label('network')}",
    "?org dct:source ?src",
)

_COUNTRIES = _query("*", "?country a mc:Country .", (
    "?country mc:iso3166Alpha2 ?code",
    "?country skos:prefLabel ?name",
    f"?country mc:subRegion ?sub {_label('sub')}",
    "?fw mc:jurisdiction ?country",
    "?part mc:party ?country ; mc:convention ?conv OPTIONAL { ?conv skos:altLabel ?convLabel } "
    "OPTIONAL { ?conv dct:title ?convTitle } OPTIONAL { ?conv mc:entryIntoForce ?convInForce } "
    "OPTIONAL { ?part mc:instrument ?instrument } OPTIONAL { ?part mc:depositDate ?deposit } "
    "OPTIONAL { ?part mc:inForceFrom ?inForce } OPTIONAL { ?part mc:partyBy ?partyBy }",
    "?part mc:party ?country ; dct:source ?partSrc",
))

_DESCRIBE = _PROLOGUE + """CONSTRUCT { ?node ?p ?o . ?o ?bp ?bo . ?o ?lp ?label } WHERE {
  ?node ?p ?o .
  OPTIONAL { ?o ?bp ?bo FILTER(isBlank(?o)) }
  OPTIONAL { VALUES ?lp { rdfs:label skos:prefLabel dct:title } ?o ?lp ?label FILTER(isIRI(?o)) }
}"""


# -- reading rows ---------------------------------------------------------------------------------
def _node(iri: str) -> ox.NamedNode:
    return ox.NamedNode(expand_iri(iri))


def _vals(rows: Iterable[Row], var: str) -> list[Term]:
    """Distinct bound values of a variable, in first-seen order."""
    seen: dict[Term, None] = {}
    for row in rows:
        if row.get(var) is not None:
            seen.setdefault(row[var], None)
    return list(seen)


def _strs(rows: Iterable[Row], var: str) -> list[str]:
    return sorted({t.value for t in _vals(rows, var)})


def _pick(terms: Iterable[Term]) -> str | None:
    """English first, then untagged, then any language; ties broken by text."""
    def rank(term: Term) -> tuple[int, str]:
        lang = (getattr(term, "language", None) or "").lower()
        return (0 if lang == "en" or lang.startswith("en-") else 1 if not lang else 2), term.value
    ordered = sorted(terms, key=rank)
    return ordered[0].value if ordered else None


def _text(rows: Iterable[Row], var: str) -> str | None:
    return _pick(_vals(rows, var))


def _float(term: Term | None) -> float | None:
    try:
        return float(term.value) if term is not None else None
    except ValueError:
        return None


def _bool(term: Term | None) -> bool | None:
    return None if term is None else term.value.strip().lower() in ("true", "1")


def _first(rows: Iterable[Row], var: str) -> Term | None:
    values = sorted(_vals(rows, var), key=lambda t: t.value)
    return values[0] if values else None


def _group(rows: Iterable[Row], var: str) -> dict[str, list[Row]]:
    """Rows by the IRI (or blank node id) bound to var; rows without it are left out."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        if row.get(var) is not None:
            groups.setdefault(row[var].value, []).append(row)
    return groups


def _ref(iri: str, rows: Iterable[Row], label_var: str) -> Ref:
    return Ref(iri, curie(iri), _text(rows, label_var))


def _refs(rows: Iterable[Row], var: str, label_var: str | None = None) -> list[Ref]:
    groups = _group(rows, var)
    return [_ref(iri, group, label_var or var + "Label") for iri, group in sorted(groups.items())]


def _one_ref(rows: Iterable[Row], var: str, label_var: str | None = None) -> Ref | None:
    refs = _refs(rows, var, label_var)
    return refs[0] if refs else None


def _local(iri: str) -> str:
    return iri[len(MC):] if iri.startswith(MC) else iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _camel(iri: str) -> str:
    name = _local(iri)
    return name[:1].lower() + name[1:]


def _level_ref(iri: str, rows: list[Row], notation: str, label: str) -> LevelRef:
    return LevelRef(iri, curie(iri), _text(rows, notation), _text(rows, label))


# -- frameworks and levels -------------------------------------------------------------------------
def frameworks(reader: Reader) -> list[FrameworkSummary]:
    """Every qualifications framework, by IRI."""
    rows = reader.select(_FRAMEWORKS)
    return [_framework_summary(iri, group) for iri, group in sorted(_group(rows, "fw").items())]


def framework(reader: Reader, iri: str) -> FrameworkDetail:
    """One framework with its levels in rank order; UnknownResource if the IRI is not a framework."""
    node = _node(iri)
    rows = reader.select(_FRAMEWORK, {"fw": node})
    if not rows:
        raise UnknownResource(f"no framework {node.value}")
    levels = _levels(reader.select(_LEVELS, {"fw": node}))
    summary = _framework_summary(node.value, rows, len(levels))
    return FrameworkDetail(
        **vars(summary), description=_text(rows, "description"), notes=_strs(rows, "note"),
        confidence=_text(rows, "confidence"), governing_bodies=_refs(rows, "gov"),
        credit_systems=_refs(rows, "cs"), levels=levels)


def _framework_summary(iri: str, rows: list[Row], levels: int | None = None) -> FrameworkSummary:
    kinds = [_FRAMEWORK_KINDS.get(_local(t.value), "framework") for t in _vals(rows, "kind")]
    count = _first(rows, "count")
    in_graph = levels if levels is not None else int(_float(_first(rows, "levels")) or 0)
    return FrameworkSummary(
        iri=iri, id=curie(iri), label=_text(rows, "label"), alt_labels=_strs(rows, "alt"),
        kind=min(kinds, key=lambda k: k == "framework"), countries=_country_codes(rows),
        level_count=int(count.value) if count is not None else None, levels_in_graph=in_graph,
        sources=_strs(rows, "src"))


def _country_codes(rows: list[Row]) -> list[str]:
    """ISO codes of the ?country values (the CURIE when a country has no code)."""
    return sorted(_text(group, "code") or curie(iri) for iri, group in _group(rows, "country").items())


def _levels(rows: list[Row]) -> list[LevelSummary]:
    levels = [_level_summary(iri, group) for iri, group in _group(rows, "level").items()]
    return sorted(levels, key=lambda lv: (lv.rank is None, lv.rank or 0.0, lv.notation or "", lv.iri))


def _level_summary(iri: str, rows: list[Row]) -> LevelSummary:
    return LevelSummary(iri, curie(iri), _text(rows, "notation"), _text(rows, "label"),
                        _float(_first(rows, "rank")), _strs(rows, "typical"))


def level(reader: Reader, iri: str) -> LevelDetail:
    """One level, its framework, descriptors and every correspondence it takes part in."""
    node = _node(iri)
    rows = reader.select(_LEVEL, {"level": node})
    if not rows:
        raise UnknownResource(f"no level {node.value}")
    descriptors = [Descriptor(_one_ref(group, "domain"), _text(group, "descText") or "")
                   for _, group in sorted(_group(rows, "desc").items())]
    return LevelDetail(
        **vars(_level_summary(node.value, rows)), framework=_one_ref(rows, "fw", "fwLabel"),
        descriptors=descriptors, sources=_strs(rows, "src"),
        correspondences=_correspondences(reader.select(_CORRESPONDENCES, {"level": node})))


def _correspondences(rows: list[Row]) -> list[Correspondence]:
    keyed: dict[tuple[str, str, str], list[Row]] = {}
    for row in rows:
        other = row["other"].value if row.get("other") is not None else ""
        keyed.setdefault((row["corr"].value, row["direction"].value, other), []).append(row)
    items = [_correspondence(key, group) for key, group in keyed.items()]
    return sorted(items, key=lambda c: (c.direction, c.other_framework.iri if c.other_framework else "",
                                        c.other_level.iri if c.other_level else "", c.iri))


def _correspondence(key: tuple[str, str, str], rows: list[Row]) -> Correspondence:
    iri, direction, other = key
    match, report, status = (_first(rows, var) for var in ("match", "report", "status"))
    return Correspondence(
        iri=iri, id=curie(iri), direction=direction, match_type=_camel(match.value) if match else None,
        other_level=_level_ref(other, rows, "otherNotation", "otherLabel") if other else None,
        other_framework=_one_ref(rows, "otherFw"),
        report=ReportRef(report.value, curie(report.value), _text(rows, "reportTitle"), _text(rows, "issued"),
                         _local(status.value) if status else None,
                         _strs(rows, "reportSrc")) if report else None,
        confidence=_text(rows, "confidence"), notes=_strs(rows, "note"), sources=_strs(rows, "src"))


# -- credentials ------------------------------------------------------------------------------------
def credentials(reader: Reader, *, text: str | None = None, framework: str | None = None, level: str | None = None,
                provider: str | None = None, country: str | None = None, field: str | None = None,
                after: str | None = None, limit: int = 50) -> CredentialPage:
    """A page of credentials in IRI order; filters combine (IRIs or CURIEs; `text` is a substring)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise UsageError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    bound: dict[str, ox.NamedNode | ox.Literal] = {
        var: _node(value) for var, value in (("qFramework", framework), ("qLevel", level), ("qProvider", provider),
                                             ("qCountry", country), ("qField", field)) if value is not None}
    if text:
        bound["qText"] = ox.Literal(text)
    if after is not None:
        bound["qAfter"] = ox.Literal(decode_cursor(after))
    iris = _page_iris(reader, bound, limit + 1)
    items = _summaries(reader, iris)
    more = len(items) > limit
    return CredentialPage(items[:limit], encode_cursor(items[limit - 1].iri) if more else None)


def _page_iris(reader: Reader, bound: dict[str, ox.NamedNode | ox.Literal], fetch: int) -> list[str]:
    """The first `fetch` matching IRIs in order.

    Oxigraph sorts with a costly comparison, so a probe first takes up to `size` matches in index
    order, unsorted. If that is all of them, the page is read off the probe. Otherwise the
    fetch-th smallest probed IRI bounds the page from above (at least `fetch` matches lie at or
    below it) and only the matches in that range are sorted.
    """
    size = max(_PROBE_SIZE, _PROBE_PER_ITEM * fetch)
    probe = sorted({row["c"].value for row in reader.select(_matches(sorted(bound), f"LIMIT {size}"), bound)})
    if len(probe) < size:
        return probe[:fetch]
    ranged = {**bound, "qUpper": ox.Literal(probe[fetch - 1])}
    return [row["c"].value for row in reader.select(_matches(sorted(ranged), f"ORDER BY ?c LIMIT {fetch}"), ranged)]


def _matches(filters: list[str], tail: str) -> str:
    """SELECT DISTINCT ?c (and the filter variables) of the credentials passing the named filters.

    After a selective filter the type is tested per match (EXISTS): a join would make Oxigraph
    hash-join the matches with every credential of each type.
    """
    patterns = " ".join(_PATTERNS[name] for name in filters if name in _PATTERNS)
    kind = f"FILTER EXISTS {{ {_IS_CREDENTIAL} }}" if patterns else f"VALUES ?cType {{ {_KINDS} }} ?c a ?cType ."
    tests = " && ".join(_CONDITIONS[name] for name in _CONDITIONS if name in filters)
    where = f"{patterns} {kind} {f'FILTER({tests})' if tests else ''}"
    return f"{_PROLOGUE}SELECT DISTINCT ?c {' '.join('?' + name for name in filters)} WHERE {{ {where} }} {tail}"


def _summaries(reader: Reader, iris: list[str]) -> list[CredentialSummary]:
    """Summaries of the given credentials in IRI order, _CHUNK IRIs per query, each IRI a substitution."""
    rows: list[Row] = []
    for start in range(0, len(iris), _CHUNK):
        chunk = {f"i{k}": ox.NamedNode(iri) for k, iri in enumerate(iris[start:start + _CHUNK])}
        anchor = " UNION ".join(f"{{ ?{name} a ?cType FILTER(?cType IN ({_KINDS.replace(' ', ', ')})) "
                                f"BIND(?{name} AS ?c) }}" for name in chunk)
        rows += reader.select(_query("*", anchor, _CREDENTIAL_BRANCHES), chunk)
    return [_credential_summary(iri, group) for iri, group in sorted(_group(rows, "c").items())]


def encode_cursor(iri: str) -> str:
    """The opaque cursor after a credential: its IRI in URL-safe base64, without padding."""
    return base64.urlsafe_b64encode(iri.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The IRI in a cursor; UsageError for anything encode_cursor cannot have made."""
    try:
        iri = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise UsageError(f"invalid cursor {cursor!r}") from None
    if not _IRI_SHAPE.match(iri):
        raise UsageError(f"invalid cursor {cursor!r}")
    return iri


def _credential_type(rows: list[Row]) -> str:
    kinds = [_CREDENTIAL_KINDS[_local(t.value)] for t in _vals(rows, "type")
             if t.value.startswith(MC) and _local(t.value) in _CREDENTIAL_KINDS]
    return min(kinds, key=lambda k: k == "credential", default="credential")


def _credential_summary(iri: str, rows: list[Row]) -> CredentialSummary:
    amount, system = _first(rows, "creditAmount"), _first(rows, "creditSystem")
    return CredentialSummary(
        iri=iri, id=curie(iri), title=_text(rows, "title"), type=_credential_type(rows),
        providers=_refs(rows, "provider"), levels=_strs(rows, "level"), frameworks=_strs(rows, "levelFw"),
        country=_text(rows, "countryCode"), field=_one_ref(rows, "fieldIri"), credit_value=_float(amount),
        credit_system=system.value if system is not None else None,
        illustrative=bool(_bool(_first(rows, "illustrative"))))


def credential(reader: Reader, iri: str) -> CredentialDetail:
    """Everything a credential page shows; UnknownResource if the IRI is not a credential."""
    node = _node(iri)
    rows = reader.select(_CREDENTIAL, {"c": node})
    if not rows:
        raise UnknownResource(f"no credential {node.value}")
    links = reader.select(_CREDENTIAL_LINKS, {"c": node})
    summary = _credential_summary(node.value, rows)
    return CredentialDetail(
        iri=summary.iri, id=summary.id, type=summary.type, title=summary.title,
        titles=[LangText(t.value, getattr(t, "language", None)) for t in _vals(rows, "title")],
        description=_text(rows, "description"), providers=summary.providers,
        country=_one_ref(rows, "country"), country_code=summary.country, levels=_credential_levels(rows),
        learning_outcomes=_outcomes(links), skills=_refs(links, "skill"), credit=_credit(rows),
        notional_hours=_float(_first(rows, "hours")), field=summary.field,
        modes=[_local(m) for m in _strs(rows, "mode")], languages=_strs(rows, "language"),
        assessments=_assessments(rows), qa_type=_text(rows, "qaType"),
        standalone=_bool(_first(rows, "standalone")), qa_decisions=_qa_decisions(links),
        parts=_refs(links, "part"), part_of=_refs(links, "whole"), stacking_rules=_stacking_rules(links),
        notes=_strs(rows, "note"), sources=_strs(rows, "src"), illustrative=summary.illustrative)


def _credential_levels(rows: list[Row]) -> list[LevelInFramework]:
    def one(iri: str, group: list[Row]) -> LevelInFramework:
        ref = _level_ref(iri, group, "levelNotation", "levelLabel")
        return LevelInFramework(ref.iri, ref.id, ref.notation, ref.label, _one_ref(group, "levelFw"))
    return [one(iri, group) for iri, group in sorted(_group(rows, "level").items())]


def _credit(rows: list[Row]) -> Credit | None:
    if not _vals(rows, "cv"):
        return None
    return Credit(_float(_first(rows, "creditAmount")), _one_ref(rows, "creditSystem"))


def _assessments(rows: list[Row]) -> list[Assessment]:
    groups = _group(rows, "assessment").values()
    found = [Assessment(_text(g, "assessmentType"), _text(g, "assessmentText")) for g in groups]
    return sorted(found, key=lambda a: (a.type or "", a.description or ""))


def _outcomes(rows: list[Row]) -> list[LearningOutcome]:
    return [LearningOutcome(iri, curie(iri), _text(group, "outcomeText"), _refs(group, "skill"))
            for iri, group in sorted(_group(rows, "outcome").items())]


def _qa_decisions(rows: list[Row]) -> list[QADecision]:
    found = [QADecision(iri, curie(iri), _one_ref(group, "agency"), _text(group, "decision"),
                        _text(group, "validFrom"), _text(group, "validUntil"))
             for iri, group in _group(rows, "qa").items()]
    return sorted(found, key=lambda d: (d.valid_from or "", d.iri))


def _stacking_rules(rows: list[Row]) -> list[StackingRule]:
    return [_stacking_rule(iri, group) for iri, group in sorted(_group(rows, "rule").items())]


def _stacking_rule(iri: str, rows: list[Row]) -> StackingRule:
    minimum = _first(rows, "minLevel")
    required = Credit(_float(_first(rows, "rcAmount")), _one_ref(rows, "rcSystem")) if _vals(rows, "rc") else None
    return StackingRule(
        iri=iri, id=curie(iri), required_credits=required,
        max_micro_credential_credits=_float(_first(rows, "ruleMax")),
        minimum_level=_level_ref(minimum.value, rows, "minLevelNotation", "minLevelLabel") if minimum else None,
        required_components=_refs(rows, "component"), required_outcomes=_refs(rows, "reqOutcome"),
        accepted_fields=_refs(rows, "accField"), notes=_strs(rows, "ruleNote"))


# -- organisations and countries ----------------------------------------------------------------------
def organisations(reader: Reader, kind: str | None = None) -> list[OrganisationSummary]:
    """Organisations by IRI; `kind` keeps one class ("QAAgency", "mc:Provider", ...; "Organisation" = all)."""
    name = _organisation_kind(kind) if kind is not None else "Organisation"
    subs = {} if name == "Organisation" else {"qKind": ox.NamedNode(MC + name)}
    restrict = "?org a ?qKind ." if subs else ""
    anchor = (f"{{ SELECT DISTINCT ?org ?qKind WHERE {{ VALUES ?anyKind {{ {_ORG_CLASSES} }} "
              f"?org a ?anyKind . {restrict} }} }}")
    rows = reader.select(_query("*", anchor, _ORG_BRANCHES), subs)
    return [_organisation(iri, group) for iri, group in sorted(_group(rows, "org").items())]


def _organisation_kind(kind: str) -> str:
    """The class short name of a kind given as "QAAgency", "mc:QAAgency", the full IRI, or "NIC"."""
    iri = expand_iri(kind) if ":" in kind else MC + ("NationalInformationCentre" if kind == "NIC" else kind)
    name = iri[len(MC):] if iri.startswith(MC) else ""
    if name not in _ORGANISATION_KINDS:
        raise UsageError(f"unknown organisation kind {kind!r}; expected one of {', '.join(_ORGANISATION_KINDS)}")
    return name


def _organisation(iri: str, rows: list[Row]) -> OrganisationSummary:
    alts = _strs(rows, "alt")
    kinds = sorted({_local(t.value) for t in _vals(rows, "kind")} - {"Organisation"}) or ["Organisation"]
    return OrganisationSummary(
        iri=iri, id=curie(iri), name=_text(rows, "name"), acronym=min(alts, key=lambda a: (len(a), a), default=None),
        alt_labels=alts, kinds=kinds, country=(_country_codes(rows) or [None])[0], homepage=_text(rows, "homepage"),
        description=_text(rows, "description"), memberships=_refs(rows, "network"), sources=_strs(rows, "src"))


def countries(reader: Reader, at: date | None = None) -> list[CountrySummary]:
    """Countries by ISO code, with their frameworks and whether each convention binds them on `at` (today)."""
    day = at or date.today()
    rows = reader.select(_COUNTRIES)
    found = [_country(iri, group, day) for iri, group in _group(rows, "country").items()]
    return sorted(found, key=lambda c: (c.code or "", c.iri))


def _country(iri: str, rows: list[Row], day: date) -> CountrySummary:
    conventions = [_convention_status(part, group, day) for part, group in _group(rows, "part").items()
                   if _vals(group, "conv")]
    return CountrySummary(
        iri=iri, id=curie(iri), code=_text(rows, "code"), name=_text(rows, "name"), subregion=_one_ref(rows, "sub"),
        frameworks=_strs(rows, "fw"), conventions=sorted(conventions, key=lambda c: c.iri))


def _convention_status(participation: str, rows: list[Row], day: date) -> ConventionStatus:
    conv = _vals(rows, "conv")[0].value
    dates = {var: _text(rows, var) for var in ("deposit", "inForce", "partyBy", "convInForce")}
    since = _party_since(dates["inForce"], dates["partyBy"], dates["deposit"], dates["convInForce"])
    title = _text(rows, "convTitle")
    return ConventionStatus(
        iri=conv, id=curie(conv),
        label=_text(rows, "convLabel") or title, title=title, participation=participation,
        party=None if since is None else since <= day, since=since.isoformat() if since else None,
        instrument=_text(rows, "instrument"), deposit_date=dates["deposit"], in_force_from=dates["inForce"],
        party_by=dates["partyBy"], convention_in_force=dates["convInForce"], sources=_strs(rows, "partSrc"))


def _party_since(in_force: str | None, party_by: str | None, deposit: str | None,
                 convention_in_force: str | None) -> date | None:
    """The date from which a participation counts, as in queries/convention-parties.rq.

    The recorded in-force date; else the party-by date (the end of its year or month when only
    that is given: party by then for certain); else the later of the deposit date and the
    convention's own entry into force.
    """
    if in_force:
        return _parse_date(in_force)
    if party_by:
        return _parse_date(party_by, end=True)
    deposited, convention = _parse_date(deposit), _parse_date(convention_in_force)
    if deposited and convention:
        return max(deposited, convention)
    return deposited


def _parse_date(lexical: str | None, end: bool = False) -> date | None:
    """An xsd:date, gYearMonth or gYear lexical form as a date: its first day, or its last with end=True."""
    match = _DATE.match(lexical or "")
    if not match:
        return None
    try:
        year = int(match[1])
        month = int(match[2]) if match[2] else (12 if end else 1)
        day = int(match[3]) if match[3] else (calendar.monthrange(year, month)[1] if end else 1)
        return date(year, month, day)
    except ValueError:
        return None


# -- raw triples ------------------------------------------------------------------------------------
def describe(reader: Reader, iri: str) -> list[ox.Triple]:
    """The IRI's triples, the triples of blank nodes it points to, and labels of the IRIs it points to.

    Labels are rdfs:label, skos:prefLabel and dct:title (the label of credentials, reports and
    conventions). Empty when the IRI is the subject of nothing.
    """
    triples = reader.construct(_DESCRIBE, {"node": _node(iri)})
    return list(dict.fromkeys(triples))
