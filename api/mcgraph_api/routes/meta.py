"""Meta: health, version, VoID dataset statistics."""
from __future__ import annotations

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from mcgraph import __version__
from mcgraph.namespaces import ID, MC
from mcgraph.service import GraphService
from mcgraph.stats import Stats, dataset_stats

from ..negotiation import graph_format
from .common import RDF_TYPE, base_url, get_service, rdf_response

router = APIRouter(tags=["Meta"])
VOID = "http://rdfs.org/ns/void#"
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")


class Health(BaseModel):
    status: str
    dataset_version: str
    graphs: int


class Version(BaseModel):
    mcgraph: str
    dataset_version: str


@router.get("/-/health", operation_id="health", response_model=Health, summary="Is the service up?")
async def health(service: GraphService = Depends(get_service)) -> Health:
    names = await run_in_threadpool(service.graph_names)
    await run_in_threadpool(service.executor.select, "SELECT (1 AS ?ok) WHERE {}")  # a worker answers
    return Health(status="ok", dataset_version=service.version, graphs=len(names))


@router.get("/-/version", operation_id="version", response_model=Version, summary="Software and dataset versions")
async def version(service: GraphService = Depends(get_service)) -> Version:
    return Version(mcgraph=__version__, dataset_version=service.version)


@router.get("/.well-known/void", operation_id="void", summary="VoID description with dataset statistics",
            response_class=Response)
async def void(request: Request, format: str | None = None, service: GraphService = Depends(get_service)) -> Response:
    fmt = graph_format(request.headers.get("accept"), format)
    stats = await run_in_threadpool(service.cached, "stats", dataset_stats)
    return rdf_response(void_triples(stats, base_url(request)), fmt)


def void_triples(stats: Stats, base: str) -> list[ox.Triple]:
    dataset = ox.NamedNode(ID + "dataset")

    def void(name: str) -> ox.NamedNode:
        return ox.NamedNode(VOID + name)

    def integer(n: int) -> ox.Literal:
        return ox.Literal(str(n), datatype=XSD_INTEGER)

    triples = [ox.Triple(dataset, RDF_TYPE, void("Dataset")),
               ox.Triple(dataset, void("sparqlEndpoint"), ox.NamedNode(base + "/sparql")),
               ox.Triple(dataset, void("uriSpace"), ox.Literal(ID)),
               ox.Triple(dataset, void("vocabulary"), ox.NamedNode(MC.rstrip("#"))),
               ox.Triple(dataset, void("triples"), integer(stats.triples)),
               ox.Triple(dataset, void("entities"), integer(sum(stats.classes.values())))]
    for number, (curie, count) in enumerate(sorted(stats.classes.items())):
        partition = ox.BlankNode(f"class{number}")
        iri = MC + curie.split(":", 1)[1] if curie.startswith("mc:") else curie
        triples += [ox.Triple(dataset, void("classPartition"), partition),
                    ox.Triple(partition, void("class"), ox.NamedNode(iri)),
                    ox.Triple(partition, void("entities"), integer(count))]
    return triples
