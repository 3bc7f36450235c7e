"""Content negotiation: pick a representation from Accept (q-values honoured) or an explicit ?format=."""
from __future__ import annotations

from mcgraph.results import GRAPH_TYPES as RDF_MEDIA
from mcgraph.results import RDF_FORMATS

from .problems import NotAcceptable

SOLUTION_MEDIA = {"application/sparql-results+json": "json", "application/json": "json",
                  "application/sparql-results+xml": "xml", "application/xml": "xml", "text/csv": "csv",
                  "text/tab-separated-values": "tsv"}
GRAPH_MEDIA = {"text/turtle": "turtle", "application/n-triples": "ntriples", "application/ld+json": "jsonld",
               "application/rdf+xml": "rdfxml", "text/plain": "ntriples"}
FORMAT_ALIASES = {"ttl": "turtle", "nt": "ntriples", "json-ld": "jsonld", "rdf": "rdfxml", "xml": "xml"}


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """Media ranges with their q-values, best first; a missing header accepts anything."""
    if not header:
        return [("*/*", 1.0)]
    ranges = []
    for order, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media, q = fields[0].lower(), 1.0
        for param in fields[1:]:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if media and q > 0:
            ranges.append((media, q, -order))
    ranges.sort(key=lambda r: (r[1], _specificity(r[0]), r[2]), reverse=True)
    return [(media, q) for media, q, _ in ranges]


def _specificity(media: str) -> int:
    return 0 if media == "*/*" else 1 if media.endswith("/*") else 2


def choose(accept: str | None, offers: dict[str, str], default: str) -> str | None:
    """The offered name for the best acceptable media type; `default` for */*; None when nothing fits."""
    for media, _ in parse_accept(accept):
        if media == "*/*":
            return default
        if media in offers:
            return offers[media]
        if media.endswith("/*"):
            for offered, name in offers.items():
                if offered.startswith(media[:-1]):
                    return name
    return None


def prefers_html(accept: str | None) -> bool:
    """A browser: text/html ranked above every RDF and results type."""
    ranked = parse_accept(accept)
    return bool(ranked) and ranked[0][0] in ("text/html", "application/xhtml+xml")


def graph_format(accept: str | None, explicit: str | None = None) -> str:
    """An RDF serialisation name (turtle, ntriples, jsonld, rdfxml) from ?format= or Accept; 406 otherwise."""
    if explicit:
        name = FORMAT_ALIASES.get(explicit, explicit)
        if name not in RDF_FORMATS:
            raise NotAcceptable(f"unknown format {explicit!r}; expected one of {', '.join(RDF_FORMATS)}")
        return name
    name = choose(accept, GRAPH_MEDIA, "turtle")
    if name is None:
        offered = ", ".join(RDF_MEDIA.values())
        raise NotAcceptable(f"none of the accepted types ({accept}) is offered; offered: {offered}")
    return name


def result_formats(accept: str | None, explicit: str | None) -> tuple[str, str]:
    """Format names for solutions and for graphs (the query's form decides which is used); ?format= wins."""
    if explicit:
        if explicit in ("json", "xml", "csv", "tsv"):
            return explicit, "turtle"
        return "json", graph_format(None, explicit)
    solutions = choose(accept, SOLUTION_MEDIA, "json")
    graph = choose(accept, GRAPH_MEDIA, "turtle")
    if solutions is None and graph is None:
        raise NotAcceptable(f"none of the accepted types ({accept}) is offered by this endpoint")
    return solutions or "json", graph or "turtle"
