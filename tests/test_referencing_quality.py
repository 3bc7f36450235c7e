"""Referencing quality checks: findings the bundled data really has, and one defective fixture per check."""
from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from mcgraph.errors import UnknownResource
from mcgraph.ingest import init_store
from mcgraph.namespaces import GRAPH
from mcgraph.rdfio import parse_file
from mcgraph.referencing import ReferencingNetwork
from mcgraph.referencing_quality import CHECKS, FrameworkQuality, QualityFinding, check_referencing
from mcgraph.resources import ontology_file
from mcgraph.store import OxigraphStore, open_store

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "referencing-quality"


# -- the bundled data ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bundled_network() -> ReferencingNetwork:
    store = open_store("memory")
    init_store(store)
    network = ReferencingNetwork.load(store)
    store.close()
    return network


@pytest.fixture(scope="module")
def bundled(bundled_network: ReferencingNetwork) -> dict[str, FrameworkQuality]:
    return {q.framework.code: q for q in check_referencing(bundled_network)}


def checks_of(quality: FrameworkQuality) -> list[tuple[str, str, str | None]]:
    return [(f.check, f.severity, f.report) for f in quality.findings]


def test_bundled_frameworks_in_reports_sorted_by_code(bundled: dict[str, FrameworkQuality]) -> None:
    assert list(bundled) == ["AQF", "AQRF", "EQF", "HKQF", "KKNI", "MQF", "NFQ", "NQF-TH", "NZQCF", "PQF-PH"]


def test_bundled_counts(bundled: dict[str, FrameworkQuality]) -> None:
    nz = bundled["NZQCF"].counts
    assert (nz.levels, nz.declared_levels, nz.reports, nz.correspondences) == (10, 10, 4, 41)
    aqrf = bundled["AQRF"].counts
    assert (aqrf.levels, aqrf.declared_levels, aqrf.reports, aqrf.correspondences) == (8, 8, 4, 0)
    th = bundled["NQF-TH"].counts
    assert (th.levels, th.declared_levels, th.reports, th.correspondences) == (0, None, 1, 0)


def test_bundled_nzqcf_7_spans_nfq_7_and_8(bundled: dict[str, FrameworkQuality]) -> None:
    for code in ("NZQCF", "NFQ"):  # a report finding is listed under both of its frameworks
        [finding] = bundled[code].of_check("one-to-many")
        assert finding.severity == "info"
        assert finding.report == "id:report/nzqcf-nfq-ie"
        assert finding.levels == ["id:level/nzqcf-7", "id:level/nfq-ie-7", "id:level/nfq-ie-8"]
        assert finding.correspondences == ["id:correspondence/nzqcf-nfq-ie-7-7", "id:correspondence/nzqcf-nfq-ie-7-8"]
        assert "NZQCF 7 corresponds to NFQ 7 and NFQ 8" in finding.message


def test_bundled_eqf_1_never_reached_from_nzqcf(bundled: dict[str, FrameworkQuality]) -> None:
    [finding] = bundled["EQF"].of_check("level-without-correspondence")
    assert (finding.severity, finding.report, finding.levels) == ("info", "id:report/nzqcf-eqf", ["id:level/eqf-1"])
    assert finding.message.startswith("EQF 1 is not reached by any NZQCF level")


def test_bundled_nfq_1_and_2_never_reached_from_nzqcf(bundled: dict[str, FrameworkQuality]) -> None:
    [finding] = bundled["NFQ"].of_check("level-without-correspondence")
    assert (finding.severity, finding.report) == ("info", "id:report/nzqcf-nfq-ie")
    assert finding.levels == ["id:level/nfq-ie-1", "id:level/nfq-ie-2"]


def test_bundled_complete_tables_cover_every_source_level(bundled: dict[str, FrameworkQuality]) -> None:
    for code in ("AQF", "NZQCF", "HKQF"):
        assert bundled[code].of_check("level-without-correspondence") == []


def test_bundled_mqf_referenced_without_level_table(bundled: dict[str, FrameworkQuality]) -> None:
    assert checks_of(bundled["MQF"]) == [("no-level-table", "info", "id:report/mqf-aqrf")]
    assert "MQF is referenced, but no level table is in the graph" in bundled["MQF"].findings[0].message
    assert [f.report for f in bundled["AQRF"].of_check("no-level-table")] == [
        "id:report/kkni-aqrf", "id:report/mqf-aqrf", "id:report/nqf-th-aqrf", "id:report/pqf-ph-aqrf"]


def test_bundled_reports_without_date(bundled: dict[str, FrameworkQuality]) -> None:
    dates = {code: [f.report for f in q.of_check("report-without-date")] for code, q in bundled.items()}
    assert {code: reports for code, reports in dates.items() if reports} == {
        "AQRF": ["id:report/nqf-th-aqrf"], "NQF-TH": ["id:report/nqf-th-aqrf"],
        "NFQ": ["id:report/nzqcf-nfq-ie"], "NZQCF": ["id:report/nzqcf-nfq-ie"]}
    assert all(f.severity == "warning" for q in bundled.values() for f in q.of_check("report-without-date"))


def test_bundled_nqf_th_has_no_levels(bundled: dict[str, FrameworkQuality]) -> None:
    assert checks_of(bundled["NQF-TH"]) == [("no-level-table", "info", "id:report/nqf-th-aqrf"),
                                            ("report-without-date", "warning", "id:report/nqf-th-aqrf"),
                                            ("levels-not-in-graph", "info", None)]


def test_bundled_data_has_none_of_the_structural_defects(bundled: dict[str, FrameworkQuality]) -> None:
    found = {f.check for q in bundled.values() for f in q.findings}
    assert found == {"no-level-table", "level-without-correspondence", "one-to-many", "report-without-date",
                     "levels-not-in-graph"}
    for check in ("inverted-order", "report-without-source", "many-to-one", "level-count-mismatch"):
        assert check not in found
    assert checks_of(bundled["AQF"]) == []
    assert checks_of(bundled["HKQF"]) == []


def test_named_framework_without_report(bundled_network: ReferencingNetwork) -> None:
    [quality] = check_referencing(bundled_network, "bqf")
    assert quality.framework.code == "BQF"
    assert [(f.check, f.severity) for f in quality.findings] == [("not-referenced", "info"),
                                                                 ("levels-not-in-graph", "info")]
    [nheqf] = check_referencing(bundled_network, "NHEQF")
    assert [(f.check, f.severity) for f in nheqf.findings] == [("not-referenced", "info")]
    assert (nheqf.counts.levels, nheqf.counts.declared_levels, nheqf.counts.reports) == (6, 6, 0)


def test_named_framework_by_any_token(bundled_network: ReferencingNetwork) -> None:
    by_code = check_referencing(bundled_network, "NZQCF")
    by_curie = check_referencing(bundled_network, "id:framework/nzqcf")
    assert [q.framework.code for q in by_code] == ["NZQCF"]
    assert by_code == by_curie
    with pytest.raises(UnknownResource):
        check_referencing(bundled_network, "no-such-framework")


# -- defective fixtures, loaded without SHACL validation ------------------------------------------
def network_of(*names: str) -> ReferencingNetwork:
    """The ontology, base.ttl and the named fixtures in a memory store, committed without validation."""
    store = OxigraphStore("memory")
    graphs: dict[str, list[ox.Quad] | None] = {
        GRAPH + "ontology": parse_file(ontology_file(), ox.NamedNode(GRAPH + "ontology"))}
    for name in ("base", *names):
        graph = GRAPH + "local/" + name
        graphs[graph] = parse_file(FIXTURES / f"{name}.ttl", ox.NamedNode(graph))
    store.commit(graphs, [], replace=True)
    network = ReferencingNetwork.load(store)
    store.close()
    return network


def quality_of(network: ReferencingNetwork, code: str) -> FrameworkQuality:
    return next(q for q in check_referencing(network) if q.framework.code == code)


def only(quality: FrameworkQuality, check: str) -> QualityFinding:
    [finding] = quality.of_check(check)
    return finding


def test_clean_fixture_has_no_findings() -> None:
    net = network_of("clean")
    assert [(q.framework.code, q.findings) for q in check_referencing(net)] == [("QA", []), ("QB", [])]


def test_level_without_correspondence_from_side_is_a_warning() -> None:
    net = network_of("level-without-correspondence")
    finding = only(quality_of(net, "QA"), "level-without-correspondence")
    assert (finding.severity, finding.levels, finding.report) == ("warning", ["id:level/qa-4"], "id:report/gaps")
    assert finding.message.startswith("QA 4 is in no row of the QA -> QB report 'gaps'")


def test_level_without_correspondence_to_side_is_info() -> None:
    net = network_of("level-without-correspondence")
    finding = only(quality_of(net, "QB"), "level-without-correspondence")
    assert (finding.severity, finding.levels, finding.report) == ("info", ["id:level/qb-4"], "id:report/gaps")
    assert finding.message.startswith("QB 4 is not reached by any QA level")


def test_partial_table_is_not_counted_against_levels() -> None:
    net = network_of("partial-table")
    assert [(q.framework.code, q.findings) for q in check_referencing(net)] == [("QA", []), ("QB", [])]


def test_no_level_table() -> None:
    net = network_of("report-without-source-and-date")
    for code in ("QA", "QB"):
        finding = only(quality_of(net, code), "no-level-table")
        assert (finding.severity, finding.report) == ("info", "id:report/undocumented")
        assert f"{code} is referenced, but no level table is in the graph" in finding.message
    # a table elsewhere is enough: the framework is then not "referenced without a table"
    both = network_of("report-without-source-and-date", "clean")
    assert quality_of(both, "QA").of_check("no-level-table") == []


def test_inverted_order() -> None:
    net = network_of("inverted-order")
    for code in ("QA", "QB"):
        finding = only(quality_of(net, code), "inverted-order")
        assert finding.severity == "warning"
        assert finding.levels == ["id:level/qa-2", "id:level/qb-3", "id:level/qa-3", "id:level/qb-2"]
        assert finding.correspondences == ["id:correspondence/inverted-2", "id:correspondence/inverted-3"]
        assert finding.report == "id:report/inverted"
        assert "QA 2 -> QB 3, but the higher QA 3 -> the lower QB 2" in finding.message
    assert [f.check for f in quality_of(net, "QA").findings] == ["inverted-order"]


def test_one_to_many_is_info() -> None:
    net = network_of("one-to-many")
    finding = only(quality_of(net, "QA"), "one-to-many")
    assert (finding.severity, finding.report) == ("info", "id:report/fan-out")
    assert finding.levels == ["id:level/qa-1", "id:level/qb-1", "id:level/qb-2"]
    assert finding.correspondences == ["id:correspondence/fan-out-1a", "id:correspondence/fan-out-1b"]
    assert [f.check for f in quality_of(net, "QA").findings] == ["one-to-many"]
    assert only(quality_of(net, "QB"), "one-to-many") == finding


def test_one_to_many_with_an_exact_match_is_a_warning() -> None:
    net = network_of("one-to-many-exact")
    finding = only(quality_of(net, "QA"), "one-to-many")
    assert (finding.severity, finding.report) == ("warning", "id:report/fan-out-exact")
    assert "id:correspondence/fan-out-exact-1a is an exact match" in finding.message


def test_many_to_one_with_exact_match() -> None:
    net = network_of("many-to-one")
    finding = only(quality_of(net, "QB"), "many-to-one")
    assert (finding.severity, finding.report) == ("warning", "id:report/fan-in")
    assert finding.levels == ["id:level/qa-1", "id:level/qa-2", "id:level/qb-1"]
    assert finding.correspondences == ["id:correspondence/fan-in-1", "id:correspondence/fan-in-2"]
    assert "QA 1 and QA 2 all correspond to QB 1" in finding.message
    assert [f.check for f in quality_of(net, "QA").findings] == ["many-to-one"]


def test_many_to_one_broad_is_not_reported() -> None:
    net = network_of("many-to-one-broad")
    assert quality_of(net, "QA").findings == []
    assert [(f.check, f.levels) for f in quality_of(net, "QB").findings] == [
        ("level-without-correspondence", ["id:level/qb-4"])]


def test_report_without_source() -> None:
    net = network_of("report-without-source-and-date")
    for code in ("QA", "QB"):
        finding = only(quality_of(net, code), "report-without-source")
        assert (finding.severity, finding.report) == ("warning", "id:report/undocumented")
        assert "cites no source (dct:source)" in finding.message


def test_report_without_date() -> None:
    net = network_of("report-without-source-and-date")
    for code in ("QA", "QB"):
        finding = only(quality_of(net, code), "report-without-date")
        assert (finding.severity, finding.report) == ("warning", "id:report/undocumented")
        assert "has no date of issue (dct:issued)" in finding.message


def test_level_count_mismatch() -> None:
    net = network_of("level-count")
    finding = only(quality_of(net, "QD"), "level-count-mismatch")
    assert finding.severity == "warning"
    assert finding.levels == ["id:level/qd-1", "id:level/qd-2", "id:level/qd-3"]
    assert finding.message.startswith("QD declares 5 levels (mc:levelCount) but the graph has 3")
    assert quality_of(net, "QD").counts.declared_levels == 5


def test_levels_not_in_graph() -> None:
    net = network_of("level-count")
    qe = quality_of(net, "QE")
    assert [(f.check, f.severity) for f in qe.findings] == [("no-level-table", "info"), ("levels-not-in-graph", "info")]
    assert qe.findings[1].message == "QE declares 6 levels (mc:levelCount) but has no levels in the graph"
    assert qe.of_check("level-count-mismatch") == []


def test_every_check_id_is_documented() -> None:
    import mcgraph.referencing_quality as module

    for check in CHECKS:
        assert f"\n{check}" in module.__doc__ or f", {check}\n" in module.__doc__
