"""Cross-framework comparison (mcgraph.referencing): which level of one framework corresponds to
which level of another, from recorded level correspondences only.

Two data sets:
- the bundled, verified data (see data/referencing/): the NZQCF-EQF, AQF-NZQCF, NZQCF-HKQF and
  AQF-EQF tables, and the AQRF reports whose level tables are not in the graph;
- tests/fixtures/referencing/synthetic.ttl, made-up frameworks TEST-A ... TEST-H whose network of
  reports is drawn at the top of that file; it is loaded on top of the bundled data (so the load
  shows it valid) and, once, on its own.
"""
from __future__ import annotations

import pytest

from conftest import FIXTURES
from mcgraph.errors import UnknownResource, UsageError
from mcgraph.ingest import init_store, load_files
from mcgraph.referencing import (
    HOP_FACTOR,
    Hop,
    LevelComparison,
    LevelRef,
    ReferencingNetwork,
    chain_of,
    compose,
)
from mcgraph.store import OxigraphStore, open_store

SYNTHETIC = FIXTURES / "referencing" / "synthetic.ttl"
NZQCF_EQF_TITLE = ("Comparative Analysis of the European Qualifications Framework and the New Zealand "
                   "Qualifications Framework: Joint Technical Report")


# -- fixtures and helpers -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def net(bundled_store: OxigraphStore) -> ReferencingNetwork:
    """The bundled data only."""
    return ReferencingNetwork.load(bundled_store)


@pytest.fixture(scope="module")
def synthetic_load():
    """A store with the bundled data, then the synthetic fixture loaded (and validated) on top."""
    store = open_store("memory")
    init_store(store)
    result = load_files(store, [SYNTHETIC])
    yield store, result
    store.close()


@pytest.fixture(scope="module")
def syn(synthetic_load) -> ReferencingNetwork:
    return ReferencingNetwork.load(synthetic_load[0])


def one(network: ReferencingNetwork, source: str, target: str, **kw) -> LevelComparison:
    """The single level comparison of `source` (a level) with `target`."""
    [result] = network.compare(source, target, **kw).comparisons
    return result


def names(matches) -> list[str]:
    return [m.level.name for m in matches]


def report_ids(chain) -> list[str]:
    return [hop.report.id for hop in chain.hops]


# -- bundled data: answers with their evidence ----------------------------------------------------
def test_nzqf7_to_eqf_is_eqf6_direct_with_the_joint_report(net):
    result = one(net, "NZQF:7", "EQF")
    assert result.status == "matched"
    assert names(result.matches)[0] == "EQF 6"
    chain = result.matches[0].chains[0]
    assert len(chain.hops) == 1 and chain.via == []
    report = chain.hops[0].report
    assert report.id == "id:report/nzqcf-eqf"
    assert report.title == NZQCF_EQF_TITLE
    assert report.status == "comparison"
    assert report.issued == "2017-06"
    assert "https://www2.nzqa.govt.nz/international/recognition-arrangements/european-union-nz" in report.sources


def test_aqf7_to_eqf_reaches_eqf6_also_via_nzqcf(net):
    result = one(net, "AQF:7", "EQF")
    assert result.status == "matched"
    [eqf6] = [m for m in result.matches if m.level.name == "EQF 6"]
    via_nz = [c for c in eqf6.chains if c.via == ["NZQCF"]]
    assert len(via_nz) == 1
    assert via_nz[0].path == "AQF 7 -> NZQCF 7 -> EQF 6"
    assert report_ids(via_nz[0]) == ["id:report/aqf-nzqcf", "id:report/nzqcf-eqf"]


def test_aqf9_to_hkqf_is_hkqf6_via_nzqcf(net):
    result = one(net, "AQF:9", "HKQF")
    assert names(result.matches) == ["HKQF 6"]
    best = result.matches[0].chains[0]
    assert best.via == ["NZQCF"]
    assert [(h.report.id, h.report.issued) for h in best.hops] == [
        ("id:report/aqf-nzqcf", "2015"), ("id:report/nzqcf-hkqf", "2018-08")]


def test_nzqf8_to_eqf_is_no_match_by_agreement(net):
    result = one(net, "NZQF:8", "EQF")
    assert result.status == "no-match-by-agreement"
    assert result.matches == []
    lead = result.findings[0]
    assert lead.kind == "no-match-by-agreement"
    assert lead.correspondence == "id:correspondence/nzqcf-eqf-8"
    assert [r.id for r in lead.reports] == ["id:report/nzqcf-eqf"]
    assert lead.chain == []


@pytest.mark.parametrize("source", ["MQF", "MQF:3"])
def test_mqf_to_aqrf_table_not_in_graph(net, source):
    comparisons = net.compare(source, "AQRF").comparisons
    assert len(comparisons) == (8 if source == "MQF" else 1)
    for result in comparisons:
        assert result.status == "table-not-in-graph"
        assert result.matches == []
        [report] = result.findings[0].reports
        assert report.id == "id:report/mqf-aqrf"
        assert report.status == "endorsed"
        assert report.issued.startswith("2019")


def test_vqf_never_referenced(net):
    result = one(net, "VQF:6", "EQF")
    assert result.status == "not-referenced"
    assert result.findings[0].kind == "not-referenced"
    assert result.findings[0].message.startswith("VQF has never been referenced")


def test_aqf8_to_eqf_has_no_same_number_fallback(net):
    result = one(net, "AQF:8", "EQF")
    assert result.status != "matched"
    assert result.matches == [] and result.set_aside == []
    assert "EQF 8" not in result.summary
    kinds = {(f.kind, tuple(r.id for r in f.reports)) for f in result.findings}
    assert ("not-in-level-table", ("id:report/aqf-eqf",)) in kinds  # the partial AQF-EQF table
    assert ("no-match-in-chain", ("id:report/nzqcf-eqf",)) in kinds  # after AQF 8 -> NZQCF 8


def test_hkqf4_to_nzqf_reverses_many_to_one(net):
    result = one(net, "HKQF:4", "NZQF")
    assert sorted(names(result.matches)) == ["NZQCF 5", "NZQCF 6"]
    for match in result.matches:
        hop = match.chains[0].hops[0]
        assert (match.match, hop.direction, hop.stated_match) == ("narrow", "reverse", "broad")


# -- bundled data: identifiers and usage errors ----------------------------------------------------
@pytest.mark.parametrize("token", ["NZQF:7", "nzqcf:7", "id:level/nzqcf-7",
                                   "https://w3id.org/mcgraph/id/level/nzqcf-7"])
def test_level_tokens_resolve_to_one_level(net, token):
    assert net.level(token).iri == "https://w3id.org/mcgraph/id/level/nzqcf-7"
    assert net.compare(token, "EQF").level.iri == "https://w3id.org/mcgraph/id/level/nzqcf-7"


def test_ambiguous_code_names_the_candidates(net):
    with pytest.raises(UsageError) as error:
        net.compare("PQF:5", "AQRF")
    assert "pqf-ph" in error.value.message and "pacific-qf" in error.value.message


def test_unknown_level_lists_the_levels(net):
    with pytest.raises(UnknownResource) as error:
        net.level("NZQF:11")
    assert "levels: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10" in error.value.message


@pytest.mark.parametrize("source", ["AQF", "AQF:7"])
def test_framework_with_itself_is_refused(net, source):
    with pytest.raises(UsageError, match="compared with itself"):
        net.compare(source, "AQF")
    with pytest.raises(UsageError, match="compared with itself"):
        net.matrix("AQF", "aqf")


@pytest.mark.parametrize("hops", [0, 7, -1])
def test_max_hops_outside_1_to_6_is_refused(net, hops):
    with pytest.raises(UsageError, match="between 1 and 6"):
        net.compare("AQF:7", "EQF", max_hops=hops)


# -- composition and strength ----------------------------------------------------------------------
@pytest.mark.parametrize(("first", "second", "expected"), [
    ("exact", "broad", "broad"), ("narrow", "exact", "narrow"), ("exact", "exact", "exact"),
    ("close", "broad", "broad"), ("broad", "close", "broad"), ("close", "close", "close"),
    ("broad", "broad", "broad"), ("broad", "narrow", "related"), ("narrow", "broad", "related"),
])
def test_compose(first, second, expected):
    assert compose(first, second) == expected


def _hop(a: str, b: str, match: str, weight: float) -> Hop:
    lv = {n: LevelRef(f"urn:x:{n}", n, n[0], n[1:], None, None) for n in (a, b)}
    return Hop(lv[a], lv[b], match, match, "forward", f"x:{a}{b}", None, [], None, weight)


def test_longer_chain_is_weaker_by_the_hop_factor():
    one_hop = chain_of([_hop("A1", "B1", "close", 0.9)])
    two_hops = chain_of([_hop("A1", "B1", "close", 0.9), _hop("B1", "C1", "exact", 1.0)])
    assert one_hop.strength == 0.9
    assert two_hops.strength == pytest.approx(0.9 * 1.0 * HOP_FACTOR)
    assert two_hops.strength < one_hop.strength
    assert (two_hops.match, two_hops.via, two_hops.path) == ("close", ["B"], "A 1 -> B 1 -> C 1")


# -- bundled data: the pair at a glance, and every target ------------------------------------------
def test_matrix_nzqf_eqf(net):
    matrix = net.matrix("NZQF", "EQF")
    assert [r.level.notation for r in matrix.rows] == [str(n) for n in range(1, 11)]
    rows = {r.level.notation: r for r in matrix.rows}
    assert rows["8"].status == "no-match-by-agreement" and rows["8"].cells == []
    assert rows["8"].reason.startswith("No match")
    assert [c.level.name for c in rows["3"].cells] == ["EQF 4"]
    assert [c.level.name for c in rows["4"].cells] == ["EQF 4"]
    assert [c.level.name for c in rows["7"].cells][0] == "EQF 6"
    assert "id:report/nzqcf-eqf" in [r.id for r in matrix.reports]


def test_compare_all_targets(net):
    comparison = net.compare("AQF:7", "all")
    codes = [t.code for t in comparison.targets]
    assert {"EQF", "NZQCF", "HKQF"} <= set(codes)
    assert "AQF" not in codes
    by_target = {c.target.code: c for c in comparison.comparisons}
    assert names(by_target["NZQCF"].matches)[0] == "NZQCF 7"
    assert names(by_target["HKQF"].matches)[0] == "HKQF 5"


# -- synthetic fixture: it loads, valid, and works on its own ---------------------------------------
def test_fixture_is_valid_on_the_bundled_data(synthetic_load):
    _, result = synthetic_load
    assert result.report.conforms
    assert result.report.results == []  # no warning either
    assert result.triples > 0


def test_fixture_records_are_marked_illustrative(synthetic_load):
    rows = synthetic_load[0].select("""
        PREFIX mc: <https://w3id.org/mcgraph/ns#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?s ?comment WHERE {
          GRAPH <https://w3id.org/mcgraph/graph/local/synthetic> {
            VALUES ?type { mc:NationalQualificationsFramework mc:ReferencingReport }
            ?s a ?type . OPTIONAL { ?s rdfs:comment ?comment } } }""")
    assert len(rows) == 15  # 8 frameworks, 7 reports
    assert {r["comment"].value for r in rows} == {"Illustrative test data, not a real framework"}


def test_fixture_alone_gives_the_same_answers(syn):
    store = OxigraphStore("memory")
    try:
        assert load_files(store, [SYNTHETIC]).report.conforms
        alone = ReferencingNetwork.load(store)
        assert len(alone.frameworks) == 8
        for source, target in [("TEST-A:1", "TEST-C"), ("TEST-A:5", "TEST-B"), ("TEST-F:2", "TEST-A")]:
            got, expected = one(alone, source, target), one(syn, source, target)
            assert (got.status, got.summary) == (expected.status, expected.summary)
    finally:
        store.close()


# -- synthetic fixture: (a) one-to-many and many-to-one --------------------------------------------
def test_one_to_many_narrow(syn):
    result = one(syn, "TEST-A:2", "TEST-B")
    assert names(result.matches) == ["TEST-B 2", "TEST-B 3"]
    for match in result.matches:
        assert (match.match, match.hops, match.strength) == ("narrow", 1, 0.75)
        assert report_ids(match.chains[0]) == ["id:report/test-a-b"]


@pytest.mark.parametrize("source", ["TEST-A:3", "TEST-A:4"])
def test_many_to_one_broad(syn, source):
    result = one(syn, source, "TEST-B", max_hops=1)
    assert names(result.matches) == ["TEST-B 4"]
    assert (result.matches[0].match, result.matches[0].strength) == ("broad", 0.75)


def test_many_to_one_read_backwards_is_one_to_many(syn):
    result = one(syn, "TEST-B:4", "TEST-A")
    assert names(result.matches) == ["TEST-A 3", "TEST-A 4"]
    assert {m.match for m in result.matches} == {"narrow"}


# -- synthetic fixture: (b) chain ranking -----------------------------------------------------------
def test_strongest_chain_ranks_first(syn):
    result = one(syn, "TEST-A:1", "TEST-C")
    [match] = result.matches
    assert match.level.name == "TEST-C 1" and match.chains_found == 2
    best, weaker = match.chains
    assert (best.via, best.match, best.strength) == (["TEST-B"], "exact", 0.8)  # 1.0 x 1.0 x 0.8
    assert report_ids(best) == ["id:report/test-a-b", "id:report/test-b-c"]
    # broad x draft (0.75 x 0.6), then exact x comparison (0.9), times the hop factor
    assert (weaker.via, weaker.match, weaker.strength) == (["TEST-D"], "broad", 0.324)
    assert weaker.hops[0].report.status == "draft"
    assert (match.match, match.strength, match.hops) == ("exact", 0.8, 2)


def test_direct_chain_outranks_a_longer_one(syn):
    [match] = one(syn, "TEST-A:1", "TEST-B").matches
    assert [c.path for c in match.chains] == [
        "TEST-A 1 -> TEST-B 1", "TEST-A 1 -> TEST-D 1 -> TEST-C 1 -> TEST-B 1"]
    assert [c.strength for c in match.chains] == [1.0, 0.2592]


def test_chains_are_ordered_by_strength_not_length(syn):
    """A direct draft row (broad or narrow 0.75 x draft 0.6 = 0.45) beats a three-hop chain with a
    narrow row (0.432) but loses to a three-hop chain of exact rows (0.576)."""
    [d2, _] = one(syn, "TEST-A:2", "TEST-D").matches
    assert [(c.path, c.strength) for c in d2.chains] == [
        ("TEST-A 2 -> TEST-D 2", 0.45), ("TEST-A 2 -> TEST-B 2 -> TEST-C 2 -> TEST-D 2", 0.432)]
    [d1] = one(syn, "TEST-A:1", "TEST-D").matches
    assert [(c.path, c.strength) for c in d1.chains] == [
        ("TEST-A 1 -> TEST-B 1 -> TEST-C 1 -> TEST-D 1", 0.576), ("TEST-A 1 -> TEST-D 1", 0.45)]
    assert (d1.match, d1.hops) == ("exact", 3)


# -- synthetic fixture: (c) maximum chain length ----------------------------------------------------
def test_too_short_max_hops_names_the_needed_length(syn):
    result = one(syn, "TEST-A:1", "TEST-E", max_hops=2)
    assert result.status == "no-chain"
    assert result.matches == []
    assert result.findings[0].message == (
        "no chain of at most 2 referencing reports leads from TEST-A to TEST-E; "
        "the shortest chain has 3 reports (raise max hops to 3)")


def test_three_hops_reach_e(syn):
    result = one(syn, "TEST-A:1", "TEST-E", max_hops=3)
    assert result.status == "matched"
    assert names(result.matches) == ["TEST-E 1"]
    best = result.matches[0].chains[0]
    assert best.path == "TEST-A 1 -> TEST-B 1 -> TEST-C 1 -> TEST-E 1"
    assert best.strength == 0.576  # 1.0 x (1.0 x 0.8) x (0.9 x 0.8)


def test_compare_all_respects_max_hops(syn):
    assert "TEST-E" not in [t.code for t in syn.compare("TEST-A:1", "all", max_hops=2).targets]
    assert "TEST-E" in [t.code for t in syn.compare("TEST-A:1", "all", max_hops=3).targets]


# -- synthetic fixture: (d) a no-match by agreement overrides indirect chains -----------------------
def test_direct_no_match_sets_indirect_chains_aside(syn):
    result = one(syn, "TEST-A:5", "TEST-B")
    assert result.status == "no-match-by-agreement"
    assert result.matches == []
    assert names(result.set_aside) == ["TEST-B 5"]
    assert result.set_aside[0].chains[0].path == "TEST-A 5 -> TEST-D 5 -> TEST-C 5 -> TEST-B 5"
    lead = result.findings[0]
    assert (lead.correspondence, [r.id for r in lead.reports]) == (
        "id:correspondence/test-a-b-5", ["id:report/test-a-b"])
    assert result.summary.startswith("No match: TEST-A 5 has no counterpart in TEST-B by agreement")


def test_no_match_with_another_framework_does_not_override(syn):
    """A 5's agreement concerns B, not C: the chain through D still answers for C."""
    result = one(syn, "TEST-A:5", "TEST-C")
    assert result.status == "matched"
    assert names(result.matches) == ["TEST-C 5"]
    assert result.matches[0].chains[0].via == ["TEST-D"]
    assert result.set_aside == []


# -- synthetic fixture: (e), (f), (g) no answer, and why ---------------------------------------------
@pytest.mark.parametrize(("source", "target"), [("TEST-H:1", "TEST-A"), ("TEST-A:1", "TEST-H")])
def test_table_not_in_graph(syn, source, target):
    result = one(syn, source, target)
    assert result.status == "table-not-in-graph"
    [report] = result.findings[0].reports
    assert (report.id, report.level_table, report.status, report.issued) == (
        "id:report/test-h-a", "not-in-graph", "endorsed", "2024")


def test_whole_framework_without_table(syn):
    comparison = syn.compare("TEST-H", "TEST-A")
    assert [(c.level.name, c.status) for c in comparison.comparisons] == [
        ("TEST-H 1", "table-not-in-graph"), ("TEST-H 2", "table-not-in-graph")]


def test_partial_table_missing_a_level(syn):
    result = one(syn, "TEST-F:2", "TEST-A")
    assert result.status == "not-in-level-table"
    [report] = result.findings[0].reports
    assert (report.id, report.level_table) == ("id:report/test-f-a", "partial")
    assert "TEST-F 2 has no row in the TEST-A level table" in result.findings[0].message
    assert names(one(syn, "TEST-F:3", "TEST-A").matches) == ["TEST-A 3"]


@pytest.mark.parametrize(("source", "target"), [("TEST-G:1", "TEST-A"), ("TEST-A:1", "TEST-G")])
def test_not_referenced(syn, source, target):
    result = one(syn, source, target)
    assert result.status == "not-referenced"
    assert result.findings[0].message.startswith("TEST-G has never been referenced")


# -- synthetic fixture: (h) reverse walks -----------------------------------------------------------
def test_reverse_walk_reads_broad_as_narrow(syn):
    [d2, d3] = one(syn, "TEST-A:2", "TEST-D").matches
    assert [d2.level.name, d3.level.name] == ["TEST-D 2", "TEST-D 3"]
    hop = d2.chains[0].hops[0]
    assert (hop.direction, hop.stated_match, hop.match) == ("reverse", "broad", "narrow")
    assert (hop.from_level.name, hop.to_level.name) == ("TEST-A 2", "TEST-D 2")
    assert hop.correspondence == "id:correspondence/test-d-a-2"
    assert hop.weight == 0.45  # narrow 0.75 x draft 0.6 x high 1.0


def test_reverse_walk_reads_narrow_as_broad(syn):
    [match] = one(syn, "TEST-A:1", "TEST-D").matches
    [direct] = [c for c in match.chains if len(c.hops) == 1]  # not the strongest: 0.45 < 0.576 via B, C
    hop = direct.hops[0]
    assert (hop.direction, hop.stated_match, hop.match) == ("reverse", "narrow", "broad")


def test_forward_walk_keeps_the_stated_match(syn):
    hop = one(syn, "TEST-A:2", "TEST-B").matches[0].chains[0].hops[0]
    assert (hop.direction, hop.stated_match, hop.match) == ("forward", "narrow", "narrow")
