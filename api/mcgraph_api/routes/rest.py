"""JSON resources for web tools: frameworks, levels, credentials, organisations, countries, canned queries,
validation. Each route is one call into mcgraph.browse (answered whole by a query worker), the query catalogue
or the validator."""
from __future__ import annotations

import json
from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from mcgraph import browse
from mcgraph.errors import UnknownResource, UsageError
from mcgraph.namespaces import ID
from mcgraph.queries import CannedQuery, bind, catalogue, paged
from mcgraph.report import to_dict, to_turtle
from mcgraph.service import GraphService
from mcgraph.validate import available_profiles

from ..http import check_rdf_body, rdf_body_format, read_body
from ..negotiation import choose, result_formats
from .common import get_service

router = APIRouter(tags=["Resources"])


def _iri(kind: str, slug: str) -> str:
    return f"{ID}{kind}/{slug}"


@router.get("/frameworks", operation_id="listFrameworks", response_model=list[browse.FrameworkSummary],
            summary="Qualifications frameworks")
async def frameworks(service: GraphService = Depends(get_service)) -> list[browse.FrameworkSummary]:
    return await service.browse("frameworks")


@router.get("/frameworks/{slug}", operation_id="getFramework", response_model=browse.FrameworkDetail,
            summary="A framework with its levels")
async def framework(slug: str, service: GraphService = Depends(get_service)) -> browse.FrameworkDetail:
    return await service.browse("framework", _iri("framework", slug))


@router.get("/levels/{slug}", operation_id="getLevel", response_model=browse.LevelDetail,
            summary="A level with its correspondences in other frameworks")
async def level(slug: str, service: GraphService = Depends(get_service)) -> browse.LevelDetail:
    return await service.browse("level", _iri("level", slug))


class CredentialList(BaseModel):
    items: list[browse.CredentialSummary]
    next: str | None  # URL of the next page; None on the last page


@router.get("/credentials", operation_id="searchCredentials", response_model=CredentialList,
            summary="Search credentials (keyset pagination: follow `next` or the Link header)")
async def credentials(request: Request, response: Response,
                      q: str | None = Query(None, description="text in title, description or outcomes"),
                      framework: str | None = Query(None, description="framework IRI or CURIE"),
                      level: str | None = Query(None, description="level IRI or CURIE"),
                      provider: str | None = Query(None, description="provider IRI or CURIE"),
                      country: str | None = Query(None, description="country IRI or CURIE"),
                      field: str | None = Query(None, description="ISCED-F field IRI or CURIE"),
                      after: str | None = Query(None, description="cursor from the previous page"),
                      limit: int = Query(50, ge=1, le=200),
                      service: GraphService = Depends(get_service)) -> CredentialList:
    page = await service.browse("credentials", text=q, framework=framework, level=level, provider=provider,
                                country=country, field=field, after=after, limit=limit)
    next_url = None
    if page.next_cursor:
        params = {k: v for k, v in request.query_params.items() if k != "after"}
        next_url = f"{request.url.path}?{urlencode({**params, 'after': page.next_cursor})}"
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return CredentialList(items=page.items, next=next_url)


@router.get("/credentials/{slug}", operation_id="getCredential", response_model=browse.CredentialDetail,
            summary="One credential, with everything a page about it needs")
async def credential(slug: str, service: GraphService = Depends(get_service)) -> browse.CredentialDetail:
    return await service.browse("credential", _iri("credential", slug))


@router.get("/organisations", operation_id="listOrganisations", response_model=list[browse.OrganisationSummary],
            summary="Providers, QA agencies, authorities, NICs and networks")
async def organisations(kind: str | None = Query(None, description="e.g. Provider, QAAgency, NIC, Network"),
                        service: GraphService = Depends(get_service)) -> list[browse.OrganisationSummary]:
    return await service.browse("organisations", kind)


@router.get("/countries", operation_id="listCountries", response_model=list[browse.CountrySummary],
            summary="Countries with their frameworks and convention status at a date")
async def countries(at: date | None = Query(None, description="date of the convention status (default today)"),
                    service: GraphService = Depends(get_service)) -> list[browse.CountrySummary]:
    return await service.browse("countries", at)


class QueryParamInfo(BaseModel):
    name: str
    type: str
    required: bool
    default: str | None
    description: str


class QueryInfo(BaseModel):
    name: str
    title: str
    description: str
    params: list[QueryParamInfo]
    url: str
    sparql: str


@router.get("/queries", operation_id="listQueries", response_model=list[QueryInfo], summary="Canned queries")
async def queries() -> list[QueryInfo]:
    return [_query_info(q) for q in catalogue().values()]


def _query_info(q: CannedQuery) -> QueryInfo:
    params = [QueryParamInfo(name=p.name, type=p.type, required=p.required, default=p.default,
                             description=p.description) for p in q.params]
    return QueryInfo(name=q.name, title=q.title, description=q.description, params=params,
                     url=f"/queries/{q.name}", sparql=q.text)


PAGE_SIZE = 1000  # rows of a canned query's page unless `limit` says otherwise
ROUTE_PARAMS = ("format", "limit", "offset")  # parameters of the route, not of the query


@router.get("/queries/{name}", operation_id="runQuery", response_class=Response,
            summary="Run a canned query, one page at a time; parameters as ?name=value; any SPARQL result format")
async def run_query(name: str, request: Request, format: str | None = None,
                    limit: int | None = Query(None, ge=0, description=f"rows per page (default {PAGE_SIZE}, "
                                              "at most the server's MCGRAPH_MAX_RESULT_ROWS)"),
                    offset: int = Query(0, ge=0, description="rows to skip (store order, unless the query sorts)"),
                    service: GraphService = Depends(get_service)) -> Response:
    query = catalogue().get(name)
    if query is None:
        raise UnknownResource(f"no query named {name!r}; see /queries")
    most = service.settings.max_result_rows
    if limit is not None and limit > most:
        raise UsageError(f"limit must be at most {most} (MCGRAPH_MAX_RESULT_ROWS); follow the Link header for more")
    page = min(PAGE_SIZE, most) if limit is None else limit
    values = {k: v for k, v in request.query_params.items() if k not in ROUTE_PARAMS}
    bound = bind(query, values)
    text = paged(query.text, page, offset)
    solutions, graph = result_formats(request.headers.get("accept"), format)
    result = await service.run_canned(text, bound, solutions, graph)
    headers = {"Vary": "Accept"}
    if result.truncated:
        headers["Mcgraph-Results-Truncated"] = result.truncated
    count = result.rows
    if count and (count >= page or result.truncated):  # a full page, or one cut short by the byte cap
        kept = [(k, v) for k, v in request.query_params.multi_items() if k != "offset"]
        headers["Link"] = f'<{request.url.path}?{urlencode([*kept, ("offset", offset + count)])}>; rel="next"'
    return Response(result.body, media_type=result.media_type, headers=headers)


@router.post("/validate", operation_id="validate", response_class=Response,
             summary="Validate a Turtle / JSON-LD / N-Triples / RDF/XML body without storing it",
             responses={200: {"description": "the report (JSON by default, Turtle sh:ValidationReport on request)",
                              "content": {"application/json": {}, "text/turtle": {}}}})
async def validate(request: Request, profile: list[str] = Query([], description=f"profiles: {available_profiles()}"),
                   service: GraphService = Depends(get_service)) -> Response:
    fmt = rdf_body_format(request)
    body = await read_body(request, service.settings.max_upload_bytes)
    check_rdf_body(body, fmt)
    report = await run_in_threadpool(service.validate, body, fmt, profile)
    report.profiles = list(profile)
    if choose(request.headers.get("accept"), {"application/json": "json", "text/turtle": "turtle"}, "json") == "turtle":
        return Response(to_turtle(report), media_type="text/turtle; charset=utf-8")
    return Response(json.dumps(to_dict(report), ensure_ascii=False), media_type="application/json")


