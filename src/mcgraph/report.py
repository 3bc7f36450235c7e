"""One typed validation report, rendered as a table, JSON, CSV, Markdown or Turtle."""
from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import asdict, dataclass, field

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, XSD

from .namespaces import PREFIXES, curie

SH = Namespace("http://www.w3.org/ns/shacl#")
SEVERITIES = ("Violation", "Warning", "Info")
FORMATS = ("table", "json", "csv", "markdown", "turtle")


@dataclass(frozen=True)
class ValidationResult:
    severity: str  # Violation | Warning | Info
    focus: str  # IRI or blank node id
    focus_label: str  # a human label, else a CURIE
    path: str | None
    value: str | None
    message: str
    shape: str  # source shape IRI (or blank node id)
    shape_label: str | None
    component: str  # constraint component IRI

    def row(self) -> dict[str, str]:
        return {
            "severity": self.severity,
            "focus": self.focus_label,
            "path": curie(self.path) if self.path else "",
            "value": self.value or "",
            "message": self.message,
            "shape": curie(self.shape),
        }


@dataclass
class ValidationReport:
    results: list[ValidationResult] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    profiles: list[str] = field(default_factory=list)
    triples: int = 0

    @property
    def conforms(self) -> bool:
        """Conformant unless a Violation is present; Warnings and Info only inform."""
        return not any(r.severity == "Violation" for r in self.results)

    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    def summary_line(self) -> str:
        parts = [f"{self.count(s)} {s.lower()}{'s' if self.count(s) != 1 else ''}" for s in SEVERITIES]
        verdict = "conforms" if self.conforms else "does not conform"
        return f"{verdict} ({', '.join(parts)})"

    def by_shape(self) -> list[tuple[str, str, str, str, int]]:
        """(severity, shape, path, message, count), most frequent first."""
        counts = Counter((r.severity, curie(r.shape), curie(r.path) if r.path else "", r.message)
                         for r in self.results)
        return [(*key, n) for key, n in counts.most_common()]

    def sorted_results(self) -> list[ValidationResult]:
        order = {s: i for i, s in enumerate(SEVERITIES)}
        return sorted(self.results, key=lambda r: (order.get(r.severity, 9), r.focus_label, r.path or ""))


def render(report: ValidationReport, fmt: str) -> str:
    """Render as one of FORMATS ('table' gives plain text; the CLI prints tables with rich)."""
    renderers = {"json": to_json, "csv": to_csv, "markdown": to_markdown, "turtle": to_turtle,
                 "table": to_text}
    if fmt not in renderers:
        raise ValueError(f"unknown report format {fmt!r}; expected one of {FORMATS}")
    return renderers[fmt](report)


def to_dict(report: ValidationReport) -> dict:
    return {
        "conforms": report.conforms,
        "summary": {s.lower(): report.count(s) for s in SEVERITIES},
        "files": report.files,
        "profiles": report.profiles,
        "triples": report.triples,
        "results": [asdict(r) for r in report.sorted_results()],
    }


def to_json(report: ValidationReport) -> str:
    return json.dumps(to_dict(report), indent=2, ensure_ascii=False)


def to_csv(report: ValidationReport) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["severity", "focus", "path", "value", "message", "shape"])
    writer.writeheader()
    for result in report.sorted_results():
        writer.writerow(result.row())
    return out.getvalue()


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(report: ValidationReport) -> str:
    lines = ["# Validation report", "", f"**{report.summary_line()}**", ""]
    if report.files:
        lines += ["Files: " + ", ".join(f"`{f}`" for f in report.files), ""]
    if report.results:
        lines += ["## Summary by shape", "", "| severity | shape | path | message | count |",
                  "|---|---|---|---|---|"]
        lines += [f"| {s} | `{sh}` | `{p}` | {_md(m)} | {n} |" for s, sh, p, m, n in report.by_shape()]
        lines += ["", "## Results", "", "| severity | focus | path | value | message |", "|---|---|---|---|---|"]
        for r in report.sorted_results():
            row = r.row()
            lines.append(f"| {row['severity']} | {_md(row['focus'])} | `{row['path']}` | "
                         f"{_md(row['value'])} | {_md(row['message'])} |")
    return "\n".join(lines) + "\n"


def to_text(report: ValidationReport) -> str:
    lines = [report.summary_line()]
    for s, sh, p, m, n in report.by_shape():
        lines.append(f"  {n:>5} x {s:<9} {sh}  {p}  {m}")
    for r in report.sorted_results():
        row = r.row()
        lines.append(f"{row['severity']:<9} {row['focus']}  {row['path']}  {row['value']}  {row['message']}")
    return "\n".join(lines) + "\n"


def _term(value: str) -> URIRef | BNode:
    return BNode(value[2:]) if value.startswith("_:") else URIRef(value)


def to_turtle(report: ValidationReport) -> str:
    """A W3C sh:ValidationReport."""
    g = Graph()
    for prefix, iri in PREFIXES.items():
        g.bind(prefix, iri)
    node = BNode()
    g.add((node, RDF.type, SH.ValidationReport))
    g.add((node, SH.conforms, Literal(report.conforms, datatype=XSD.boolean)))
    for r in report.sorted_results():
        res = BNode()
        g.add((node, SH.result, res))
        g.add((res, RDF.type, SH.ValidationResult))
        g.add((res, SH.resultSeverity, SH[r.severity]))
        g.add((res, SH.focusNode, _term(r.focus)))
        g.add((res, SH.resultMessage, Literal(r.message)))
        g.add((res, SH.sourceShape, _term(r.shape)))
        g.add((res, SH.sourceConstraintComponent, URIRef(r.component)))
        if r.path:
            g.add((res, SH.resultPath, _term(r.path)))
        if r.value is not None:
            g.add((res, SH.value, Literal(r.value)))
    return g.serialize(format="turtle")
