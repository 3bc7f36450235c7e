"""SPARQL 1.1 Graph Store HTTP Protocol at /graphs (?graph=IRI or ?default). Writes need the token."""
from __future__ import annotations

from urllib.parse import quote
from uuid import uuid4

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from mcgraph.errors import UnknownResource, UsageError
from mcgraph.namespaces import GRAPH
from mcgraph.queries import expand_iri
from mcgraph.service import GraphService

from ..http import check_rdf_body, rdf_body_format, read_body, require_writer
from ..negotiation import RDF_FORMATS, RDF_MEDIA, graph_format
from ..problems import MethodNotAllowed
from .common import get_service

router = APIRouter(tags=["Graph Store"])
GraphParam = Query(None, description="the graph's IRI")
DefaultParam = Query(None, description="present (empty) to address the default graph: the union of all graphs")


def _target(request: Request, graph: str | None, write: bool) -> str | None:
    """The graph IRI addressed, or None for the default graph; exactly one of ?graph and ?default."""
    has_default = "default" in request.query_params
    if (graph is None) == (not has_default):
        raise UsageError("name exactly one target: ?graph=<IRI> or ?default")
    if has_default:
        if write:
            raise MethodNotAllowed("the default graph is the union of all named graphs and is read-only; "
                                   "write to a named graph with ?graph=<IRI>", allow="GET, HEAD")
        return None
    return expand_iri(graph)


@router.get("/graphs", operation_id="graphGet", summary="Read a graph", response_class=Response)
async def get_graph(request: Request, graph: str | None = GraphParam, default: str | None = DefaultParam,
                    format: str | None = None, service: GraphService = Depends(get_service)) -> Response:
    target = _target(request, graph, write=False)
    fmt = graph_format(request.headers.get("accept"), format)
    body = await run_in_threadpool(service.read_graph, target, RDF_FORMATS[fmt])
    return Response(body, media_type=RDF_MEDIA[fmt], headers={"Vary": "Accept"})


@router.head("/graphs", operation_id="graphHead", summary="Headers of a graph read", response_class=Response)
async def head_graph(request: Request, graph: str | None = GraphParam, default: str | None = DefaultParam,
                     format: str | None = None, service: GraphService = Depends(get_service)) -> Response:
    response = await get_graph(request, graph, default, format, service)
    return Response(status_code=200, headers={**dict(response.headers), "content-length": str(len(response.body))})


@router.put("/graphs", operation_id="graphPut", summary="Replace a graph (SHACL-gated)", status_code=204,
            response_class=Response, dependencies=[Depends(require_writer)],
            responses={201: {"description": "graph created"}, 204: {"description": "graph replaced"},
                       422: {"description": "violations: nothing changed"}})
async def put_graph(request: Request, graph: str | None = GraphParam, default: str | None = DefaultParam,
                    service: GraphService = Depends(get_service)) -> Response:
    return await _write(request, service, _target(request, graph, write=True), append=False)


@router.post("/graphs", operation_id="graphPost", summary="Add to a graph, or create one (SHACL-gated)",
             status_code=204, response_class=Response, dependencies=[Depends(require_writer)],
             responses={201: {"description": "graph created"}, 204: {"description": "triples added"},
                        422: {"description": "violations: nothing changed"}})
async def post_graph(request: Request, graph: str | None = GraphParam, default: str | None = DefaultParam,
                     service: GraphService = Depends(get_service)) -> Response:
    if graph is None and "default" not in request.query_params:  # POST to the store: a new graph
        return await _write(request, service, f"{GRAPH}local/{uuid4()}", append=False)
    return await _write(request, service, _target(request, graph, write=True), append=True)


@router.delete("/graphs", operation_id="graphDelete", summary="Delete a graph", status_code=204,
               response_class=Response, dependencies=[Depends(require_writer)])
async def delete_graph(request: Request, graph: str | None = GraphParam, default: str | None = DefaultParam,
                       service: GraphService = Depends(get_service)) -> Response:
    target = _target(request, graph, write=True)
    await run_in_threadpool(service.delete_graph, target)
    return Response(status_code=204)


async def _write(request: Request, service: GraphService, target: str | None, append: bool) -> Response:
    if target is None:
        raise UnknownResource("no target graph")
    fmt = rdf_body_format(request)
    body = await read_body(request, service.settings.max_upload_bytes)
    check_rdf_body(body, fmt)
    created, _ = await run_in_threadpool(service.put_graph, target, body, fmt, append)
    if not created:
        return Response(status_code=204)
    location = f"/graphs?graph={quote(target, safe='')}"
    return Response(status_code=201, headers={"Location": location})
