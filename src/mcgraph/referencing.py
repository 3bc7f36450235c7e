"""Cross-framework comparison: what does a level of one framework correspond to in another?

The answer is computed from recorded level correspondences only (never from equal level
numbers). The network of correspondences is read from the graph once per dataset version and
searched with networkx in two layers:

1. frameworks: one edge per pair of frameworks that a referencing report relates; a chain of
   frameworks is a simple path (no framework twice) of at most `max_hops` edges;
2. levels: each framework chain is walked level by level through the correspondences of the
   reports on its edges, either way round (a reversed broad match reads as a narrow match).

Every complete walk is a chain of evidence (hops with their report, status, date and sources)
with a composed match type and a strength. Walks that stop are kept as findings: a level left
without match by agreement, a report whose level table is not in the graph, a level missing from
a table. When the two frameworks' own report leaves the level unmatched, that agreement is the
answer and indirect chains are set aside (still shown).

Strength of a chain = product over hops of match x report status x row confidence weights,
times HOP_FACTOR for each hop after the first (an inference no report made). Weights below.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise

import networkx as nx

from .errors import UnknownResource, UsageError
from .namespaces import MC, curie, sparql_prologue
from .store import Reader, Row

DEFAULT_MAX_HOPS = 3
MAX_MAX_HOPS = 6
MAX_CHAINS_PER_MATCH = 5
MAX_FINDINGS = 20

MATCH_WEIGHT = {"exact": 1.0, "close": 0.9, "broad": 0.75, "narrow": 0.75, "related": 0.5}
STATUS_WEIGHT = {"endorsed": 1.0, "comparison": 0.9, "draft": 0.6}
UNKNOWN_STATUS_WEIGHT = 0.6
CONFIDENCE_WEIGHT = {"high": 1.0, "medium": 0.8, "low": 0.5}
UNKNOWN_CONFIDENCE_WEIGHT = 0.8
HOP_FACTOR = 0.8
STRENGTH_LABELS = ((0.75, "strong"), (0.5, "moderate"), (0.0, "weak"))

# Statuses of one comparison, the first that applies (an answer beats every explanation).
STATUSES = ("matched", "no-match-by-agreement", "table-not-in-graph", "not-in-level-table", "no-match-in-chain",
            "no-chain", "not-referenced")

_MATCH_NAMES = {f"{MC}ExactMatch": "exact", f"{MC}CloseMatch": "close", f"{MC}BroadMatch": "broad",
                f"{MC}NarrowMatch": "narrow", f"{MC}NoMatch": "none"}
_REVERSED = {"broad": "narrow", "narrow": "broad"}
_TABLE_NAMES = {f"{MC}TableComplete": "complete", f"{MC}TablePartial": "partial",
                f"{MC}TableNotInGraph": "not-in-graph"}
_PROLOGUE = sparql_prologue()
_FRAMEWORKS_QUERY = _PROLOGUE + """
SELECT ?fw ?kind ?label ?alt ?count WHERE {
  VALUES ?kind { mc:NationalQualificationsFramework mc:RegionalQualificationsFramework mc:QualificationsFramework }
  ?fw a ?kind .
  OPTIONAL { { ?fw skos:prefLabel ?label } UNION { ?fw skos:altLabel ?alt } UNION { ?fw mc:levelCount ?count } }
}"""
_LEVELS_QUERY = _PROLOGUE + """
SELECT ?level ?fw ?notation ?rank ?label WHERE {
  ?level a mc:Level ; skos:inScheme ?fw .
  OPTIONAL { { ?level skos:notation ?notation } UNION { ?level mc:rank ?rank }
             UNION { ?level skos:prefLabel ?label } }
}"""
_REPORTS_QUERY = _PROLOGUE + """
SELECT ?report ?p ?o ?oLabel WHERE {
  ?report a mc:ReferencingReport ; ?p ?o .
  FILTER(?p IN (dct:title, mc:fromFramework, mc:toFramework, mc:responsibleBody, dct:issued,
                mc:referencingStatus, mc:levelTable, dct:source, mc:confidence))
  OPTIONAL { FILTER(?p = mc:responsibleBody) ?o skos:prefLabel|rdfs:label ?oLabel }
}"""
_CORRESPONDENCES_QUERY = _PROLOGUE + """
SELECT ?corr ?p ?o WHERE {
  ?corr a mc:LevelCorrespondence ; ?p ?o .
  FILTER(?p IN (mc:fromLevel, mc:toLevel, mc:matchType, mc:establishedBy, mc:confidence, dct:source))
}"""


NETWORK_QUERIES = (_FRAMEWORKS_QUERY, _LEVELS_QUERY, _REPORTS_QUERY, _CORRESPONDENCES_QUERY)


# -- the model ----------------------------------------------------------------------------------
@dataclass
class FrameworkRef:
    iri: str
    id: str
    code: str  # short name for display, e.g. "AQF"
    label: str | None
    kind: str  # national | regional | framework


@dataclass
class LevelRef:
    iri: str
    id: str
    framework: str  # the framework's code
    notation: str | None
    label: str | None
    rank: float | None

    @property
    def name(self) -> str:
        return f"{self.framework} {self.notation or self.id}"


@dataclass
class Organisation:
    iri: str
    id: str
    label: str | None


@dataclass
class Report:
    """A referencing report, as the evidence for a hop needs it."""

    iri: str
    id: str
    title: str | None
    from_framework: str | None  # framework codes
    to_framework: str | None
    bodies: list[Organisation]
    issued: str | None  # as recorded: year, year-month or date
    status: str | None  # endorsed | comparison | draft
    level_table: str | None  # complete | partial | not-in-graph
    sources: list[str]
    confidence: str | None


@dataclass
class Hop:
    """One row of a report's level table, walked from `from_level` to `to_level`."""

    from_level: LevelRef
    to_level: LevelRef
    match: str  # read from from_level's side: exact | close | broad | narrow
    stated_match: str  # as the report states it, from its source level to its target level
    direction: str  # forward (as stated) | reverse
    correspondence: str  # CURIE of the row
    confidence: str | None
    sources: list[str]
    report: Report | None
    weight: float


@dataclass
class Chain:
    hops: list[Hop]
    match: str  # composed over the hops; "related" when broad and narrow meet
    strength: float
    strength_label: str
    via: list[str]  # codes of the intermediate frameworks
    path: str  # e.g. "AQF 9 -> NZQCF 9 -> HKQF 6"


@dataclass
class Match:
    """A level of the target framework with the chains that lead to it, strongest first."""

    level: LevelRef
    match: str
    strength: float
    strength_label: str
    hops: int  # of the first chain
    chains: list[Chain]
    chains_found: int


@dataclass
class Finding:
    """Why a walk stopped, with the evidence: a no-match row, a report without table, a missing row."""

    kind: str  # one of STATUSES but "matched"
    message: str
    level: LevelRef | None = None  # where the walk stopped
    reports: list[Report] = field(default_factory=list)
    correspondence: str | None = None
    sources: list[str] = field(default_factory=list)
    chain: list[Hop] = field(default_factory=list)  # the hops walked before stopping
    into: str | None = None  # code of the framework the walk could not enter


@dataclass
class LevelComparison:
    level: LevelRef
    target: FrameworkRef
    status: str
    summary: str
    matches: list[Match]
    findings: list[Finding]
    set_aside: list[Match]  # indirect matches overruled by the frameworks' own no-match agreement
    max_hops: int


@dataclass
class Comparison:
    """A level or a whole framework compared with one or more target frameworks."""

    source: FrameworkRef
    level: LevelRef | None  # None when the whole framework is compared
    targets: list[FrameworkRef]
    max_hops: int
    comparisons: list[LevelComparison]
    note: str | None = None  # why there is nothing to compare (e.g. no framework within reach)


@dataclass
class MatrixCell:
    level: LevelRef
    match: str
    strength: float
    strength_label: str
    hops: int
    path: str


@dataclass
class MatrixRow:
    level: LevelRef
    status: str
    cells: list[MatrixCell]
    reason: str | None  # the summary, when there is no match


@dataclass
class Matrix:
    """Every level of `source` with its matches in `target`: the pair at a glance."""

    source: FrameworkRef
    target: FrameworkRef
    columns: list[LevelRef]
    rows: list[MatrixRow]
    reports: list[Report]  # every report on a chain in the matrix
    max_hops: int


@dataclass
class Tables:
    """What the graph says, as read by ReferencingNetwork.load."""

    frameworks: dict[str, FrameworkRef]
    alt_labels: dict[str, list[str]]
    level_counts: dict[str, int]
    levels: dict[str, LevelRef]
    level_framework: dict[str, str]
    reports: dict[str, Report]
    report_frameworks: dict[str, tuple[str | None, str | None]]
    rows: list[CorrespondenceRow]


@dataclass
class CorrespondenceRow:
    """A correspondence as stored."""

    iri: str
    from_level: str
    to_level: str | None
    match: str
    report: str | None
    confidence: str | None
    sources: list[str]


# -- the network ----------------------------------------------------------------------------------
class ReferencingNetwork:
    """Frameworks, levels, reports and correspondences of one dataset version, ready to search."""

    def __init__(self, tables: Tables) -> None:
        self.frameworks = tables.frameworks
        self.levels = tables.levels
        self.level_framework = tables.level_framework  # level IRI -> framework IRI
        self.reports = tables.reports
        self.rows = tables.rows
        self.level_counts = tables.level_counts  # declared mc:levelCount
        self.report_frameworks = tables.report_frameworks  # report IRI -> (from, to) framework IRIs
        self._alt_labels = tables.alt_labels
        self.framework_graph = nx.Graph()
        self.level_graph = nx.MultiDiGraph()
        self._no_match: dict[tuple[str, str], list[CorrespondenceRow]] = defaultdict(list)
        self._build()

    @classmethod
    def load(cls, reader: Reader) -> ReferencingNetwork:
        """Read the correspondence network from a store (or any Reader): four queries."""
        return cls(tables_from_rows([reader.select(query) for query in NETWORK_QUERIES]))

    def _build(self) -> None:
        self.framework_graph.add_nodes_from(self.frameworks)
        for report, (a, b) in self.report_frameworks.items():
            if a in self.frameworks and b in self.frameworks and a != b:
                if not self.framework_graph.has_edge(a, b):
                    self.framework_graph.add_edge(a, b, reports=[])
                self.framework_graph[a][b]["reports"].append(report)
        for row in self.rows:
            self._add_row(row)

    def _add_row(self, row: CorrespondenceRow) -> None:
        if row.from_level not in self.levels:
            return
        if row.match == "none":
            other = self._other_framework(row)
            if other:
                self._no_match[(row.from_level, other)].append(row)
            return
        if row.to_level is None:  # a match without its target: a data error the shapes report
            return
        if row.to_level not in self.levels or row.match not in MATCH_WEIGHT:
            return
        self.level_graph.add_edge(row.from_level, row.to_level, row=row, direction="forward", match=row.match)
        self.level_graph.add_edge(row.to_level, row.from_level, row=row, direction="reverse",
                                  match=_REVERSED.get(row.match, row.match))

    def _other_framework(self, row: CorrespondenceRow) -> str | None:
        """For a no-match row: the framework on the report's other side."""
        own = self.level_framework.get(row.from_level)
        pair = self.report_frameworks.get(row.report or "", (None, None))
        others = [fw for fw in pair if fw and fw != own]
        return others[0] if others else None

    # -- identifiers ----------------------------------------------------------------------
    @cached_property
    def _framework_names(self) -> dict[str, set[str]]:
        names: dict[str, set[str]] = defaultdict(set)
        for iri, fw in self.frameworks.items():
            for name in (iri, fw.id, _slug(iri), fw.code, fw.label or ""):
                names[name.casefold()].add(iri)
        for iri, alts in self._alt_labels.items():
            for alt in alts:
                names[alt.casefold()].add(iri)
        return names

    def framework(self, token: str) -> FrameworkRef:
        """A framework by IRI, CURIE, id (aqf), code or label (AQF, NZQF); ambiguity is an error."""
        token = token.strip()
        found = self._framework_names.get(token.casefold(), set())
        if not found:
            raise UnknownResource(f"no framework {token!r}; give its id (e.g. aqf), code (e.g. AQF) or IRI")
        if len(found) > 1:
            options = ", ".join(f"{_slug(i)} ({self.frameworks[i].label})" for i in sorted(found))
            raise UsageError(f"{token!r} names several frameworks: {options}; use the id")
        return self.frameworks[next(iter(found))]

    def level(self, token: str) -> LevelRef:
        """A level as FRAMEWORK:NOTATION (AQF:7, nzqcf:8), a level IRI, CURIE or id (aqf-7)."""
        token = token.strip()
        direct = self._level_by_name.get(token.casefold())
        if direct:
            return self.levels[direct]
        fw_token, sep, notation = token.rpartition(":")
        if not sep:
            raise UnknownResource(f"no level {token!r}; write it as FRAMEWORK:LEVEL, e.g. AQF:7")
        fw = self.framework(fw_token)
        for iri in self.levels_of(fw.iri):
            if (self.levels[iri].notation or "").casefold() == notation.strip().casefold():
                return self.levels[iri]
        known = ", ".join(self.levels[i].notation or "?" for i in self.levels_of(fw.iri)) or "none in the graph"
        raise UnknownResource(f"{fw.code} has no level {notation!r} (levels: {known})")

    @cached_property
    def _level_by_name(self) -> dict[str, str]:
        return {name.casefold(): iri for iri, lv in self.levels.items() for name in (iri, lv.id, _slug(iri))}

    def levels_of(self, framework: str) -> list[str]:
        """Level IRIs of a framework in rank order."""
        own = [iri for iri, fw in self.level_framework.items() if fw == framework]
        return sorted(own, key=lambda i: (self.levels[i].rank is None, self.levels[i].rank or 0.0,
                                          self.levels[i].notation or "", i))

    def is_referenced(self, framework: str) -> bool:
        return self.framework_graph.degree(framework) > 0

    # -- comparison -----------------------------------------------------------------------
    def compare(self, source: str, to: str = "all", max_hops: int = DEFAULT_MAX_HOPS) -> Comparison:
        """Compare a level (AQF:7) or a framework (AQF) with a target framework, or "all" reachable ones."""
        max_hops = _check_max_hops(max_hops)
        level = self._try_level(source)
        fw = self.frameworks[self.level_framework[level.iri]] if level else self.framework(source)
        targets = self._targets(fw, to, max_hops)
        levels = [level.iri] if level else self.levels_of(fw.iri)
        items = [self.compare_level(lv, t.iri, max_hops) for t in targets for lv in levels]
        note = None
        if not targets:
            note = (f"{fw.code} takes part in no referencing report in the graph" if not self.is_referenced(fw.iri)
                    else f"no framework is within {max_hops} reports of {fw.code}")
        elif not levels:
            note = f"{fw.code} has no levels in the graph"
        return Comparison(fw, level, targets, max_hops, items, note)

    def _try_level(self, token: str) -> LevelRef | None:
        name = token.strip().casefold()
        if name in self._level_by_name or (":" in name and name not in self._framework_names):
            return self.level(token)
        return None

    def _targets(self, source: FrameworkRef, to: str, max_hops: int) -> list[FrameworkRef]:
        if to.strip().casefold() != "all":
            target = self.framework(to)
            if target.iri == source.iri:
                raise UsageError(f"{source.code} compared with itself: choose another framework")
            return [target]
        reach = nx.single_source_shortest_path_length(self.framework_graph, source.iri, cutoff=max_hops)
        return [self.frameworks[i] for i in sorted(reach, key=lambda i: (reach[i], self.frameworks[i].code))
                if i != source.iri]

    def compare_level(self, level: str, target: str, max_hops: int = DEFAULT_MAX_HOPS) -> LevelComparison:
        """One level (IRI) against one target framework (IRI)."""
        start = self.levels[level]
        source_fw = self.level_framework[level]
        walks = _Walks(target)
        for fw_path in nx.all_simple_paths(self.framework_graph, source_fw, target, cutoff=max_hops):
            self._walk(level, fw_path, walks)
        matches = _matches(walks.chains)
        set_aside: list[Match] = []
        if walks.direct_agreement and matches:  # the pair's own report leaves the level unmatched: that wins
            set_aside, matches = matches, []
        findings = walks.findings
        if not walks.chains and not findings:
            findings = self._no_path_findings(start, source_fw, target, max_hops)
        code = self.frameworks[target].code
        findings = sorted(findings, key=lambda f: _relevance(f, code))[:MAX_FINDINGS]
        status = "matched" if matches else findings[0].kind
        result = LevelComparison(start, self.frameworks[target], status, "", matches, findings, set_aside, max_hops)
        result.summary = _summary(result)
        return result

    def _walk(self, level: str, fw_path: list[str], walks: _Walks) -> None:
        """Follow one framework chain level by level; keep complete chains and where walks stop."""
        frontier: list[tuple[str, list[Hop]]] = [(level, [])]
        for here_fw, next_fw in pairwise(fw_path):
            advanced: list[tuple[str, list[Hop]]] = []
            for at, hops in frontier:
                steps = [self._hop(at, data) for _, to, data in self.level_graph.out_edges(at, data=True)
                         if self.level_framework.get(to) == next_fw]
                advanced += [(step.to_level.iri, [*hops, step]) for step in steps]
                self._record_stops(at, here_fw, next_fw, hops, bool(steps), walks)
            frontier = advanced
        walks.chains += [hops for _, hops in frontier]

    def _record_stops(self, at: str, here_fw: str, next_fw: str, hops: list[Hop], advanced: bool,
                      walks: _Walks) -> None:
        """Why a walk cannot go from level `at` into framework `next_fw`, as a finding."""
        direct = not hops and next_fw == walks.target
        for row in self._no_match.get((at, next_fw), []):
            walks.add(_no_match_finding(self, row, hops, direct))
            walks.direct_agreement |= direct
        if advanced or self._no_match.get((at, next_fw)):
            return
        lv, other = self.levels[at], self.frameworks[next_fw].code
        reports = [self.reports[r] for r in self.framework_graph[here_fw][next_fw]["reports"]]
        tables = [r for r in reports if r.level_table != "not-in-graph"]
        if not tables:
            described = "; ".join(f"{r.from_framework} -> {r.to_framework}: {_describe_report(r)}" for r in reports)
            walks.add(Finding("table-not-in-graph", f"{_after(hops)}referencing is recorded ({described}), but "
                              "its level table is not in the graph", lv, reports, chain=hops, into=other))
            return
        complete = [r for r in tables if r.level_table == "complete" and self.report_frameworks[r.iri][1] == here_fw]
        if complete:  # a complete table that reaches no level here: no counterpart, as the report has it
            walks.add(Finding("no-match-by-agreement" if direct else "no-match-in-chain",
                              f"{_after(hops)}no {other} level corresponds to {lv.name} in the complete level table "
                              f"of {_describe_report(complete[0])}", lv, complete, chain=hops, into=other))
            walks.direct_agreement |= direct
            return
        walks.add(Finding("not-in-level-table", f"{_after(hops)}{lv.name} has no row in the {other} level table of "
                          + "; ".join(_describe_report(r) for r in tables), lv, tables, chain=hops, into=other))

    def _hop(self, at: str, data: dict) -> Hop:
        row: CorrespondenceRow = data["row"]
        forward = data["direction"] == "forward"
        report = self.reports.get(row.report or "")
        weight = (MATCH_WEIGHT[data["match"]]
                  * (STATUS_WEIGHT.get(report.status or "", UNKNOWN_STATUS_WEIGHT) if report else UNKNOWN_STATUS_WEIGHT)
                  * CONFIDENCE_WEIGHT.get(row.confidence or "", UNKNOWN_CONFIDENCE_WEIGHT))
        other = row.to_level if forward else row.from_level
        return Hop(self.levels[at], self.levels[other or ""], data["match"], row.match, data["direction"],
                   curie(row.iri), row.confidence, row.sources, report, round(weight, 4))

    def _no_path_findings(self, start: LevelRef, source: str, target: str, max_hops: int) -> list[Finding]:
        unreferenced = [self.frameworks[f] for f in (source, target) if not self.is_referenced(f)]
        if unreferenced:
            names = " and ".join(f.code for f in unreferenced)
            verb = "has" if len(unreferenced) == 1 else "have"
            return [Finding("not-referenced", f"{names} {verb} never been referenced to another framework "
                            "in the graph: no report relates its levels to any other framework", start)]
        try:
            length = nx.shortest_path_length(self.framework_graph, source, target)
            more = f"; the shortest chain has {length} reports (raise max hops to {length})"
        except nx.NetworkXNoPath:
            more = "; no chain of reports connects them at any length"
        return [Finding("no-chain", f"no chain of at most {max_hops} referencing reports leads from "
                        f"{self.frameworks[source].code} to {self.frameworks[target].code}{more}", start)]

    # -- the pair at a glance -------------------------------------------------------------------
    def matrix(self, source: str, target: str, max_hops: int = DEFAULT_MAX_HOPS) -> Matrix:
        """Every level of framework `source` against framework `target` (both given as tokens)."""
        a, b = self.framework(source), self.framework(target)
        if a.iri == b.iri:
            raise UsageError(f"{a.code} compared with itself: choose another framework")
        max_hops = _check_max_hops(max_hops)
        rows, reports = [], {}
        for level in self.levels_of(a.iri):
            result = self.compare_level(level, b.iri, max_hops)
            cells = [MatrixCell(m.level, m.match, m.strength, m.strength_label, m.hops, m.chains[0].path)
                     for m in result.matches]
            for hop in (h for m in result.matches for c in m.chains for h in c.hops):
                if hop.report:
                    reports[hop.report.iri] = hop.report
            rows.append(MatrixRow(result.level, result.status, cells, None if cells else result.summary))
        columns = [self.levels[i] for i in self.levels_of(b.iri)]
        return Matrix(a, b, columns, rows, sorted(reports.values(), key=lambda r: r.iri), max_hops)


# -- walking helpers ------------------------------------------------------------------------------
class _Walks:
    """What the walks of one comparison found: complete chains and findings (deduplicated)."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.direct_agreement = False  # the start and target frameworks' own report leaves the level unmatched
        self.chains: list[list[Hop]] = []
        self.findings: list[Finding] = []
        self._seen: dict[tuple, int] = {}

    def add(self, finding: Finding) -> None:
        """Keep one finding per (kind, level, reports, row): the one reached by the shortest walk."""
        key = (finding.kind, finding.level.iri if finding.level else None,
               tuple(r.iri for r in finding.reports), finding.correspondence)
        if key in self._seen:
            index = self._seen[key]
            if len(finding.chain) < len(self.findings[index].chain):
                self.findings[index] = finding
            return
        self._seen[key] = len(self.findings)
        self.findings.append(finding)


def _no_match_finding(net: ReferencingNetwork, row: CorrespondenceRow, hops: list[Hop], direct: bool) -> Finding:
    """An mc:NoMatch row: the answer when it is the pair's own (direct), else where a chain stops."""
    level = net.levels[row.from_level]
    report = net.reports.get(row.report or "")
    other = net.frameworks[net._other_framework(row) or ""].code
    where = f" ({_describe_report(report)})" if report else ""
    return Finding("no-match-by-agreement" if direct else "no-match-in-chain",
                   f"{_after(hops)}{level.name} has no counterpart in {other} by agreement{where}",
                   level, [report] if report else [], curie(row.iri), row.sources, hops, other)


def _relevance(finding: Finding, target: str) -> tuple[bool, bool, int, int]:
    """Sort key: the pair's own report first, then walks that reached the target's edge, then by kind."""
    at_target = finding.into in (target, None)
    return (not (at_target and not finding.chain), not at_target, STATUSES.index(finding.kind), len(finding.chain))


def _after(hops: list[Hop]) -> str:
    """The walk so far, as a message prefix."""
    return f"after {path_of(hops)}: " if hops else ""


def compose(first: str, second: str) -> str:
    """The match type of two hops in a row, each read from the start's side."""
    if first == "exact":
        return second
    if second == "exact":
        return first
    if first == second:
        return first
    if "close" in (first, second):
        return second if first == "close" else first
    return "related"  # broad then narrow, or narrow then broad: both sides of a common level


def chain_of(hops: list[Hop]) -> Chain:
    match = hops[0].match
    strength = hops[0].weight
    for hop in hops[1:]:
        match = compose(match, hop.match)
        strength *= hop.weight * HOP_FACTOR
    strength = round(strength, 4)
    via = [h.to_level.framework for h in hops[:-1]]
    return Chain(hops, match, strength, strength_label(strength), via, path_of(hops))


def chain_reports(chains: Iterable[Chain]) -> list[str]:
    """The reports behind the chains, once each, as "title (status, date)"."""
    seen: dict[str, None] = {}
    for chain in chains:
        for hop in chain.hops:
            if hop.report is not None:
                status, issued = hop.report.status or "status unknown", hop.report.issued or "undated"
                seen.setdefault(f"{hop.report.title or hop.report.id} ({status}, {issued})", None)
    return list(seen)


def path_of(hops: list[Hop]) -> str:
    return " -> ".join([hops[0].from_level.name, *(h.to_level.name for h in hops)])


def strength_label(strength: float) -> str:
    return next(label for bound, label in STRENGTH_LABELS if strength >= bound)


def _matches(walked: list[list[Hop]]) -> list[Match]:
    by_target: dict[str, list[Chain]] = defaultdict(list)
    for hops in walked:
        by_target[hops[-1].to_level.iri].append(chain_of(hops))
    matches = []
    for chains in by_target.values():
        chains.sort(key=lambda c: (-c.strength, len(c.hops), c.path))
        best = chains[0]
        matches.append(Match(best.hops[-1].to_level, best.match, best.strength, best.strength_label,
                             len(best.hops), chains[:MAX_CHAINS_PER_MATCH], len(chains)))
    return sorted(matches, key=lambda m: (-m.strength, m.hops, m.level.rank or 0.0, m.level.iri))


def _summary(result: LevelComparison) -> str:
    name, target = result.level.name, result.target.code
    if result.matches:
        parts = [f"{m.level.name} ({m.match}, {m.strength_label}{_via(m.chains[0])})" for m in result.matches]
        return f"{name} corresponds to " + "; ".join(parts)
    lead = result.findings[0]
    if result.status == "no-match-by-agreement":  # the pair's own report says so
        return f"No match: {lead.message}"
    return f"No answer for {name} in {target}: {lead.message}"


def _via(chain: Chain) -> str:
    return f", via {' and '.join(chain.via)}" if chain.via else ", direct"


def _describe_report(report: Report) -> str:
    bits = [report.title or report.id, report.status or "status unknown", f"issued {report.issued}"
            if report.issued else "date unknown"]
    return ", ".join(bits)


def _short_report(report: Report) -> str:
    """e.g. "AQF-NZQCF report (comparison, 2015)"."""
    return (f"{report.from_framework}-{report.to_framework} report "
            f"({report.status or 'status unknown'}, {report.issued or 'date unknown'})")


def _check_max_hops(max_hops: int) -> int:
    if isinstance(max_hops, bool) or not isinstance(max_hops, int) or not 1 <= max_hops <= MAX_MAX_HOPS:
        raise UsageError(f"max hops must be between 1 and {MAX_MAX_HOPS}, not {max_hops}")
    return max_hops


def _slug(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


# -- reading the graph ----------------------------------------------------------------------------
def _value(row: Row, var: str) -> str | None:
    term = row.get(var)
    return term.value if term is not None else None


def _group(rows: Iterable[Row], key: str) -> Iterator[tuple[str, list[Row]]]:
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        groups[_value(row, key) or ""].append(row)
    yield from groups.items()


def _english(rows: list[Row], var: str) -> str | None:
    """The English (or untagged, else any) literal of var."""
    terms = [row[var] for row in rows if row.get(var) is not None]
    terms.sort(key=lambda t: (getattr(t, "language", None) not in ("en", None), t.value))
    return terms[0].value if terms else None


def _codes(alts: dict[str, list[str]]) -> dict[str, str]:
    """Short display codes, unique: the id in capitals when it is a label, else the shortest acronym
    no other framework uses, else the id in capitals (e.g. AQF, NZQCF, NQF-KZ)."""
    def acronyms(iri: str) -> list[str]:
        found = (a for a in alts[iri] if re.fullmatch(r"[A-Z][A-Z0-9-]*", a))
        return sorted(found, key=lambda a: (len(a), a))

    uses = defaultdict(int)
    for iri in alts:
        for a in acronyms(iri):
            uses[a] += 1
    codes = {}
    for iri in alts:
        slug = _slug(iri).upper()
        unique = [a for a in acronyms(iri) if uses[a] == 1]
        codes[iri] = slug if slug in alts[iri] or not unique else unique[0]
    return codes


def tables_from_rows(results: list[list[Row]]) -> Tables:
    """The rows of the NETWORK_QUERIES, in their order, read into tables."""
    frameworks, counts, alts = _read_frameworks(results[0])
    levels, level_framework = _read_levels(results[1], frameworks)
    reports, report_frameworks = _read_reports(results[2], frameworks)
    rows = _read_rows(results[3])
    return Tables(frameworks, alts, counts, levels, level_framework, reports, report_frameworks, rows)


def _read_frameworks(rows: list[Row]) -> tuple[dict[str, FrameworkRef], dict[str, int], dict[str, list[str]]]:
    groups = dict(_group(rows, "fw"))
    alts = {iri: sorted({_value(r, "alt") or "" for r in group} - {""}) for iri, group in groups.items()}
    codes = _codes(alts)
    kinds = {"NationalQualificationsFramework": "national", "RegionalQualificationsFramework": "regional"}
    frameworks, counts = {}, {}
    for iri, group in groups.items():
        kind = next((kinds[k] for k in (_slug(_value(r, "kind") or "") for r in group) if k in kinds), "framework")
        frameworks[iri] = FrameworkRef(iri, curie(iri), codes[iri], _english(group, "label"), kind)
        count = next((_value(r, "count") for r in group if r.get("count") is not None), None)
        if count is not None:
            counts[iri] = int(float(count))
    return frameworks, counts, alts


def _read_levels(rows: list[Row], frameworks: dict[str, FrameworkRef]
                 ) -> tuple[dict[str, LevelRef], dict[str, str]]:
    levels, owner = {}, {}
    for iri, group in _group(rows, "level"):
        fw = _value(group[0], "fw") or ""
        if fw not in frameworks:
            continue
        rank = next((_value(r, "rank") for r in group if r.get("rank") is not None), None)
        notation = next((_value(r, "notation") for r in group if r.get("notation") is not None), None)
        levels[iri] = LevelRef(iri, curie(iri), frameworks[fw].code, notation, _english(group, "label"),
                               float(rank) if rank is not None else None)
        owner[iri] = fw
    return levels, owner


def _read_reports(rows: list[Row], frameworks: dict[str, FrameworkRef]
                  ) -> tuple[dict[str, Report], dict[str, tuple[str | None, str | None]]]:
    reports, pairs = {}, {}
    for iri, group in _group(rows, "report"):
        values: dict[str, list[Row]] = defaultdict(list)
        for row in group:
            values[(_value(row, "p") or "").rsplit("/", 1)[-1].rsplit("#", 1)[-1]].append(row)

        def one(prop: str, values: dict[str, list[Row]] = values) -> str | None:
            return next((_value(r, "o") for r in values.get(prop, [])), None)

        from_fw, to_fw = one("fromFramework"), one("toFramework")
        bodies = {_value(r, "o") or "": _value(r, "oLabel") for r in values.get("responsibleBody", [])}
        status, table = one("referencingStatus"), one("levelTable")
        reports[iri] = Report(
            iri, curie(iri), _english(values.get("title", []), "o"),
            frameworks[from_fw].code if from_fw in frameworks else None,
            frameworks[to_fw].code if to_fw in frameworks else None,
            [Organisation(b, curie(b), label) for b, label in sorted(bodies.items())], one("issued"),
            _slug(status).lower() if status else None, _TABLE_NAMES.get(table or ""),
            sorted({_value(r, "o") or "" for r in values.get("source", [])}), one("confidence"))
        pairs[iri] = (from_fw, to_fw)
    return reports, pairs


def _read_rows(rows: list[Row]) -> list[CorrespondenceRow]:
    result = []
    for iri, group in _group(rows, "corr"):
        values: dict[str, list[str]] = defaultdict(list)
        for row in group:
            values[(_value(row, "p") or "").rsplit("#", 1)[-1].rsplit("/", 1)[-1]].append(_value(row, "o") or "")
        if not values.get("fromLevel"):
            continue
        match = _MATCH_NAMES.get(next(iter(values.get("matchType", [])), ""), "unknown")
        result.append(CorrespondenceRow(iri, values["fromLevel"][0], next(iter(values.get("toLevel", [])), None), match,
                           next(iter(values.get("establishedBy", [])), None),
                           next(iter(values.get("confidence", [])), None), sorted(values.get("source", []))))
    return sorted(result, key=lambda r: r.iri)



# -- flat rows for CSV and tables ------------------------------------------------------------------
ROW_FIELDS = ("level", "target", "status", "target_level", "match", "strength", "strength_label", "hops", "path",
              "reports", "reason")


def comparison_rows(comparison: Comparison) -> list[dict[str, str]]:
    """One row per match (its strongest chain), or one row saying why there is none."""
    rows = []
    for item in comparison.comparisons:
        base = {"level": item.level.name, "target": item.target.code, "status": item.status}
        for m in item.matches:
            chain = m.chains[0]
            rows.append({**base, "target_level": m.level.name, "match": m.match, "strength": f"{m.strength:.3f}",
                         "strength_label": m.strength_label, "hops": str(m.hops), "path": chain.path,
                         "reports": "; ".join(_short_report(h.report) for h in chain.hops if h.report),
                         "reason": ""})
        if not item.matches:
            rows.append({**dict.fromkeys(ROW_FIELDS, ""), **base, "reason": item.summary})
    return rows
