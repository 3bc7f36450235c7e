from __future__ import annotations

import csv
import io
import json

import pytest
from rdflib import Graph, Namespace
from rdflib.namespace import RDF

from mcgraph.report import FORMATS, ValidationReport, ValidationResult, render

SH = Namespace("http://www.w3.org/ns/shacl#")


def result(severity: str, focus: str, message: str, path: str | None = "http://purl.org/dc/terms/title",
           value: str | None = None) -> ValidationResult:
    return ValidationResult(severity, focus, f"Label | of {focus.rsplit('/', 1)[-1]}", path, value, message,
                            "https://w3id.org/mcgraph/shapes#CredentialShape", "Credential",
                            "http://www.w3.org/ns/shacl#MinCountConstraintComponent")


@pytest.fixture()
def report() -> ValidationReport:
    return ValidationReport(results=[
        result("Warning", "https://w3id.org/mcgraph/id/credential/b", "A source is recommended."),
        result("Violation", "https://w3id.org/mcgraph/id/credential/a", "A credential needs a title.", value="x"),
        result("Violation", "https://w3id.org/mcgraph/id/credential/c", "A credential needs a title."),
    ], files=["a.ttl"])


def test_conformance_depends_on_violations_only(report: ValidationReport) -> None:
    assert not report.conforms
    assert report.summary_line() == "does not conform (2 violations, 1 warning, 0 infos)"
    warnings_only = ValidationReport(results=[r for r in report.results if r.severity == "Warning"])
    assert warnings_only.conforms


def test_summary_groups_by_shape_path_and_message(report: ValidationReport) -> None:
    assert report.by_shape()[0] == ("Violation", "mcsh:CredentialShape", "dct:title",
                                    "A credential needs a title.", 2)


def test_json_rendering(report: ValidationReport) -> None:
    body = json.loads(render(report, "json"))
    assert body["conforms"] is False
    assert body["summary"] == {"violation": 2, "warning": 1, "info": 0}
    assert [r["severity"] for r in body["results"]] == ["Violation", "Violation", "Warning"]
    assert body["results"][0]["focus"] == "https://w3id.org/mcgraph/id/credential/a"


def test_csv_rendering(report: ValidationReport) -> None:
    rows = list(csv.DictReader(io.StringIO(render(report, "csv"))))
    assert len(rows) == 3 and rows[0]["path"] == "dct:title" and rows[0]["value"] == "x"


def test_markdown_rendering_escapes_pipes(report: ValidationReport) -> None:
    text = render(report, "markdown")
    assert "**does not conform (2 violations, 1 warning, 0 infos)**" in text
    assert "Label \\| of a" in text
    assert text.count("\n| Violation |") == 3  # one summary row + two result rows


def test_turtle_rendering_is_a_shacl_validation_report(report: ValidationReport) -> None:
    g = Graph().parse(data=render(report, "turtle"), format="turtle")
    node = g.value(predicate=RDF.type, object=SH.ValidationReport)
    assert g.value(node, SH.conforms).toPython() is False
    assert len(list(g.objects(node, SH.result))) == 3
    assert len(list(g.subjects(SH.resultSeverity, SH.Violation))) == 2


def test_every_format_renders_and_unknown_is_refused(report: ValidationReport) -> None:
    for fmt in FORMATS:
        assert render(report, fmt)
    with pytest.raises(ValueError):
        render(report, "yaml")
