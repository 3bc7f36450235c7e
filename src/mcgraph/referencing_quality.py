"""Quality checks on the referencing data itself, reported per framework.

Everything is computed from a loaded ReferencingNetwork (no further queries). A framework is
checked when it takes part in at least one referencing report, or when it is named. Each finding
has a stable check id, a severity ("warning": the data is probably wrong or incomplete; "info":
allowed, but a reader of the data should know), a plain-language message naming the framework
codes, levels and report, and the nodes involved as CURIEs.

Checks (ids as in QualityFinding.check):

level-without-correspondence
    Only reports whose level table is complete (mc:TableComplete) count against levels; a partial
    table, or a table not in the graph, says nothing about levels without a row. A level "appears"
    in a report when it is either end of one of its correspondences (a no-match row counts).
    From side (the report's mc:fromFramework): every level should appear; those that do not are a
    warning. To side: levels no source level reaches are info (e.g. EQF 1 has no NZQCF
    counterpart): a complete table may leave target levels unreached.
no-level-table
    Info: the framework is referenced, but none of its reports has a level table in the graph
    (each is mc:TableNotInGraph, or declares no table and has no rows), so its levels cannot be
    compared through them.
inverted-order
    Warning: within one report, rows (a1 -> b1) and (a2 -> b2) with rank(a1) < rank(a2) but
    rank(b1) > rank(b2): the order of levels is inverted. Rows are read from the report's from
    framework to its to framework (a row stated the other way round is turned); no-match rows and
    levels without mc:rank are left out.
one-to-many
    A source level with two or more distinct target levels in one report. Info (allowed, e.g. a
    level spanning two levels of the other framework), but a warning when one of those rows is an
    exact match, since mc:ExactMatch means one to one.
many-to-one
    Warning: several source levels share one target level in one report and at least one of those
    rows is an exact match (mc:ExactMatch: "the source level's only target receives no other
    source level"). Shared targets without an exact match are what broad matches describe and are
    not reported.
report-without-source, report-without-date
    Warning: a report without dct:source, or without dct:issued.
level-count-mismatch
    Warning: the declared mc:levelCount differs from the number of the framework's levels in the
    graph (when it has at least one).
levels-not-in-graph
    Info: the framework has no levels in the graph (whether or not it declares mc:levelCount), so
    no count can be compared and no correspondence can start from it. This is kept apart from
    level-count-mismatch: frameworks are often recorded before their levels.
not-referenced
    Info, only for a framework named in check_referencing: it takes part in no referencing report.

Findings about a report (inverted-order, one-to-many, many-to-one, report-without-*) are listed
under both frameworks of the report; level findings only under the framework the levels belong to.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from .namespaces import curie
from .referencing import CorrespondenceRow, FrameworkRef, ReferencingNetwork, Report

WARNING, INFO = "warning", "info"
SEVERITIES = (WARNING, INFO)
CHECKS = ("not-referenced", "no-level-table", "level-without-correspondence", "inverted-order", "one-to-many",
          "many-to-one", "report-without-source", "report-without-date", "level-count-mismatch",
          "levels-not-in-graph")


@dataclass
class QualityFinding:
    check: str  # one of CHECKS
    severity: str  # warning | info
    message: str
    levels: list[str] = field(default_factory=list)  # CURIEs
    report: str | None = None  # CURIE
    correspondences: list[str] = field(default_factory=list)  # CURIEs


@dataclass
class QualityCounts:
    levels: int  # levels of the framework in the graph
    declared_levels: int | None  # mc:levelCount, when declared
    reports: int  # referencing reports the framework takes part in
    correspondences: int  # rows of those reports


@dataclass
class FrameworkQuality:
    framework: FrameworkRef
    findings: list[QualityFinding]
    counts: QualityCounts

    def of_check(self, check: str) -> list[QualityFinding]:
        return [f for f in self.findings if f.check == check]

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == WARNING)


def check_referencing(network: ReferencingNetwork, framework: str | None = None) -> list[FrameworkQuality]:
    """Findings per framework: those in a referencing report, or only `framework` (any token
    ReferencingNetwork.framework accepts), sorted by code."""
    return _Checker(network).run(framework)


class _Checker:
    def __init__(self, net: ReferencingNetwork) -> None:
        self.net = net
        self.rows_by_report: dict[str, list[CorrespondenceRow]] = defaultdict(list)
        for row in net.rows:
            if row.report:
                self.rows_by_report[row.report].append(row)
        self.reports_of: dict[str, list[str]] = defaultdict(list)
        for report, pair in sorted(net.report_frameworks.items()):
            for fw in dict.fromkeys(f for f in pair if f in net.frameworks):
                self.reports_of[fw].append(report)

    def run(self, token: str | None) -> list[FrameworkQuality]:
        selected = [self.net.framework(token).iri] if token is not None else list(self.reports_of)
        per_report = {r: self._report_findings(r) for r in self.net.report_frameworks}
        result = []
        for fw in selected:
            reports = self.reports_of.get(fw, [])
            findings = self._framework_findings(fw, reports)
            for report in reports:
                findings += per_report[report]
            findings.sort(key=lambda f: (CHECKS.index(f.check), f.report or "", f.levels))
            counts = QualityCounts(len(self.net.levels_of(fw)), self.net.level_counts.get(fw), len(reports),
                                   sum(len(self.rows_by_report.get(r, [])) for r in reports))
            result.append(FrameworkQuality(self.net.frameworks[fw], findings, counts))
        return sorted(result, key=lambda q: (q.framework.code, q.framework.iri))

    # -- per framework -------------------------------------------------------------------------
    def _framework_findings(self, fw: str, reports: list[str]) -> list[QualityFinding]:
        code = self._code(fw)
        findings = []
        if not reports:
            findings.append(QualityFinding("not-referenced", INFO, f"{code} takes part in no referencing report "
                                           "in the graph: no report relates its levels to another framework"))
        elif not any(self._has_table(r) for r in reports):
            findings += [QualityFinding("no-level-table", INFO, f"{code} is referenced, but no level table is in "
                                        f"the graph: {self._describe(r)} has no rows", report=curie(r))
                         for r in reports]
        for report in reports:
            findings += self._unmatched_levels(fw, report)
        findings += self._level_count(fw)
        return findings

    def _has_table(self, report: str) -> bool:
        table = self.net.reports[report].level_table if report in self.net.reports else None
        return table in ("complete", "partial") or bool(self.rows_by_report.get(report))

    def _unmatched_levels(self, fw: str, report: str) -> list[QualityFinding]:
        info = self.net.reports.get(report)
        if info is None or info.level_table != "complete":
            return []
        from_fw = self.net.report_frameworks[report][0]
        seen = {lv for row in self.rows_by_report.get(report, []) for lv in (row.from_level, row.to_level) if lv}
        missing = [lv for lv in self.net.levels_of(fw) if lv not in seen]
        if not missing:
            return []
        names, code = self._names(missing), self._code(fw)
        verb = "is" if len(missing) == 1 else "are"
        if fw == from_fw:
            return [QualityFinding(
                "level-without-correspondence", WARNING,
                f"{names} {verb} in no row of {self._describe(report)}, whose level table is marked complete: "
                f"every {code} level should have a row (a match or a no-match)",
                [curie(lv) for lv in missing], curie(report))]
        other = self._code(from_fw)
        pronoun = "it" if len(missing) == 1 else "them"
        return [QualityFinding(
            "level-without-correspondence", INFO,
            f"{names} {verb} not reached by any {other} level in {self._describe(report)}: the table is complete, "
            f"so no {other} level corresponds to {pronoun}",
            [curie(lv) for lv in missing], curie(report))]

    def _level_count(self, fw: str) -> list[QualityFinding]:
        code, levels = self._code(fw), self.net.levels_of(fw)
        declared = self.net.level_counts.get(fw)
        if not levels:
            what = (f"declares {declared} levels (mc:levelCount) but" if declared is not None
                    else "declares no level count and")
            return [QualityFinding("levels-not-in-graph", INFO, f"{code} {what} has no levels in the graph")]
        if declared is not None and declared != len(levels):
            return [QualityFinding("level-count-mismatch", WARNING,
                                   f"{code} declares {declared} levels (mc:levelCount) but the graph has "
                                   f"{len(levels)}: {self._names(levels)}", [curie(lv) for lv in levels])]
        return []

    # -- per report ----------------------------------------------------------------------------
    def _report_findings(self, report: str) -> list[QualityFinding]:
        findings = []
        info = self.net.reports.get(report)
        if info is not None:
            if not info.sources:
                findings.append(QualityFinding("report-without-source", WARNING,
                                               f"{self._describe(report)} cites no source (dct:source)",
                                               report=curie(report)))
            if not info.issued:
                findings.append(QualityFinding("report-without-date", WARNING,
                                               f"{self._describe(report)} has no date of issue (dct:issued)",
                                               report=curie(report)))
        pairs = self._oriented(report)
        findings += self._inversions(report, pairs)
        findings += self._fan(report, pairs)
        return findings

    def _oriented(self, report: str) -> list[tuple[str, str, CorrespondenceRow]]:
        """Matched rows of a report as (from-side level, to-side level, row), known levels only."""
        from_fw, to_fw = self.net.report_frameworks.get(report, (None, None))
        result = []
        for row in self.rows_by_report.get(report, []):
            a, b = row.from_level, row.to_level
            if b is None or row.match == "none" or a not in self.net.levels or b not in self.net.levels:
                continue
            owner_a, owner_b = self.net.level_framework[a], self.net.level_framework[b]
            if owner_a == to_fw and owner_b == from_fw and from_fw != to_fw:
                a, b = b, a
            result.append((a, b, row))
        return result

    def _inversions(self, report: str, pairs: list[tuple[str, str, CorrespondenceRow]]) -> list[QualityFinding]:
        findings = []
        ranked = [(a, b, row) for a, b, row in pairs
                  if self.net.levels[a].rank is not None and self.net.levels[b].rank is not None]
        for (a1, b1, r1), (a2, b2, r2) in combinations(ranked, 2):
            ra1, ra2 = self.net.levels[a1].rank, self.net.levels[a2].rank
            rb1, rb2 = self.net.levels[b1].rank, self.net.levels[b2].rank
            if ra1 > ra2:
                (a1, b1, r1, ra1, rb1), (a2, b2, r2, ra2, rb2) = (a2, b2, r2, ra2, rb2), (a1, b1, r1, ra1, rb1)
            if ra1 < ra2 and rb1 > rb2:
                findings.append(QualityFinding(
                    "inverted-order", WARNING,
                    f"In {self._describe(report)} the order of levels is inverted: {self._name(a1)} -> "
                    f"{self._name(b1)}, but the higher {self._name(a2)} -> the lower {self._name(b2)}",
                    [curie(a1), curie(b1), curie(a2), curie(b2)], curie(report), [curie(r1.iri), curie(r2.iri)]))
        return findings

    def _fan(self, report: str, pairs: list[tuple[str, str, CorrespondenceRow]]) -> list[QualityFinding]:
        by_source: dict[str, list[tuple[str, CorrespondenceRow]]] = defaultdict(list)
        by_target: dict[str, list[tuple[str, CorrespondenceRow]]] = defaultdict(list)
        for a, b, row in pairs:
            by_source[a].append((b, row))
            by_target[b].append((a, row))
        findings = []
        for source, targets in by_source.items():
            distinct = self._ranked(dict.fromkeys(b for b, _ in targets))
            if len(distinct) < 2:
                continue
            exact = [row for _, row in targets if row.match == "exact"]
            rows = sorted(curie(row.iri) for _, row in targets)
            if exact:
                message = (f"In {self._describe(report)} {self._name(source)} corresponds to {self._names(distinct)}, "
                           f"yet {_rows(exact)} {'is an exact match' if len(exact) == 1 else 'are exact matches'}, "
                           "which means one to one")
            else:
                message = (f"In {self._describe(report)} {self._name(source)} corresponds to {self._names(distinct)} "
                           f"({', '.join(sorted({row.match for _, row in targets}))}): allowed, but a recogniser "
                           f"should know that one {self._code(self.net.level_framework[source])} level spans "
                           f"{len(distinct)} levels")
            findings.append(QualityFinding("one-to-many", WARNING if exact else INFO, message,
                                           [curie(source), *(curie(b) for b in distinct)], curie(report), rows))
        for target, sources in by_target.items():
            distinct = self._ranked(dict.fromkeys(a for a, _ in sources))
            exact = [row for _, row in sources if row.match == "exact"]
            if len(distinct) < 2 or not exact:
                continue
            findings.append(QualityFinding(
                "many-to-one", WARNING,
                f"In {self._describe(report)} {self._names(distinct)} all correspond to {self._name(target)}, yet "
                f"{_rows(exact)} {'is an exact match' if len(exact) == 1 else 'are exact matches'}, "
                "which means one to one",
                [*(curie(a) for a in distinct), curie(target)], curie(report),
                sorted(curie(row.iri) for _, row in sources)))
        return findings

    # -- naming --------------------------------------------------------------------------------
    def _ranked(self, levels: dict[str, None] | list[str]) -> list[str]:
        return sorted(levels, key=lambda i: (self.net.levels[i].rank is None, self.net.levels[i].rank or 0.0, i))

    def _code(self, fw: str | None) -> str:
        return self.net.frameworks[fw].code if fw in self.net.frameworks else (curie(fw) if fw else "?")

    def _name(self, level: str) -> str:
        return self.net.levels[level].name if level in self.net.levels else curie(level)

    def _names(self, levels: list[str]) -> str:
        names = [self._name(lv) for lv in levels]
        return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"

    def _describe(self, report: str) -> str:
        info: Report | None = self.net.reports.get(report)
        from_fw, to_fw = self.net.report_frameworks.get(report, (None, None))
        title = info.title if info and info.title else curie(report)
        return f"the {self._code(from_fw)} -> {self._code(to_fw)} report '{title}'"


def _rows(rows: list[CorrespondenceRow]) -> str:
    names = sorted(curie(row.iri) for row in rows)
    return ", ".join(names) if len(names) < 2 else f"{', '.join(names[:-1])} and {names[-1]}"
