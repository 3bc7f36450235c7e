"""SPARQL 1.1 Protocol: /sparql (query: GET, POST form, POST direct) and /update (token required)."""
from __future__ import annotations

import html
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from mcgraph.errors import UsageError
from mcgraph.namespaces import sparql_prologue
from mcgraph.queries import catalogue
from mcgraph.service import GraphService

from ..http import media_type, read_body, require_writer
from ..negotiation import graph_format, prefers_html, result_formats
from ..problems import UnsupportedMediaType
from .common import get_service, html_page, rdf_response, service_description

router = APIRouter(tags=["SPARQL"])


@router.get("/sparql", operation_id="sparqlQueryGet", summary="SPARQL query by GET (or the query page)",
            response_class=Response)
async def query_get(request: Request, service: GraphService = Depends(get_service)) -> Response:
    params = _multi(request.url.query)
    queries = params.get("query", [])
    if not queries:
        if prefers_html(request.headers.get("accept")):
            return query_page()
        return rdf_response(service_description(request), graph_format(request.headers.get("accept"),
                                                                          _one(params, "format")))
    return await _answer(request, service, params)


@router.post("/sparql", operation_id="sparqlQueryPost", summary="SPARQL query by POST (form or direct)",
             response_class=Response)
async def query_post(request: Request, service: GraphService = Depends(get_service)) -> Response:
    body = await read_body(request, service.settings.max_query_bytes + 4096)
    kind = media_type(request)
    params = _multi(request.url.query)
    if kind == "application/x-www-form-urlencoded":
        for key, values in _multi(body.decode("utf-8", "replace")).items():
            params.setdefault(key, []).extend(values)
    elif kind == "application/sparql-query":
        if "query" in params:
            raise UsageError("a direct POST carries the query in its body, not also in the URL")
        params["query"] = [_text(body)]
    else:
        raise UnsupportedMediaType(f"Content-Type {kind or '(none)'} is not accepted here; use "
                                   "application/sparql-query or application/x-www-form-urlencoded")
    return await _answer(request, service, params)


async def _answer(request: Request, service: GraphService, params: dict[str, list[str]]) -> Response:
    queries = params.get("query", [])
    if len(queries) != 1:
        raise UsageError(f"exactly one query is expected; got {len(queries)}")
    solutions, graph = result_formats(request.headers.get("accept"), _one(params, "format"))
    args = (queries[0], solutions, graph, params.get("default-graph-uri"), params.get("named-graph-uri"))
    result = await service.asparql(*args)  # cached, or awaited from a worker without a thread
    headers = {"Vary": "Accept"}
    if result.truncated:
        headers["Mcgraph-Results-Truncated"] = result.truncated
    content_type = result.media_type + ("; charset=utf-8" if result.media_type.startswith("text/") else "")
    return Response(result.body, media_type=content_type, headers=headers)


@router.post("/update", operation_id="sparqlUpdate", summary="SPARQL 1.1 Update (bearer token; SHACL-gated)",
             status_code=204, response_class=Response, dependencies=[Depends(require_writer)])
async def update(request: Request, service: GraphService = Depends(get_service)) -> Response:
    body = await read_body(request, service.settings.max_upload_bytes)
    kind = media_type(request)
    if kind == "application/sparql-update":
        texts = [_text(body)]
    elif kind == "application/x-www-form-urlencoded":
        texts = _multi(body.decode("utf-8", "replace")).get("update", [])
    else:
        raise UnsupportedMediaType(f"Content-Type {kind or '(none)'} is not accepted here; use "
                                   "application/sparql-update or application/x-www-form-urlencoded")
    if len(texts) != 1:
        raise UsageError(f"exactly one update is expected; got {len(texts)}")
    await run_in_threadpool(service.update, texts[0])
    return Response(status_code=204)


def query_page() -> HTMLResponse:
    examples = "".join(f'<option value="{html.escape(q.text)}">{html.escape(q.title)}</option>'
                       for q in catalogue().values())
    return html_page("query.html", prefixes=html.escape(sparql_prologue()), examples=examples)


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError("the body is not UTF-8 text") from None


def _multi(query: str) -> dict[str, list[str]]:
    return dict(parse_qs(query, keep_blank_values=True).items())


def _one(params: dict[str, Any], name: str) -> str | None:
    values = params.get(name) or []
    return values[-1] if values else None
