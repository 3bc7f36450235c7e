"""Bundled records: countries, conventions, organisations and credentials.

Checks that the files parse, that every record is sourced or marked illustrative, that names and
dates match the researched facts, and that every IRI the records point to is described somewhere
in data/.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"

MC = Namespace("https://w3id.org/mcgraph/ns#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
ID = "https://w3id.org/mcgraph/id/"

RECORD_FILES = sorted(
    [DATA / "countries.ttl", DATA / "conventions.ttl"]
    + [DATA / "organisations" / f"{name}.ttl" for name in ("qa-agencies", "nics", "networks", "providers")]
    + list((DATA / "credentials").glob("*.ttl"))
)

# Properties whose object must be described (be a subject) somewhere in data/.
REFERENCE_PROPERTIES = [
    MC.party, MC.convention, MC.nic, MC.awardingBody, MC.level, MC.creditSystem, MC.country,
    MC.issuerCountry, MC.memberOf, MC.qaAgency, MC.qaSubject, MC.minimumLevel, MC.requiredComponent,
    MC.requiredOutcome, MC.acceptedField, MC.field, MC.learningOutcome, MC.alignedSkill, MC.hasPart,
    MC.isPartOf, MC.stackingRule,
]

TODAY = dt.date(2026, 6, 1)  # a fixed "now" inside 2026, so the test does not age


def _parse(path: Path) -> Graph:
    graph = Graph()
    graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="module")
def records() -> Graph:
    graph = Graph()
    for path in RECORD_FILES:
        graph += _parse(path)
    return graph


@pytest.fixture(scope="module")
def all_data() -> Graph:
    graph = Graph()
    for path in sorted(DATA.rglob("*.ttl")):
        graph += _parse(path)
    return graph


def iri(kind_slug: str) -> URIRef:
    return URIRef(ID + kind_slug)


def labels(graph: Graph, node: URIRef, prop=SKOS.prefLabel) -> set[str]:
    return {str(o) for o in graph.objects(node, prop)}


def is_illustrative(graph: Graph, node) -> bool:
    return (node, MC.illustrative, Literal(True)) in graph


# ---------------------------------------------------------------------------------------------
# Files and provenance
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", RECORD_FILES, ids=lambda p: str(p.relative_to(DATA)))
def test_file_parses_and_is_not_empty(path: Path):
    assert len(_parse(path)) > 0


def test_the_expected_files_exist():
    names = {str(p.relative_to(DATA)) for p in RECORD_FILES}
    for expected in ("countries.ttl", "conventions.ttl", "organisations/qa-agencies.ttl",
                     "organisations/nics.ttl", "organisations/networks.ttl", "organisations/providers.ttl",
                     "credentials/isced-fields.ttl", "credentials/nz-micro-credentials.ttl",
                     "credentials/malaysia.ttl", "credentials/indonesia-ice-institute.ttl"):
        assert expected in names


@pytest.mark.parametrize("path", RECORD_FILES, ids=lambda p: str(p.relative_to(DATA)))
def test_every_record_is_sourced_or_illustrative(path: Path):
    """Every named subject cites a source or says it is made up.

    ISCED-F concepts are real but the project's facts give no URL for the classification: they
    state their source in rdfs:comment instead. Blank nodes (credit values, assessments) belong
    to the record that holds them.
    """
    graph = _parse(path)
    missing = []
    for subject in set(graph.subjects()):
        if isinstance(subject, BNode):
            continue
        if (subject, DCTERMS.source, None) in graph or is_illustrative(graph, subject):
            continue
        if subject.startswith(ID + "isced/") and (subject, RDFS.comment, None) in graph:
            continue
        missing.append(str(subject))
    assert not missing, f"records with neither dct:source nor mc:illustrative true: {sorted(missing)}"


def test_sources_are_iris(records: Graph):
    bad = [(s, o) for s, o in records.subject_objects(DCTERMS.source) if not isinstance(o, URIRef)]
    assert not bad


def test_illustrative_records_say_so_in_their_names(records: Graph):
    """Made-up organisations and credentials are named so nobody takes them for real ones."""
    for node in records.subjects(MC.illustrative, Literal(True)):
        if (node, RDF.type, MC.Provider) in records:
            assert any("illustrative" in name for name in labels(records, node)), node
        if any((node, RDF.type, cls) in records for cls in (MC.MicroCredential, MC.Qualification)):
            assert any("illustrative" in title for title in labels(records, node, DCTERMS.title)), node


# ---------------------------------------------------------------------------------------------
# Countries
# ---------------------------------------------------------------------------------------------

JURISDICTIONS = ("AU NZ MY PH ID VN TH KH LA MM BN SG HK KR JP CN MN IN LK BD PK NP BT MV FJ WS TO PG KZ UZ KG "
                 "IE").split()

UNESCO_NAMES = {
    "KR": "Republic of Korea",
    "VN": "Viet Nam",
    "HK": "Hong Kong SAR, China",
    "LA": "Lao PDR",
    "IR": "Iran (Islamic Republic of)",
    "FM": "Micronesia (Federated States of)",
    "VA": "Holy See",
    "TR": "Türkiye",
    "RU": "Russian Federation",
    "BN": "Brunei Darussalam",
}

SUB_REGIONS = {
    "KZ": MC.CentralAsia, "UZ": MC.CentralAsia, "KG": MC.CentralAsia,
    "CN": MC.EastAsia, "JP": MC.EastAsia, "KR": MC.EastAsia, "MN": MC.EastAsia, "HK": MC.EastAsia,
    "IN": MC.SouthAsia, "LK": MC.SouthAsia, "BD": MC.SouthAsia, "PK": MC.SouthAsia, "NP": MC.SouthAsia,
    "BT": MC.SouthAsia, "MV": MC.SouthAsia, "AF": MC.SouthAsia,
    "MY": MC.SoutheastAsia, "PH": MC.SoutheastAsia, "ID": MC.SoutheastAsia, "VN": MC.SoutheastAsia,
    "TH": MC.SoutheastAsia, "KH": MC.SoutheastAsia, "LA": MC.SoutheastAsia, "MM": MC.SoutheastAsia,
    "BN": MC.SoutheastAsia, "SG": MC.SoutheastAsia,
    "AU": MC.Pacific, "NZ": MC.Pacific, "FJ": MC.Pacific, "WS": MC.Pacific, "TO": MC.Pacific,
    "PG": MC.Pacific,
    "IE": MC.Europe, "VA": MC.Europe, "TR": MC.Europe, "RU": MC.Europe, "AM": MC.Europe,
}


def test_every_jurisdiction_is_a_country(records: Graph):
    for code in JURISDICTIONS:
        assert (iri(f"country/{code}"), RDF.type, MC.Country) in records, code


def test_countries_are_well_formed(records: Graph):
    countries = list(records.subjects(RDF.type, MC.Country))
    assert len(countries) >= 50
    for country in countries:
        code = str(country).rsplit("/", 1)[1]
        assert [str(c) for c in records.objects(country, MC.iso3166Alpha2)] == [code]
        assert len(labels(records, country)) == 1, country
        assert len(list(records.objects(country, MC.subRegion))) == 1, country
        assert (country, DCTERMS.source, None) in records, country


@pytest.mark.parametrize("code,name", sorted(UNESCO_NAMES.items()))
def test_unesco_names(records: Graph, code: str, name: str):
    assert labels(records, iri(f"country/{code}")) == {name}


def test_lao_pdr_keeps_its_full_name_as_alt_label(records: Graph):
    assert "Lao People's Democratic Republic" in labels(records, iri("country/LA"), SKOS.altLabel)


def test_no_country_is_named_by_a_non_unesco_variant(records: Graph):
    names = {str(o) for o in records.objects(None, SKOS.prefLabel)}
    for wrong in ("South Korea", "Korea, Republic of", "Vietnam", "Laos", "Hong Kong", "Iran", "Turkey",
                  "Russia"):
        assert wrong not in names


@pytest.mark.parametrize("code,region", sorted(SUB_REGIONS.items()))
def test_sub_regions(records: Graph, code: str, region: URIRef):
    assert (iri(f"country/{code}"), MC.subRegion, region) in records


# ---------------------------------------------------------------------------------------------
# Conventions and participations
# ---------------------------------------------------------------------------------------------

def date_of(graph: Graph, node, prop) -> Literal | None:
    values = list(graph.objects(node, prop))
    assert len(values) <= 1, (node, prop, values)
    return values[0] if values else None


def test_three_conventions(records: Graph):
    for slug in ("bangkok-1983", "tokyo-2011", "global-2019"):
        node = iri(f"convention/{slug}")
        assert (node, RDF.type, MC.Convention) in records
        assert (node, DCTERMS.title, None) in records
        assert (node, DCTERMS.source, None) in records


@pytest.mark.parametrize("slug,adopted,in_force", [
    ("tokyo-2011", "2011-11-26", "2018-02-01"),
    ("global-2019", "2019-11-25", "2023-03-05"),
])
def test_convention_dates(records: Graph, slug: str, adopted: str, in_force: str):
    node = iri(f"convention/{slug}")
    assert date_of(records, node, MC.adopted) == Literal(adopted, datatype=XSD.date)
    assert date_of(records, node, MC.entryIntoForce) == Literal(in_force, datatype=XSD.date)


def test_bangkok_convention_dates(records: Graph):
    node = iri("convention/bangkok-1983")
    assert date_of(records, node, MC.adopted) == Literal("1983", datatype=XSD.gYear)
    assert date_of(records, node, MC.entryIntoForce) == Literal("1985-10-23", datatype=XSD.date)


# (convention, party, instrument, deposit date, NICs)
DATED_PARTIES = [
    ("tokyo-2011", "AU", "ratification", "2014-07-17", {"doe-au"}),
    ("tokyo-2011", "CN", "approval", "2014-07-17", {"cdgdc", "cscse", "cssd"}),
    ("tokyo-2011", "NZ", "accession", "2017-08-01", {"nzqa"}),
    ("tokyo-2011", "JP", "accession", "2017-12-06", {"nic-japan"}),
    ("tokyo-2011", "KR", "ratification", "2017-12-19", {"karic"}),
    ("tokyo-2011", "VA", "ratification", "2018-07-18", set()),
    ("global-2019", "AU", "ratification", "2022-12-21", set()),
    ("bangkok-1983", "MN", "accession", "1991-10-19", set()),
]


@pytest.mark.parametrize("conv,code,instrument,deposit,nics", DATED_PARTIES,
                         ids=[f"{c}-{p}" for c, p, *_ in DATED_PARTIES])
def test_dated_participations(records: Graph, conv, code, instrument, deposit, nics):
    node = iri(f"participation/{conv}-{code}")
    assert (node, RDF.type, MC.ConventionParticipation) in records
    assert [str(o) for o in records.objects(node, MC.instrument)] == [instrument]
    assert date_of(records, node, MC.depositDate) == Literal(deposit, datatype=XSD.date)
    assert {str(o).rsplit("/", 1)[1] for o in records.objects(node, MC.nic)} == nics


def test_tokyo_parties(records: Graph):
    parties = {str(records.value(n, MC.party)).rsplit("/", 1)[1]
               for n in records.subjects(MC.convention, iri("convention/tokyo-2011"))}
    assert parties == {"AU", "CN", "NZ", "JP", "KR", "VA", "MN", "TR", "FJ", "RU", "AF", "AM"}


@pytest.mark.parametrize("code,party_by", [("TR", "2019-09-01"), ("FJ", "2023-06-01"), ("RU", "2023-06-01"),
                                           ("AF", "2023-06-01"), ("AM", "2023-06-01")])
def test_tokyo_parties_known_only_by_a_date(records: Graph, code: str, party_by: str):
    node = iri(f"participation/tokyo-2011-{code}")
    assert date_of(records, node, MC.partyBy) == Literal(party_by, datatype=XSD.date)
    assert date_of(records, node, MC.depositDate) is None
    assert (node, MC.instrument, None) not in records


def test_mongolia_tokyo_in_force_and_nic(records: Graph):
    node = iri("participation/tokyo-2011-MN")
    assert date_of(records, node, MC.inForceFrom) == Literal("2019-05-01", datatype=XSD.date)
    assert (node, MC.nic, iri("org/mncea")) in records


def test_korea_bangkok_conflict_is_recorded_without_a_date(records: Graph):
    node = iri("participation/bangkok-1983-KR")
    assert (node, MC.party, iri("country/KR")) in records
    for prop in (MC.depositDate, MC.inForceFrom, MC.partyBy, MC.instrument):
        assert (node, prop, None) not in records, prop
    comment = " ".join(str(c) for c in records.objects(node, RDFS.comment))
    assert "conflict" in comment and "1989" in comment and "1990" in comment


def test_global_convention_asia_pacific_parties(records: Graph):
    conv = iri("convention/global-2019")
    parties = {str(records.value(n, MC.party)).rsplit("/", 1)[1] for n in records.subjects(MC.convention, conv)}
    assert {"JP", "AU", "MN", "NZ", "KR", "AM", "VA"} <= parties
    assert len(parties) >= 20
    kr = iri("participation/global-2019-KR")
    assert date_of(records, kr, MC.inForceFrom) == Literal("2025-07-14", datatype=XSD.date)
    jp = iri("participation/global-2019-JP")
    assert [str(o) for o in records.objects(jp, MC.instrument)] == ["acceptance"]


def test_participation_iris_match_their_convention_and_party(records: Graph):
    for node in records.subjects(RDF.type, MC.ConventionParticipation):
        conv = str(records.value(node, MC.convention)).rsplit("/", 1)[1]
        party = str(records.value(node, MC.party)).rsplit("/", 1)[1]
        assert str(node) == ID + f"participation/{conv}-{party}"
        assert (node, DCTERMS.source, None) in records
        assert (node, MC.confidence, None) in records


def test_participation_dates_are_typed(records: Graph):
    """Deposit and in-force dates are full dates; a party-by date may be a month or a year."""
    for prop in (MC.depositDate, MC.inForceFrom):
        for value in records.objects(None, prop):
            assert isinstance(value, Literal) and value.datatype == XSD.date, (prop, value)
    for value in records.objects(None, MC.partyBy):
        assert isinstance(value, Literal) and value.datatype in (XSD.date, XSD.gYearMonth, XSD.gYear), value


def test_deposit_never_after_entry_into_force(records: Graph):
    for node in records.subjects(MC.depositDate, None):
        deposit = records.value(node, MC.depositDate).toPython()
        in_force = records.value(node, MC.inForceFrom)
        if in_force is not None:
            assert deposit <= in_force.toPython(), node


def test_partial_dates_only_where_the_source_gives_no_day(records: Graph):
    assert date_of(records, iri("participation/bangkok-1983-AU"), MC.partyBy) == Literal("1985", datatype=XSD.gYear)
    assert date_of(records, iri("participation/global-2019-MN"), MC.partyBy) == Literal(
        "2024-11", datatype=XSD.gYearMonth)


# ---------------------------------------------------------------------------------------------
# Organisations
# ---------------------------------------------------------------------------------------------

def test_networks_and_memberships(records: Graph):
    for slug in ("apqn", "inqaahe", "apnnic", "aqan"):
        assert (iri(f"org/{slug}"), RDF.type, MC.Network) in records
    assert (iri("org/apqn"), MC.memberOf, iri("org/inqaahe")) in records
    # A single weak source only: not stated as a fact.
    assert (iri("org/aqan"), MC.memberOf, iri("org/inqaahe")) not in records


def test_nics_are_typed(records: Graph):
    for slug in ("nic-japan", "karic", "cdgdc", "cscse", "cssd", "doe-au", "mncea"):
        assert (iri(f"org/{slug}"), RDF.type, MC.NationalInformationCentre) in records, slug


def test_sourced_organisations_carry_country_and_source(records: Graph):
    """Networks are regional or global and OpenLearning's seat is not in the sources."""
    exempt = {iri("org/openlearning")}
    for cls in (MC.QAAgency, MC.NationalInformationCentre, MC.Provider):
        for org in records.subjects(RDF.type, cls):
            assert labels(records, org), org
            if is_illustrative(records, org):
                continue
            assert (org, DCTERMS.source, None) in records, org
            if org not in exempt:
                assert (org, MC.country, None) in records, org


def test_real_providers_of_the_use_cases(records: Graph):
    for slug in ("ut", "ice-i", "openlearning", "unesco-ichei", "ecnu"):
        org = iri(f"org/{slug}")
        assert (org, RDF.type, MC.Provider) in records
        assert not is_illustrative(records, org)


# ---------------------------------------------------------------------------------------------
# Credentials, stacking and QA
# ---------------------------------------------------------------------------------------------

def credit(graph: Graph, node) -> tuple[float, URIRef] | None:
    value = graph.value(node, MC.creditValue)
    if value is None:
        return None
    return float(graph.value(value, MC.creditAmount)), graph.value(value, MC.creditSystem)


def test_nz_micro_credentials(records: Graph):
    nz = [c for c in records.subjects(RDF.type, MC.MicroCredential)
          if (c, MC.issuerCountry, iri("country/NZ")) in records]
    assert 3 <= len(nz) <= 4
    allowed_levels = {iri(f"level/nzqcf-{n}") for n in (4, 5, 6)}
    for mc in nz:
        amount, system = credit(records, mc)
        assert 5 <= amount <= 40 and system == iri("credit-system/nzqcf-credit")
        assert float(records.value(mc, MC.notionalHours)) == amount * 10
        assert records.value(mc, MC.level) in allowed_levels
        assert (mc, MC.learningOutcome, None) in records
        assert (mc, MC.assessment, None) in records
        assert (mc, MC.standalone, Literal(True)) in records
        assert is_illustrative(records, mc)


def test_stacking_rules_have_an_existing_required_component(records: Graph):
    rules = list(records.subjects(RDF.type, MC.StackingRule))
    assert rules
    with_component = 0
    for rule in rules:
        qualification = records.value(predicate=MC.stackingRule, object=rule)
        assert (qualification, RDF.type, MC.Qualification) in records
        for component in records.objects(rule, MC.requiredComponent):
            assert (component, RDF.type, MC.MicroCredential) in records
            assert (qualification, MC.hasPart, component) in records
            with_component += 1
        required = records.value(rule, MC.requiredCredits)
        cap = float(records.value(rule, MC.maxMicroCredentialCredits))
        assert cap <= float(records.value(required, MC.creditAmount))
        system = records.value(required, MC.creditSystem)
        parts = list(records.objects(qualification, MC.hasPart))
        assert all(credit(records, part)[1] == system for part in parts)
    assert with_component >= 1


def test_nz_diploma_rule(records: Graph):
    rule = iri("rule/nz-diploma-applied-data-analytics")
    required = records.value(rule, MC.requiredCredits)
    assert float(records.value(required, MC.creditAmount)) == 120
    assert records.value(required, MC.creditSystem) == iri("credit-system/nzqcf-credit")
    assert records.value(rule, MC.minimumLevel) == iri("level/nzqcf-4")
    assert (rule, MC.acceptedField, None) in records
    diploma = iri("credential/nz-diploma-applied-data-analytics")
    assert records.value(diploma, MC.level) == iri("level/nzqcf-5")


def test_qa_decisions_one_current_and_one_expired(records: Graph):
    current = expired = 0
    for decision in records.subjects(RDF.type, MC.QADecision):
        start = records.value(decision, MC.validFrom).toPython()
        end = records.value(decision, MC.validUntil).toPython()
        assert start < end
        assert (decision, MC.qaAgency, None) in records and (decision, MC.qaSubject, None) in records
        if start <= TODAY <= end:
            current += 1
        elif end < TODAY:
            expired += 1
    assert current >= 1 and expired >= 1


def test_a_credential_without_assessment_or_qa_exists(records: Graph):
    subjects_of_qa = set(records.objects(None, MC.qaSubject))
    lacking = [c for c in records.subjects(RDF.type, MC.MicroCredential)
               if (c, MC.assessment, None) not in records and c not in subjects_of_qa
               and (c, MC.qaType, None) not in records]
    assert any(is_illustrative(records, c) for c in lacking)


def test_ice_institute_streams(records: Graph):
    programme = iri("credential/ice-i-game-developer")
    assert (programme, DCTERMS.source, None) in records
    assert not is_illustrative(records, programme)
    assert (programme, MC.level, None) not in records  # the sources give no KKNI level
    streams = list(records.objects(programme, MC.hasPart))
    assert len(streams) == 6
    for stream in streams:
        assert is_illustrative(records, stream)
        assert (stream, MC.awardingBody, iri("org/ice-i")) in records


def test_isced_fields_carry_their_codes(records: Graph):
    for field in records.subjects(RDF.type, MC.IscedField):
        code = str(records.value(field, SKOS.notation))
        assert str(field) == ID + f"isced/{code}" and len(code) == 4 and code.isdigit()
        assert labels(records, field)
    used = set(records.objects(None, MC.field)) | set(records.objects(None, MC.acceptedField))
    assert used == set(records.subjects(RDF.type, MC.IscedField))


# ---------------------------------------------------------------------------------------------
# References resolve
# ---------------------------------------------------------------------------------------------

def test_every_reference_resolves_in_data(records: Graph, all_data: Graph):
    described = {s for s in all_data.subjects() if isinstance(s, URIRef)}
    missing = sorted({
        f"{prop.split('#')[-1]} -> {obj}"
        for prop in REFERENCE_PROPERTIES
        for obj in records.objects(None, prop)
        if isinstance(obj, URIRef) and obj.startswith(ID) and obj not in described
    })
    assert not missing, "IRIs referenced but described nowhere in data/:\n" + "\n".join(missing)


def test_references_have_the_expected_types(records: Graph, all_data: Graph):
    expectations = {
        MC.party: MC.Country, MC.issuerCountry: MC.Country, MC.country: MC.Country,
        MC.level: MC.Level, MC.minimumLevel: MC.Level, MC.creditSystem: MC.CreditSystem,
        MC.nic: MC.NationalInformationCentre, MC.qaAgency: MC.QAAgency, MC.memberOf: MC.Network,
        MC.convention: MC.Convention, MC.field: MC.IscedField, MC.acceptedField: MC.IscedField,
    }
    wrong = sorted({
        f"{prop.split('#')[-1]} -> {obj}"
        for prop, cls in expectations.items()
        for obj in records.objects(None, prop)
        if isinstance(obj, URIRef) and (obj, RDF.type, cls) not in all_data
    })
    assert not wrong, "referenced IRIs without the expected type:\n" + "\n".join(wrong)
