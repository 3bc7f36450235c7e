"""The bundled data: frameworks, levels, referencing reports and authorities.

Reads the Turtle files directly (rdflib, pyoxigraph); whether the data conforms to the SHACL
shapes is checked elsewhere. The expected level tables below are the verified ones: a table
that is not verified must not appear as rows at all.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, Namespace, URIRef

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
FRAMEWORKS_DIR = DATA / "frameworks"
REFERENCING_DIR = DATA / "referencing"
AUTHORITIES = DATA / "organisations" / "authorities.ttl"

# Plain namespaces (rdflib's closed ones warn when pytest inspects module attributes).
MC = Namespace("https://w3id.org/mcgraph/ns#")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
ID = "https://w3id.org/mcgraph/id/"

NATIONAL_WITH_LEVELS = [
    "aqf", "nzqcf", "hkqf", "mqf", "pqf-ph", "kkni", "vqf", "bdqf", "kqf", "nsqf", "nheqf", "slqf",
    "nvq-lk", "bnqf", "nqf-pk", "nvqf-pk", "mnqf-mv", "fqf", "sqf-ws", "tqf-to", "nqf-kz", "nqf-uz", "wsq",
]
NATIONAL_WITHOUT_LEVELS = ["nqf-th", "cqf", "mnqf", "nqf-np", "bqf", "nqf-pg", "nqf-kg"]
REGIONAL_WITH_LEVELS = ["aqrf", "eqf", "vussc-tqf"]
REGIONAL_WITHOUT_LEVELS = ["pacific-qf", "saqrf"]
ALL_FRAMEWORKS = (NATIONAL_WITH_LEVELS + NATIONAL_WITHOUT_LEVELS + REGIONAL_WITH_LEVELS
                  + REGIONAL_WITHOUT_LEVELS + ["nfq-ie"])
EXPECTED_LEVEL_COUNTS = {
    "aqf": 10, "nzqcf": 10, "hkqf": 7, "mqf": 8, "pqf-ph": 8, "kkni": 9, "vqf": 8, "bdqf": 8, "kqf": 8,
    "nsqf": 8, "nheqf": 6, "slqf": 12, "nvq-lk": 7, "bnqf": 10, "nqf-pk": 8, "nvqf-pk": 8, "mnqf-mv": 10,
    "fqf": 10, "sqf-ws": 10, "tqf-to": 10, "nqf-kz": 8, "nqf-uz": 8, "wsq": 6,
    "aqrf": 8, "eqf": 8, "vussc-tqf": 10, "nfq-ie": 10,
}
JURISDICTION = {
    "aqf": "AU", "nzqcf": "NZ", "hkqf": "HK", "mqf": "MY", "pqf-ph": "PH", "kkni": "ID", "vqf": "VN",
    "bdqf": "BN", "kqf": "KR", "nsqf": "IN", "nheqf": "IN", "slqf": "LK", "nvq-lk": "LK", "bnqf": "BD",
    "nqf-pk": "PK", "nvqf-pk": "PK", "mnqf-mv": "MV", "fqf": "FJ", "sqf-ws": "WS", "tqf-to": "TO",
    "nqf-kz": "KZ", "nqf-uz": "UZ", "wsq": "SG", "nqf-th": "TH", "cqf": "KH", "mnqf": "MN", "nqf-np": "NP",
    "bqf": "BT", "nqf-pg": "PG", "nqf-kg": "KG", "nfq-ie": "IE",
}
CREDIT_SYSTEMS = {  # slug: (file, hours per credit or (min, max))
    "nzqcf-credit": ("nzqcf", 10), "pacific-qf-credit": ("pacific-qf", 10), "hkqf-credit": ("hkqf", 10),
    "mqf-credit": ("mqf", 40), "ncrf-credit": ("nsqf", 30), "ects": ("eqf", (25, 30)), "fqf-credit": ("fqf", 10),
}

# The verified tables: from-level -> to-levels ([] = no match by agreement / as the source says).
VERIFIED_TABLES = {
    "nzqcf-eqf": {"1": ["2"], "2": ["3"], "3": ["4"], "4": ["4"], "5": ["5"], "6": ["5"], "7": ["6"],
                  "8": [], "9": ["7"], "10": ["8"]},
    "nzqcf-nfq-ie": {"1": ["3"], "2": ["4"], "3": ["5"], "4": ["5"], "5": ["6"], "6": ["6"], "7": ["7", "8"],
                     "8": [], "9": ["9"], "10": ["10"]},
    "nzqcf-hkqf": {"10": ["7"], "9": ["6"], "8": [], "7": ["5"], "6": ["4"], "5": ["4"], "4": ["3"],
                   "3": ["3"], "2": ["2"], "1": ["1"]},
    "aqf-nzqcf": {str(n): [str(n)] for n in range(1, 11)},
    "aqf-eqf": {"7": ["6"], "9": ["7"]},
}
ROW_COUNTS = {"nzqcf-eqf": 10, "nzqcf-nfq-ie": 11, "nzqcf-hkqf": 10, "aqf-nzqcf": 10, "aqf-eqf": 2}
REPORT_FRAMEWORKS = {
    "nzqcf-eqf": ("nzqcf", "eqf"), "nzqcf-nfq-ie": ("nzqcf", "nfq-ie"), "nzqcf-hkqf": ("nzqcf", "hkqf"),
    "aqf-nzqcf": ("aqf", "nzqcf"), "aqf-eqf": ("aqf", "eqf"), "mqf-aqrf": ("mqf", "aqrf"),
    "pqf-ph-aqrf": ("pqf-ph", "aqrf"), "kkni-aqrf": ("kkni", "aqrf"), "nqf-th-aqrf": ("nqf-th", "aqrf"),
}
ORG_CLASSES = {MC.Organisation, MC.QualificationsAuthority, MC.QAAgency, MC.NationalInformationCentre,
               MC.Network, MC.Provider}
CONFIDENCE = {"high", "medium", "low"}


def fw(slug: str) -> URIRef:
    return URIRef(f"{ID}framework/{slug}")


def lvl(slug: str, notation: str) -> URIRef:
    return URIRef(f"{ID}level/{slug}-{notation}")


def rep(slug: str) -> URIRef:
    return URIRef(f"{ID}report/{slug}")


def slug_of(iri, kind: str) -> str:
    prefix = f"{ID}{kind}/"
    assert str(iri).startswith(prefix), iri
    return str(iri)[len(prefix):]


def parse(path: Path) -> Graph:
    g = Graph()
    g.parse(path, format="turtle")
    return g


def all_data_files() -> list[Path]:
    return sorted(DATA.rglob("*.ttl"))


@pytest.fixture(scope="module")
def framework_graphs() -> dict[str, Graph]:
    return {p.stem: parse(p) for p in sorted(FRAMEWORKS_DIR.glob("*.ttl"))}


@pytest.fixture(scope="module")
def report_graphs() -> dict[str, Graph]:
    return {p.stem: parse(p) for p in sorted(REFERENCING_DIR.glob("*.ttl"))}


@pytest.fixture(scope="module")
def authorities() -> Graph:
    return parse(AUTHORITIES)


@pytest.fixture(scope="module")
def bundle() -> Graph:
    """Every bundled data file in one graph (for cross-file references)."""
    g = Graph()
    for p in all_data_files():
        g.parse(p, format="turtle")
    return g


@pytest.fixture(scope="module")
def levels_by_framework(framework_graphs) -> dict[str, set[URIRef]]:
    out: dict[str, set[URIRef]] = defaultdict(set)
    for g in framework_graphs.values():
        for level in g.subjects(RDF.type, MC.Level):
            for scheme in g.objects(level, SKOS.inScheme):
                out[slug_of(scheme, "framework")].add(level)
    return out


def rows_of(g: Graph, report_slug: str) -> list[URIRef]:
    return sorted(g.subjects(MC.establishedBy, rep(report_slug)))


def table_of(g: Graph, report_slug: str) -> dict[str, list[str]]:
    """from-notation -> sorted to-notations ([] for a no-match row), read from the level IRIs."""
    frm_fw, to_fw = REPORT_FRAMEWORKS[report_slug]
    table: dict[str, list[str]] = {}
    for row in rows_of(g, report_slug):
        frm = slug_of(g.value(row, MC.fromLevel), "level").removeprefix(f"{frm_fw}-")
        to = g.value(row, MC.toLevel)
        targets = table.setdefault(frm, [])
        if to is not None:
            targets.append(slug_of(to, "level").removeprefix(f"{to_fw}-"))
    return {k: sorted(v, key=Decimal) for k, v in table.items()}


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", all_data_files(), ids=lambda p: str(p.relative_to(DATA)))
def test_every_data_file_parses(path: Path) -> None:
    quads = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    assert quads, f"{path} is empty"


def test_one_file_per_framework_and_report() -> None:
    assert sorted(p.stem for p in FRAMEWORKS_DIR.glob("*.ttl")) == sorted(ALL_FRAMEWORKS)
    assert sorted(p.stem for p in REFERENCING_DIR.glob("*.ttl")) == sorted(REPORT_FRAMEWORKS)


@pytest.mark.parametrize("directory", [FRAMEWORKS_DIR, REFERENCING_DIR], ids=["frameworks", "referencing"])
def test_every_subject_carries_a_source(directory: Path) -> None:
    missing = []
    for path in sorted(directory.glob("*.ttl")):
        g = parse(path)
        for s in set(g.subjects()):
            sourced = (s, DCTERMS.source, None) in g
            illustrative = (s, MC.illustrative, Literal(True)) in g
            if not (sourced or illustrative):
                missing.append(f"{path.name}: {s}")
    assert not missing, "subjects without dct:source:\n" + "\n".join(missing)


def test_sources_are_web_iris() -> None:
    for path in [*FRAMEWORKS_DIR.glob("*.ttl"), *REFERENCING_DIR.glob("*.ttl"), AUTHORITIES]:
        g = parse(path)
        for s, o in g.subject_objects(DCTERMS.source):
            assert isinstance(o, URIRef) and re.match(r"https?://", str(o)), f"{path.name}: {s} {o!r}"


def test_confidence_values() -> None:
    for path in [*FRAMEWORKS_DIR.glob("*.ttl"), *REFERENCING_DIR.glob("*.ttl"), AUTHORITIES]:
        g = parse(path)
        for s, o in g.subject_objects(MC.confidence):
            assert str(o) in CONFIDENCE, f"{path.name}: {s} has confidence {o!r}"


# --------------------------------------------------------------------------------------------
# Frameworks
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("slug", ALL_FRAMEWORKS)
def test_framework_is_declared_in_its_own_file(framework_graphs, slug: str) -> None:
    g = framework_graphs[slug]
    s = fw(slug)
    regional = slug in REGIONAL_WITH_LEVELS + REGIONAL_WITHOUT_LEVELS
    expected = MC.RegionalQualificationsFramework if regional else MC.NationalQualificationsFramework
    assert (s, RDF.type, expected) in g
    assert any(lab.language == "en" for lab in g.objects(s, SKOS.prefLabel))
    assert list(g.objects(s, SKOS.altLabel)), f"{slug} has no acronym"
    assert g.value(s, MC.confidence) is not None
    if regional:
        assert g.value(s, MC.jurisdiction) is None
    else:
        assert g.value(s, MC.jurisdiction) == URIRef(f"{ID}country/{JURISDICTION[slug]}")
    others = {x for x in g.subjects(RDF.type, None)
              if set(g.objects(x, RDF.type)) & {MC.NationalQualificationsFramework,
                                                MC.RegionalQualificationsFramework}}
    assert others == {s}, f"{slug}.ttl declares other frameworks: {others - {s}}"


def test_at_least_twenty_national_frameworks_with_levels(framework_graphs, levels_by_framework) -> None:
    national = set()
    for g in framework_graphs.values():
        national |= {slug_of(s, "framework") for s in g.subjects(RDF.type, MC.NationalQualificationsFramework)}
    with_levels = {s for s in national if levels_by_framework.get(s)}
    assert len(with_levels) >= 20, sorted(with_levels)
    assert set(NATIONAL_WITH_LEVELS) <= with_levels


@pytest.mark.parametrize("slug", sorted(EXPECTED_LEVEL_COUNTS))
def test_level_count(framework_graphs, levels_by_framework, slug: str) -> None:
    g = framework_graphs[slug]
    count = g.value(fw(slug), MC.levelCount)
    assert count is not None and count.datatype == XSD.integer
    assert int(count) == EXPECTED_LEVEL_COUNTS[slug] == len(levels_by_framework[slug])


def test_level_count_matches_levels_everywhere(framework_graphs, levels_by_framework) -> None:
    for g in framework_graphs.values():
        for s, count in g.subject_objects(MC.levelCount):
            levels = levels_by_framework.get(slug_of(s, "framework"), set())
            if levels:
                assert int(count) == len(levels), s


@pytest.mark.parametrize("slug", NATIONAL_WITHOUT_LEVELS + REGIONAL_WITHOUT_LEVELS)
def test_unverified_level_count_means_no_levels(framework_graphs, levels_by_framework, slug: str) -> None:
    g = framework_graphs[slug]
    assert not levels_by_framework.get(slug)
    assert not list(g.subjects(RDF.type, MC.Level))
    assert g.value(fw(slug), MC.levelCount) is None
    comments = " ".join(str(c) for c in g.objects(fw(slug), RDFS.comment))
    assert "not verified" in comments


def test_every_level_is_well_formed(framework_graphs) -> None:
    for name, g in framework_graphs.items():
        notations = Counter()
        for level in g.subjects(RDF.type, MC.Level):
            schemes = list(g.objects(level, SKOS.inScheme))
            notation = list(g.objects(level, SKOS.notation))
            rank = list(g.objects(level, MC.rank))
            assert len(schemes) == 1, f"{level}: skos:inScheme {schemes}"
            assert len(notation) == 1, f"{level}: skos:notation {notation}"
            assert len(rank) == 1, f"{level}: mc:rank {rank}"
            assert schemes[0] == fw(name), f"{level} is in {schemes[0]}, declared in {name}.ttl"
            assert rank[0].datatype == XSD.decimal, f"{level}: rank {rank[0]!r} is not xsd:decimal"
            assert Decimal(str(rank[0])) == Decimal(str(notation[0])), level
            assert level == lvl(name, str(notation[0])), f"{level} should be {lvl(name, str(notation[0]))}"
            assert g.value(level, SKOS.prefLabel) is not None, level
            notations[str(notation[0])] += 1
        assert all(n == 1 for n in notations.values()), f"{name}: duplicate notations {notations}"


def test_every_mc_level_subject_in_levels_namespace_is_a_level(framework_graphs) -> None:
    for g in framework_graphs.values():
        for s in set(g.subjects()):
            if str(s).startswith(f"{ID}level/"):
                assert (s, RDF.type, MC.Level) in g, s


def test_nheqf_levels_are_exactly_those_stated(levels_by_framework, framework_graphs) -> None:
    g = framework_graphs["nheqf"]
    notations = {str(g.value(level, SKOS.notation)) for level in levels_by_framework["nheqf"]}
    assert notations == {"4.5", "5", "5.5", "6", "7", "8"}
    assert g.value(lvl("nheqf", "4.5"), MC.rank) == Literal(Decimal("4.5"))


def test_typical_qualifications_only_where_verified(framework_graphs) -> None:
    g = framework_graphs
    assert set(map(str, g["aqf"].objects(lvl("aqf", "7"), MC.typicalQualification))) == {"Bachelor Degree"}
    assert set(map(str, g["hkqf"].objects(lvl("hkqf", "4"), MC.typicalQualification))) == {
        "Associate Degree", "Higher Diploma"}
    unverified = [("nheqf", n) for n in ("5.5", "6", "7", "8")] + [("kqf", str(n)) for n in range(1, 9)] \
        + [("slqf", str(n)) for n in range(3, 13)] + [("sqf-ws", str(n)) for n in (8, 9, 10)] \
        + [("nqf-pk", str(n)) for n in range(1, 9)] + [("tqf-to", str(n)) for n in range(1, 11)]
    for slug, n in unverified:
        assert (lvl(slug, n), MC.typicalQualification, None) not in g[slug], f"{slug} level {n}"


def test_descriptor_domains(framework_graphs) -> None:
    expected = {"aqrf": 2, "eqf": 3, "nzqcf": 3, "mqf": 5, "pqf-ph": 3, "bdqf": 5, "hkqf": 4, "nsqf": 5}
    for slug, n in expected.items():
        g = framework_graphs[slug]
        domains = list(g.objects(fw(slug), MC.descriptorDomain))
        assert sorted(domains) == sorted(URIRef(f"{ID}domain/{slug}-{i}") for i in range(1, n + 1))
        for d in domains:
            assert (d, RDF.type, MC.DescriptorDomain) in g
            assert g.value(d, SKOS.prefLabel) is not None
            assert (d, SKOS.inScheme, None) not in g, "a domain is not a level of the scheme"


@pytest.mark.parametrize("slug", sorted(CREDIT_SYSTEMS))
def test_credit_systems(framework_graphs, slug: str) -> None:
    file, hours = CREDIT_SYSTEMS[slug]
    g = framework_graphs[file]
    s = URIRef(f"{ID}credit-system/{slug}")
    assert (s, RDF.type, MC.CreditSystem) in g
    assert g.value(s, SKOS.prefLabel) is not None
    if isinstance(hours, tuple):
        assert g.value(s, MC.minHoursPerCredit).toPython() == hours[0]
        assert g.value(s, MC.maxHoursPerCredit).toPython() == hours[1]
        assert g.value(s, MC.hoursPerCredit) is None
    else:
        value = g.value(s, MC.hoursPerCredit)
        assert value.datatype == XSD.decimal and value.toPython() == hours
    if slug != "ects":  # the EQF has no credit system of its own
        assert (fw(file), MC.creditSystem, s) in g


def test_frameworks_without_stated_credit_system(framework_graphs) -> None:
    for slug in ("aqf", "eqf", "vqf", "nheqf", "pqf-ph", "kkni"):
        assert framework_graphs[slug].value(fw(slug), MC.creditSystem) is None, slug


# --------------------------------------------------------------------------------------------
# Organisations
# --------------------------------------------------------------------------------------------

def test_authorities_are_typed_named_and_sourced(authorities) -> None:
    subjects = set(authorities.subjects())
    assert subjects
    for s in subjects:
        assert str(s).startswith(f"{ID}org/"), s
        assert set(authorities.objects(s, RDF.type)) & ORG_CLASSES, s
        assert authorities.value(s, SKOS.prefLabel) is not None, s
        assert authorities.value(s, DCTERMS.source) is not None, s


def test_dual_role_bodies(authorities) -> None:
    for slug in ("nzqa", "mqa", "mqa-mv", "sqa-ws"):
        types = set(authorities.objects(URIRef(f"{ID}org/{slug}"), RDF.type))
        assert {MC.QualificationsAuthority, MC.QAAgency} <= types, slug
    assert (URIRef(f"{ID}org/nzqa"), RDF.type, MC.NationalInformationCentre) in authorities
    names = {slug: str(authorities.value(URIRef(f"{ID}org/{slug}"), SKOS.prefLabel)) for slug in ("mqa", "mqa-mv")}
    assert names == {"mqa": "Malaysian Qualifications Agency", "mqa-mv": "Maldives Qualifications Authority"}


def test_referenced_bodies_exist(bundle) -> None:
    for prop in (MC.governingBody, MC.responsibleBody):
        for s, body in bundle.subject_objects(prop):
            assert set(bundle.objects(body, RDF.type)) & ORG_CLASSES, f"{s} -> {body} is not declared"


def test_organisations_declared_once(authorities) -> None:
    """No body of authorities.ttl is declared again in another organisation file."""
    mine = set(authorities.subjects(RDF.type, None))
    for path in sorted((DATA / "organisations").glob("*.ttl")):
        if path == AUTHORITIES:
            continue
        g = parse(path)
        twice = mine & set(g.subjects(RDF.type, None))
        assert not twice, f"declared in both authorities.ttl and {path.name}: {sorted(twice)}"


# --------------------------------------------------------------------------------------------
# Referencing
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("slug", sorted(REPORT_FRAMEWORKS))
def test_report_is_complete(report_graphs, slug: str) -> None:
    g = report_graphs[slug]
    s = rep(slug)
    frm, to = REPORT_FRAMEWORKS[slug]
    assert (s, RDF.type, MC.ReferencingReport) in g
    assert g.value(s, DCTERMS.title) is not None
    assert g.value(s, MC.fromFramework) == fw(frm)
    assert g.value(s, MC.toFramework) == fw(to)
    assert list(g.objects(s, MC.responsibleBody))
    assert g.value(s, MC.referencingStatus) in {MC.Draft, MC.Endorsed, MC.Comparison}
    assert g.value(s, MC.levelTable) in {MC.TableComplete, MC.TablePartial, MC.TableNotInGraph}
    assert g.value(s, MC.confidence) is not None
    assert list(g.objects(s, RDFS.comment))
    issued = g.value(s, DCTERMS.issued)
    if issued is not None:
        assert issued.datatype in {XSD.date, XSD.gYearMonth, XSD.gYear}
    rows = rows_of(g, slug)
    if g.value(s, MC.levelTable) == MC.TableNotInGraph:
        assert rows == []
    else:
        assert rows


def test_correspondences_are_well_formed(report_graphs, bundle) -> None:
    levels = set(bundle.subjects(RDF.type, MC.Level))
    for slug, g in report_graphs.items():
        frm_fw, to_fw = REPORT_FRAMEWORKS[slug]
        for row in g.subjects(RDF.type, MC.LevelCorrespondence):
            assert g.value(row, MC.establishedBy) == rep(slug), row
            frm = g.value(row, MC.fromLevel)
            to = g.value(row, MC.toLevel)
            match = g.value(row, MC.matchType)
            assert frm in levels, f"{row}: from-level {frm} does not exist"
            assert bundle.value(frm, SKOS.inScheme) == fw(frm_fw), row
            assert match in {MC.ExactMatch, MC.CloseMatch, MC.BroadMatch, MC.NarrowMatch, MC.NoMatch}, row
            if match == MC.NoMatch:
                assert to is None, f"{row}: a no-match row has no mc:toLevel"
            else:
                assert to in levels, f"{row}: to-level {to} does not exist"
                assert bundle.value(to, SKOS.inScheme) == fw(to_fw), row
            assert g.value(row, MC.confidence) is not None, row
            assert g.value(row, DCTERMS.source) is not None, row
            frm_n = str(bundle.value(frm, SKOS.notation))
            expected = {f"{ID}correspondence/{slug}-{frm_n}"}
            if to is not None:
                expected.add(f"{ID}correspondence/{slug}-{frm_n}-{bundle.value(to, SKOS.notation)}")
            assert str(row) in expected, row
        for row in g.subjects(MC.establishedBy, None):
            assert (row, RDF.type, MC.LevelCorrespondence) in g


@pytest.mark.parametrize("slug", sorted(VERIFIED_TABLES))
def test_verified_table_as_published(report_graphs, slug: str) -> None:
    g = report_graphs[slug]
    assert len(rows_of(g, slug)) == ROW_COUNTS[slug]
    assert table_of(g, slug) == VERIFIED_TABLES[slug]


def test_table_status(report_graphs) -> None:
    status = {slug: g.value(rep(slug), MC.levelTable) for slug, g in report_graphs.items()}
    assert status == {
        "nzqcf-eqf": MC.TableComplete, "nzqcf-nfq-ie": MC.TableComplete, "nzqcf-hkqf": MC.TableComplete,
        "aqf-nzqcf": MC.TableComplete, "aqf-eqf": MC.TablePartial, "mqf-aqrf": MC.TableNotInGraph,
        "pqf-ph-aqrf": MC.TableNotInGraph, "kkni-aqrf": MC.TableNotInGraph, "nqf-th-aqrf": MC.TableNotInGraph,
    }


def match_of(g: Graph, slug: str, frm: str, to: str | None = None) -> URIRef:
    rid = f"{ID}correspondence/{slug}-{frm}" + (f"-{to}" if to else "")
    return g.value(URIRef(rid), MC.matchType)


def test_spot_rows(report_graphs) -> None:
    r = report_graphs
    # NZQCF 8 is unlevelled against the EQF by agreement, and has no HKQF / NFQ counterpart
    assert match_of(r["nzqcf-eqf"], "nzqcf-eqf", "8") == MC.NoMatch
    assert match_of(r["nzqcf-hkqf"], "nzqcf-hkqf", "8") == MC.NoMatch
    assert match_of(r["nzqcf-nfq-ie"], "nzqcf-nfq-ie", "8") == MC.NoMatch
    # one source level, two targets
    assert match_of(r["nzqcf-nfq-ie"], "nzqcf-nfq-ie", "7", "7") == MC.NarrowMatch
    assert match_of(r["nzqcf-nfq-ie"], "nzqcf-nfq-ie", "7", "8") == MC.NarrowMatch
    # two source levels, one target
    assert match_of(r["nzqcf-eqf"], "nzqcf-eqf", "3") == MC.BroadMatch
    assert match_of(r["nzqcf-eqf"], "nzqcf-eqf", "6") == MC.BroadMatch
    assert match_of(r["nzqcf-eqf"], "nzqcf-eqf", "7") == MC.ExactMatch
    assert match_of(r["nzqcf-hkqf"], "nzqcf-hkqf", "10") == MC.ExactMatch
    # AQF 7 -> EQF 6 (partial table)
    row = URIRef(f"{ID}correspondence/aqf-eqf-7")
    assert r["aqf-eqf"].value(row, MC.toLevel) == lvl("eqf", "6")
    # merged cells are medium
    for slug, rid in (("nzqcf-hkqf", "nzqcf-hkqf-5"), ("nzqcf-hkqf", "nzqcf-hkqf-3"),
                      ("nzqcf-nfq-ie", "nzqcf-nfq-ie-6"), ("nzqcf-nfq-ie", "nzqcf-nfq-ie-7-8")):
        assert str(r[slug].value(URIRef(f"{ID}correspondence/{rid}"), MC.confidence)) == "medium", rid
    assert str(r["nzqcf-nfq-ie"].value(URIRef(f"{ID}correspondence/nzqcf-nfq-ie-7-7"), MC.confidence)) == "high"


def test_match_types_follow_the_documented_rule(report_graphs) -> None:
    """Complete tables: exact/broad/narrow/no match derived from the table's shape, or close
    match throughout when the source calls the frameworks broadly comparable."""
    for slug, g in report_graphs.items():
        if g.value(rep(slug), MC.levelTable) != MC.TableComplete:
            continue
        rows = rows_of(g, slug)
        matches = {g.value(row, MC.matchType) for row in rows}
        if matches == {MC.CloseMatch}:
            continue
        assert MC.CloseMatch not in matches, slug
        targets = Counter(g.value(row, MC.toLevel) for row in rows if g.value(row, MC.toLevel) is not None)
        per_source = Counter(g.value(row, MC.fromLevel) for row in rows)
        for row in rows:
            to = g.value(row, MC.toLevel)
            if to is None:
                expected = MC.NoMatch
            elif per_source[g.value(row, MC.fromLevel)] > 1:
                expected = MC.NarrowMatch
            elif targets[to] > 1:
                expected = MC.BroadMatch
            else:
                expected = MC.ExactMatch
            assert g.value(row, MC.matchType) == expected, f"{row}: expected {expected}"


def test_aqf_nzqcf_is_broadly_comparable_level_for_level(report_graphs) -> None:
    g = report_graphs["aqf-nzqcf"]
    for n in range(1, 11):
        row = URIRef(f"{ID}correspondence/aqf-nzqcf-{n}")
        assert g.value(row, MC.fromLevel) == lvl("aqf", str(n))
        assert g.value(row, MC.toLevel) == lvl("nzqcf", str(n))
        assert g.value(row, MC.matchType) == MC.CloseMatch


@pytest.mark.parametrize("slug,issued", [
    ("mqf-aqrf", Literal("2019-05", datatype=XSD.gYearMonth)),
    ("pqf-ph-aqrf", Literal("2019-05-22", datatype=XSD.date)),
    ("kkni-aqrf", Literal("2020-06", datatype=XSD.gYearMonth)),
])
def test_endorsed_aqrf_reports_have_no_rows(report_graphs, slug: str, issued: Literal) -> None:
    g = report_graphs[slug]
    s = rep(slug)
    assert g.value(s, MC.referencingStatus) == MC.Endorsed
    assert g.value(s, MC.levelTable) == MC.TableNotInGraph
    assert g.value(s, MC.toFramework) == fw("aqrf")
    assert g.value(s, DCTERMS.issued) == issued
    assert rows_of(g, slug) == []
    assert not list(g.subjects(RDF.type, MC.LevelCorrespondence))


def test_thai_aqrf_report_is_a_draft_without_date_or_rows(report_graphs) -> None:
    g = report_graphs["nqf-th-aqrf"]
    s = rep("nqf-th-aqrf")
    assert g.value(s, MC.referencingStatus) == MC.Draft
    assert g.value(s, MC.levelTable) == MC.TableNotInGraph
    assert g.value(s, DCTERMS.issued) is None
    assert not list(g.subjects(RDF.type, MC.LevelCorrespondence))


def test_report_dates(report_graphs) -> None:
    issued = {slug: g.value(rep(slug), DCTERMS.issued) for slug, g in report_graphs.items()}
    assert issued["nzqcf-nfq-ie"] is None  # not verified
    assert issued["nzqcf-hkqf"] == Literal("2018-08", datatype=XSD.gYearMonth)
    assert issued["aqf-nzqcf"] == Literal("2015", datatype=XSD.gYear)


def test_no_correspondence_outside_the_verified_tables(bundle) -> None:
    reports = {slug_of(r, "report") for r in bundle.objects(None, MC.establishedBy)}
    assert reports == set(VERIFIED_TABLES)


# --------------------------------------------------------------------------------------------
# Naming
# --------------------------------------------------------------------------------------------

def test_unesco_naming() -> None:
    banned = [r"\bVietnam\b", r"\bSouth Korea\b", r"\bLaos\b", r"\bthe Asia-Pacific\b(?! region)",
              r"Hong Kong SAR(?!, China)", r"\bIran\b(?! \(Islamic Republic of\))"]
    for path in [*FRAMEWORKS_DIR.glob("*.ttl"), *REFERENCING_DIR.glob("*.ttl"), AUTHORITIES]:
        text = path.read_text(encoding="utf-8")
        for pattern in banned:
            assert not re.search(pattern, text), f"{path.name}: {pattern}"
