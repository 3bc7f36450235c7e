"""SPARQL Update through the SHACL gate: try it on a scratch copy, validate what changed, swap it in.

An update is never applied to the store directly. It runs on a writable snapshot of the store
(in a worker process that can be stopped); the graphs it changed are compared with the store,
their new contents validated like a load that replaces them, and written with one atomic commit.
Either every graph the update changed is written, or none is.

Rules: every change lands in a named graph (the default graph is the union of named graphs and
cannot be written); the catalog graph belongs to mcgraph. In the WHERE clause the default graph
is the store's own (empty) default graph, so name graphs with WITH, USING or GRAPH.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib.term import Variable

from .errors import NonConformantData, UsageError
from .namespaces import CATALOG_GRAPH
from .report import ValidationReport
from .store import LoadRecord, OxigraphStore
from .validate import validate_quads

# How the scratch run is executed: (snapshot path, update text, graphs to read back) -> graph -> quads.
Preview = Callable[[Path, str, set[str] | None], dict[str | None, list[ox.Quad]]]


@dataclass
class UpdateResult:
    report: ValidationReport
    changed: dict[str, int] = field(default_factory=dict)  # graph -> triples after the update
    dropped: list[str] = field(default_factory=list)


def touched_graphs(text: str) -> set[str] | None:
    """Graphs the update may write, from its algebra; None when it cannot be told (a GRAPH ?g template,
    CLEAR ALL, an unparsable update): then every graph is compared."""
    from rdflib.plugins.sparql.algebra import translateUpdate
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        operations = translateUpdate(parseUpdate(text)).algebra
    except Exception:  # rdflib's grammar differs from Oxigraph's in corners: compare everything
        return None
    graphs: set[str] = set()
    for op in operations:
        names = _operation_graphs(op)
        if names is None:
            return None
        graphs |= names
    return graphs


def _operation_graphs(op: dict[str, Any]) -> set[str] | None:
    """rdflib's CompValue is a dict whose own .get() returns the key when missing: use dict.get."""
    name = op.name  # type: ignore[attr-defined]
    if name in ("InsertData", "DeleteData", "DeleteWhere"):
        return _template_graphs(op, None)
    if name == "Modify":
        found: set[str] = set()
        for clause in (op[key] for key in ("delete", "insert") if key in op):
            names = _template_graphs(clause, dict.get(op, "withClause"))
            if names is None:
                return None
            found |= names
        return found
    if name in ("Clear", "Drop", "Create"):
        target = dict.get(op, "graphiri")
        return None if target in ("ALL", "NAMED") else ({str(target)} if target != "DEFAULT" else set())
    if name in ("Add", "Move", "Copy"):
        return {str(g) for g in dict.get(op, "graph") or [] if g != "DEFAULT"}
    return None  # LOAD (refused earlier) or anything unforeseen


def _template_graphs(clause: dict[str, Any], with_graph: object) -> set[str] | None:
    quads = dict.get(clause, "quads") or {}
    if any(isinstance(g, Variable) for g in quads):
        return None
    found = {str(g) for g in quads}
    if dict.get(clause, "triples") and with_graph is not None:
        found.add(str(with_graph))
    return found


def preview(snapshot: Path, text: str, graphs: set[str] | None) -> dict[str | None, list[ox.Quad]]:
    """Apply the update to a writable copy and read back the graphs it may have changed (None = default)."""
    scratch = OxigraphStore.open_snapshot(snapshot, writable=True)
    scratch.raw_update(text)
    names = scratch.graph_names() if graphs is None else graphs & scratch.graph_names()
    after: dict[str | None, list[ox.Quad]] = {g: scratch.graph_quads(g) for g in names}
    after[None] = scratch.graph_quads(None)
    return after


def apply_update(store: OxigraphStore, text: str, snapshot: Path, run_preview: Preview = preview,
                 profiles: Sequence[str] = ()) -> UpdateResult:
    """Validate and write the effect of `text`; `snapshot` is a fresh snapshot of `store` (see module doc)."""
    candidates = touched_graphs(text)
    after = run_preview(snapshot, text, candidates)
    if after.pop(None):
        raise UsageError("the update writes into the default graph; every triple must go to a named graph "
                         "(use GRAPH <iri> { ... } or WITH <iri>)")
    before = store.graph_names() if candidates is None else candidates & store.graph_names()
    changed = {g: quads for g, quads in after.items() if set(quads) != set(store.graph_quads(g))}
    dropped = sorted(before - set(after))
    if CATALOG_GRAPH in changed or CATALOG_GRAPH in dropped:
        raise UsageError("the catalog graph is maintained by mcgraph and cannot be updated")
    report = validate_quads([q for quads in changed.values() for q in quads], store, profiles,
                            replacing=[*changed, *dropped])
    if not report.conforms:
        raise NonConformantData(report)
    if changed or dropped:
        digest = hashlib.sha256(text.encode()).hexdigest()
        records = [LoadRecord(g, "SPARQL update", digest, len(q)) for g, q in changed.items()]
        store.commit({**changed, **dict.fromkeys(dropped)}, records, replace=True)
    return UpdateResult(report, {g: len(q) for g, q in changed.items()}, dropped)
