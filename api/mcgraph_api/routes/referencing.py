"""Cross-framework comparison: a level or a framework against other frameworks, with the evidence.
Each route is one call into mcgraph.referencing over the service's cached correspondence network."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool

from mcgraph.errors import UsageError
from mcgraph.referencing import DEFAULT_MAX_HOPS, MAX_MAX_HOPS, Comparison, Matrix
from mcgraph.referencing_quality import FrameworkQuality, check_referencing
from mcgraph.service import GraphService

from .common import get_service

router = APIRouter(tags=["Referencing"])

_HOPS = Query(DEFAULT_MAX_HOPS, ge=1, le=MAX_MAX_HOPS,
              description="longest chain of correspondences (reports) to follow")
_TO = Query(..., description='target framework: id (hkqf), code (HKQF), CURIE or IRI; "all" for every framework '
                             "reachable")


@router.get("/compare", operation_id="compare", response_model=Comparison,
            summary="What a level (or every level of a framework) corresponds to in another framework",
            description="Chains of recorded level correspondences, through regional frameworks and bilateral "
                        "comparisons, each hop with its report (title, bodies, date, status, sources); a strength "
                        "per chain; and, when there is no answer, the status and findings that say why "
                        "(no match by agreement, level table not in the graph, not referenced, no chain). "
                        "Never inferred from equal level numbers.")
async def compare(level: str | None = Query(None, description="a level: FRAMEWORK:NOTATION (AQF:7), id or IRI"),
                  framework: str | None = Query(None, description="or a whole framework: id, code or IRI"),
                  to: str = _TO, max_hops: int = _HOPS,
                  service: GraphService = Depends(get_service)) -> Comparison:
    if (level is None) == (framework is None):
        raise UsageError("give either level= (e.g. AQF:7) or framework= (e.g. AQF)")
    network = await run_in_threadpool(service.referencing)
    source = network.level(level).iri if level else network.framework(framework or "").iri  # fail clearly
    return await run_in_threadpool(network.compare, source, to, max_hops)


@router.get("/compare/matrix", operation_id="compareMatrix", response_model=Matrix,
            summary="Every level of one framework with its matches in another, for tables and charts")
async def matrix(framework: str = Query(..., description="the framework whose levels are the rows"),
                 to: str = Query(..., description="the framework whose levels are the columns"),
                 max_hops: int = _HOPS, service: GraphService = Depends(get_service)) -> Matrix:
    network = await run_in_threadpool(service.referencing)
    return await run_in_threadpool(network.matrix, framework, to, max_hops)


@router.get("/referencing/quality", operation_id="referencingQuality", response_model=list[FrameworkQuality],
            summary="Quality checks on the referencing data, per framework",
            description="Levels without correspondence in a complete table, rows that invert the level order, "
                        "one-to-many and many-to-one fans, reports without source or date, declared level counts "
                        "that disagree with the levels in the graph. Findings are warnings or infos with the "
                        "nodes involved; they describe the data, they do not block anything.")
async def quality(framework: str | None = Query(None, description="one framework; default: every referenced one"),
                  service: GraphService = Depends(get_service)) -> list[FrameworkQuality]:
    network = await run_in_threadpool(service.referencing)
    return check_referencing(network, framework)
