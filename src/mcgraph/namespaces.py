"""Namespaces used everywhere: Turtle output, queries, CURIEs in reports."""
from __future__ import annotations

from functools import lru_cache

MC = "https://w3id.org/mcgraph/ns#"
ID = "https://w3id.org/mcgraph/id/"
GRAPH = "https://w3id.org/mcgraph/graph/"
SHAPES = "https://w3id.org/mcgraph/shapes#"
CATALOG_GRAPH = GRAPH + "catalog"

PREFIXES: dict[str, str] = {
    "mc": MC,
    "mcsh": SHAPES,
    "id": ID,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "schema": "https://schema.org/",
    "sh": "http://www.w3.org/ns/shacl#",
    "elm": "http://data.europa.eu/snb/model/elm/",
    "ceterms": "https://purl.org/ctdl/terms/",
}


@lru_cache(maxsize=65536)
def curie(iri: str) -> str:
    """Shorten an IRI to prefix:local when a known prefix matches (longest first)."""
    for prefix, base in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(base) and len(iri) > len(base):
            local = iri[len(base):]
            if all(c.isalnum() or c in "-_." for c in local.replace("/", "-")):
                return f"{prefix}:{local}"
    return iri


def sparql_prologue() -> str:
    """PREFIX lines for every known namespace."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
