"""Every IRI minted under https://w3id.org/mcgraph/id/ dereferences here: HTML, Turtle, JSON-LD, N-Triples."""
from __future__ import annotations

import html
from urllib.parse import quote

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from mcgraph.errors import UnknownResource
from mcgraph.namespaces import ID, curie
from mcgraph.service import GraphService

from ..negotiation import graph_format, prefers_html
from .common import get_service, html_page, rdf_response

router = APIRouter(tags=["Linked data"])
LABELS = ("http://www.w3.org/2004/02/skos/core#prefLabel", "http://www.w3.org/2000/01/rdf-schema#label",
          "http://purl.org/dc/terms/title", "https://schema.org/name")


@router.get("/id/{path:path}", operation_id="dereference", response_class=Response,
            summary="Describe a resource: HTML for browsers, RDF by Accept or ?format=")
async def dereference(path: str, request: Request, format: str | None = None,
                      service: GraphService = Depends(get_service)) -> Response:
    iri = ID + path
    triples = await service.browse("describe", iri)
    if not triples:
        raise UnknownResource(f"nothing is known about {iri}")
    accept = request.headers.get("accept")
    if format == "html" or (format is None and prefers_html(accept)):
        return _page(iri, triples, path)
    return rdf_response(triples, graph_format(accept, format))


def _page(iri: str, triples: list[ox.Triple], path: str) -> HTMLResponse:
    labels = {t.subject.value: t.object.value for t in triples
              if t.predicate.value in LABELS and isinstance(t.object, ox.Literal)}
    own = [t for t in triples if t.subject == ox.NamedNode(iri)]
    rows = "".join(f"<tr><th scope=\"row\">{html.escape(curie(t.predicate.value))}</th>"
                   f"<td>{_cell(t.object, labels)}</td></tr>" for t in sorted(own, key=_order))
    formats = " ".join(f'<a href="/id/{quote(path)}?format={name}">{label}</a>'
                       for name, label in (("turtle", "Turtle"), ("jsonld", "JSON-LD"), ("ntriples", "N-Triples")))
    return html_page("resource.html", title=html.escape(labels.get(iri, curie(iri))), iri=html.escape(iri),
                     rows=rows, formats=formats)


def _order(triple: ox.Triple) -> tuple[str, str]:
    return curie(triple.predicate.value), str(triple.object)


def _cell(term: object, labels: dict[str, str]) -> str:
    if isinstance(term, ox.NamedNode):
        target = "/id/" + term.value[len(ID):] if term.value.startswith(ID) else term.value
        text = labels.get(term.value) or curie(term.value)
        return f'<a href="{html.escape(target)}">{html.escape(text)}</a>'
    if isinstance(term, ox.Literal):
        suffix = f' <span class="lang">@{html.escape(term.language)}</span>' if term.language else ""
        return html.escape(term.value) + suffix
    return html.escape(str(term))
