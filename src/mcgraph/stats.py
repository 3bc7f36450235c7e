"""Dataset statistics: triples, graphs, and how many resources of each mcgraph class."""
from __future__ import annotations

from dataclasses import dataclass, field

from .namespaces import MC, curie
from .store import GraphStore


@dataclass
class Stats:
    triples: int = 0
    graphs: int = 0
    classes: dict[str, int] = field(default_factory=dict)  # CURIE -> instances


def dataset_stats(store: GraphStore) -> Stats:
    graphs = store.graphs()
    counts = store.query(
        f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a ?c FILTER(STRSTARTS(STR(?c), \"{MC}\")) }} "
        "GROUP BY ?c ORDER BY DESC(?n) ?c")
    return Stats(
        triples=sum(g.triples for g in graphs),
        graphs=len(graphs),
        classes={curie(row["c"].value): int(row["n"].value) for row in counts},
    )
