"""The `mcgraph` command as a user runs it: a real process, a real store on disk, exit codes."""
from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, mcgraph

VALID = FIXTURES / "valid-credential.ttl"
INVALID = FIXTURES / "invalid-credential.ttl"


@pytest.fixture()
def writable(initialised: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "store"
    shutil.copytree(initialised, copy)
    return copy


def quads(store: Path) -> list[str]:
    result = mcgraph("export", "--format", "nq", store=store)
    assert result.returncode == 0, result.stderr
    return sorted(result.stdout.splitlines())


def test_init_loads_ontology_shapes_and_every_bundled_file(initialised: Path) -> None:
    listed = mcgraph("graphs", "list", store=initialised).stdout
    assert "graph/ontology" in listed
    for path in (ROOT / "data").rglob("*.ttl"):
        graph = path.relative_to(ROOT / "data").with_suffix("").as_posix()
        assert f"graph/data/{graph}" in listed, graph


def test_query_by_name_with_params_in_csv(initialised: Path) -> None:
    result = mcgraph("query", "levels-of-framework", "--param", "framework=id:framework/aqf",
                     "--format", "csv", store=initialised)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 10


@pytest.mark.parametrize("fmt,check", [
    ("json", lambda out: json.loads(out)["head"]["vars"]),
    ("tsv", lambda out: out.startswith("?")),
    ("table", lambda out: "AQF" in out or "aqf" in out),
])
def test_query_formats(initialised: Path, fmt: str, check) -> None:
    result = mcgraph("query", "levels-of-framework", "-p", "framework=id:framework/aqf", "--format", fmt,
                     store=initialised)
    assert result.returncode == 0, result.stderr
    assert check(result.stdout)


def test_query_from_a_file(initialised: Path, tmp_path: Path) -> None:
    path = tmp_path / "count.rq"
    path.write_text("#+ title: Count levels\nSELECT (COUNT(?l) AS ?n) WHERE { ?l a mc:Level }\n")
    result = mcgraph("query", str(path), "--format", "csv", store=initialised)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.splitlines()[1]) > 100


def test_query_gives_one_page_with_limit_and_offset(initialised: Path, tmp_path: Path) -> None:
    def levels(*paging: str) -> list[str]:
        result = mcgraph("query", "levels-of-framework", "-p", "framework=id:framework/aqf", "--format", "csv",
                         *paging, store=initialised)
        assert result.returncode == 0, result.stderr
        return [row["level"] for row in csv.DictReader(io.StringIO(result.stdout))]

    every = levels()
    assert len(every) == 10
    assert levels("--limit", "3", "--offset", "2") == every[2:5]
    assert levels("--offset", "8") == every[8:]
    refused = mcgraph("query", "levels-of-framework", "--limit", "-1", store=initialised)
    assert refused.returncode == 2 and "limit must be a non-negative integer" in refused.stderr
    path = tmp_path / "first.rq"
    path.write_text("#+ title: First level\nSELECT ?l WHERE { ?l a mc:Level } LIMIT 1\n")
    refused = mcgraph("query", str(path), "--limit", "5", store=initialised)
    assert refused.returncode == 2 and "already has LIMIT" in refused.stderr


def test_queries_lists_the_catalogue(initialised: Path) -> None:
    out = mcgraph("queries", store=initialised).stdout
    for path in (ROOT / "queries").glob("*.rq"):
        assert path.stem in out


def test_stats(initialised: Path) -> None:
    out = mcgraph("stats", store=initialised).stdout
    assert "mc:Level" in out and "triples in" in out


def test_validate_conformant_file_exits_0(initialised: Path) -> None:
    result = mcgraph("validate", str(VALID), store=initialised)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "conforms" in result.stdout


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown", "turtle"])
def test_validate_nonconformant_file_exits_1_with_a_report(initialised: Path, fmt: str) -> None:
    result = mcgraph("validate", str(INVALID), "--format", fmt, store=initialised)
    assert result.returncode == 1, result.stderr
    assert "Violation" in result.stdout or "violation" in result.stdout


def test_validate_with_a_profile(initialised: Path) -> None:
    plain = mcgraph("validate", str(VALID), "--format", "json", store=initialised)
    profiled = mcgraph("validate", str(VALID), "--profile", "eu-standard-elements", "--format", "json",
                       store=initialised)
    assert json.loads(profiled.stdout)["profiles"] == ["eu-standard-elements"]
    assert len(json.loads(profiled.stdout)["results"]) > len(json.loads(plain.stdout)["results"])


def test_load_then_graphs_then_drop(writable: Path) -> None:
    result = mcgraph("load", str(VALID), store=writable)
    assert result.returncode == 0, result.stderr
    assert "graph/local/valid-credential" in mcgraph("graphs", "list", store=writable).stdout
    dropped = mcgraph("graphs", "drop", "https://w3id.org/mcgraph/graph/local/valid-credential", store=writable)
    assert dropped.returncode == 0, dropped.stderr
    assert "valid-credential" not in mcgraph("graphs", "list", store=writable).stdout


def test_rejected_load_exits_1_and_changes_nothing(writable: Path) -> None:
    before = quads(writable)
    result = mcgraph("load", str(VALID), str(INVALID), store=writable)
    assert result.returncode == 1
    assert "does not conform" in result.stderr
    assert quads(writable) == before  # the valid file of the same submission was not stored either


def test_syntax_error_exits_2_naming_file_line_column(writable: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix mc: <https://w3id.org/mcgraph/ns#> .\n\nmc:a mc:b .\n")
    before = quads(writable)
    result = mcgraph("load", str(broken), store=writable)
    assert result.returncode == 2
    assert f"{broken}:3:" in result.stderr
    assert quads(writable) == before


@pytest.mark.parametrize("args", [["query", "no-such-query"], ["load"], ["validate", "x.ttl", "--format", "yaml"],
                                  ["query", "levels-of-framework", "--param", "framework"],
                                  ["graphs", "drop", "https://example.org/none"], ["frobnicate"]])
def test_usage_errors_exit_2(initialised: Path, args: list[str]) -> None:
    assert mcgraph(*args, store=initialised).returncode == 2


def test_reason_without_java_exits_3(initialised: Path, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"  # a PATH with python's own folder but no java
    bin_dir.mkdir()
    result = mcgraph("reason", store=initialised, env={"PATH": str(bin_dir)})
    assert result.returncode == 3, result.stdout + result.stderr
    assert "Java" in result.stderr


@pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs Java (apt-get install default-jre-headless)")
def test_reason_with_java_reports_consistent(initialised: Path) -> None:
    result = mcgraph("reason", store=initialised)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "consistent" in result.stdout


def test_query_table_shows_parameters_in_the_title_not_in_every_row(initialised: Path) -> None:
    result = mcgraph("query", "levels-of-framework", "-p", "framework=id:framework/aqf", store=initialised)
    assert result.returncode == 0, result.stderr
    assert "framework = id:framework/aqf" in result.stdout
    assert result.stdout.count("id:framework/aqf") == 1  # not repeated in a column
    assert "id:level/aqf-7" in result.stdout


def test_every_command_is_documented_in_the_readme() -> None:
    from mcgraph.cli import app, graphs_app

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    names += [f"graphs {c.name}" for c in graphs_app.registered_commands]
    assert len(names) > 10
    for name in names:
        assert f"`mcgraph {name}" in readme, name


# -- compare ------------------------------------------------------------------------------------------
def test_compare_table_shows_the_chain_and_its_reports(initialised: Path) -> None:
    result = mcgraph("compare", "AQF:9", "--to", "HKQF", store=initialised)
    assert result.returncode == 0, result.stderr
    assert "AQF 9 compared with HKQF" in result.stdout
    assert "AQF 9 -> NZQCF 9 -> HKQF 6" in result.stdout
    assert "AQF-NZQCF report (comparison, 2015)" in result.stdout
    assert "NZQCF-HKQF report (comparison, 2018-08)" in result.stdout


def test_compare_json_is_the_library_result(initialised: Path) -> None:
    result = mcgraph("compare", "NZQF:8", "--to", "EQF", "--format", "json", store=initialised)
    assert result.returncode == 0, result.stderr
    (item,) = json.loads(result.stdout)["comparisons"]
    assert item["status"] == "no-match-by-agreement" and item["matches"] == []
    assert item["findings"][0]["correspondence"] == "id:correspondence/nzqcf-eqf-8"


def test_compare_a_framework_to_all_as_csv(initialised: Path) -> None:
    result = mcgraph("compare", "AQF", "--to", "all", "--max-hops", "2", "--format", "csv", store=initialised)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    found = {(r["level"], r["target_level"]) for r in rows if r["status"] == "matched"}
    assert {("AQF 7", "EQF 6"), ("AQF 9", "HKQF 6"), ("AQF 1", "NZQCF 1")} <= found
    stopped = [r for r in rows if r["level"] == "AQF 8" and r["target"] == "HKQF"]
    assert [r["status"] for r in stopped] == ["no-match-in-chain"] and "after AQF 8 -> NZQCF 8" in stopped[0]["reason"]
    assert not any(r["level"] == "AQF 8" and r["target_level"].startswith("EQF") for r in rows)


@pytest.mark.parametrize("args,message", [
    (["compare", "XQF:1", "--to", "EQF"], "no framework 'XQF'"),
    (["compare", "AQF:7", "--to", "PQF"], "names several frameworks"),
    (["compare", "AQF:7", "--to", "EQF", "--format", "xml"], "unknown format"),
    (["compare", "AQF:7", "--to", "EQF", "--max-hops", "9"], "max hops must be between 1 and 6"),
])
def test_compare_usage_errors_exit_2(initialised: Path, args: list[str], message: str) -> None:
    result = mcgraph(*args, store=initialised)
    assert result.returncode == 2 and message in result.stderr


def test_compare_on_an_empty_store_says_to_init(tmp_path: Path) -> None:
    result = mcgraph("compare", "AQF:7", "--to", "EQF", store=tmp_path / "empty")
    assert result.returncode == 2 and "mcgraph init" in result.stderr


def test_check_referencing_reports_per_framework(initialised: Path) -> None:
    result = mcgraph("check-referencing", "--format", "json", store=initialised)
    assert result.returncode == 0, result.stderr
    by_code = {r["framework"]["code"]: r for r in json.loads(result.stdout)}
    assert {"AQF", "NZQCF", "EQF", "MQF", "AQRF"} <= set(by_code)
    assert [f["check"] for f in by_code["MQF"]["findings"]] == ["no-level-table"]
    table = mcgraph("check-referencing", "NFQ", store=initialised)
    assert table.returncode == 0 and "one-to-many" in table.stdout and "report-without-date" in table.stdout
