"""Helpers shared by the routers: the service dependency and RDF responses."""
from __future__ import annotations

import html
from pathlib import Path
from string import Template

import pyoxigraph as ox
from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from mcgraph import __version__
from mcgraph.namespaces import PREFIXES
from mcgraph.service import GraphService

from ..negotiation import RDF_FORMATS, RDF_MEDIA

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
CSP = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"


async def get_service(request: Request) -> GraphService:
    """The graph behind every route; tests may override this dependency (async: FastAPI runs a plain
    function dependency in a thread, one hop per request)."""
    return request.app.state.service


def rdf_response(triples: list[ox.Triple], fmt: str, status: int = 200) -> Response:
    body = ox.serialize(triples, format=RDF_FORMATS[fmt], prefixes=PREFIXES) or b""
    media = RDF_MEDIA[fmt] + ("; charset=utf-8" if fmt == "turtle" else "")
    return Response(body, status_code=status, media_type=media, headers={"Vary": "Accept"})


def html_page(template: str, **values: str) -> HTMLResponse:
    """A page from templates/ (values already escaped) with the shared header and footer, under the strict CSP."""
    header = (TEMPLATES / "header.html").read_text(encoding="utf-8")
    footer = Template((TEMPLATES / "footer.html").read_text(encoding="utf-8")).substitute(
        version=html.escape(__version__))
    page = Template((TEMPLATES / template).read_text(encoding="utf-8")).substitute(
        header=header.rstrip("\n"), footer=footer.rstrip("\n"), **values)
    return HTMLResponse(page, headers={"Content-Security-Policy": CSP, "Vary": "Accept"})


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def service_description(request: Request) -> list[ox.Triple]:
    """SPARQL 1.1 Service Description of /sparql."""
    base = base_url(request)
    service = ox.BlankNode("service")
    dataset = ox.BlankNode("dataset")

    def sd(name: str) -> ox.NamedNode:
        return ox.NamedNode(SD + name)

    triples = [ox.Triple(service, RDF_TYPE, sd("Service")),
               ox.Triple(service, sd("endpoint"), ox.NamedNode(base + "/sparql")),
               ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
               ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
               ox.Triple(service, sd("defaultDataset"), dataset),
               ox.Triple(dataset, RDF_TYPE, sd("Dataset")),
               ox.Triple(dataset, ox.NamedNode("http://rdfs.org/ns/void#sparqlEndpoint"),
                         ox.NamedNode(base + "/sparql"))]
    for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                 "Turtle", "N-Triples", "JSON-LD", "RDF_XML"):
        triples.append(ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMATS_NS + name)))
    return triples
