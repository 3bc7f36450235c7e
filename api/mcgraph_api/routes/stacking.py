"""Stackability: which qualifications a learner's credentials count toward, what remains, how to finish.
Each route is one question to mcgraph.stacking, answered whole by a query worker next to the data, with
the correspondence network and credit systems read once per dataset version (docs/STACKING.md has the rules)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from mcgraph.errors import UsageError
from mcgraph.namespaces import ID
from mcgraph.service import GraphService
from mcgraph.stacking import MAX_PLANS, Discovery, Evaluation, Pathways, Stackable

from .common import get_service

router = APIRouter(tags=["Stacking"])

MAX_CREDENTIALS = 100
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
CredentialName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
NZ_HELD = ["nz-data-fundamentals", "nz-data-visualisation", "nz-applied-machine-learning", "nz-data-ethics"]


class StackRequest(BaseModel):
    """The credentials a learner holds and, optionally, the qualification to evaluate them against."""
    model_config = ConfigDict(extra="forbid")

    credentials: list[CredentialName] = Field(
        ..., min_length=1, max_length=MAX_CREDENTIALS,
        description="held credentials: slug (nz-data-fundamentals), CURIE (id:credential/…) or IRI")
    target: CredentialName | None = Field(
        None, description="a qualification (slug, CURIE or IRI): evaluate against it, with completion plans; "
                          "without it, every qualification the credentials count toward, closest first")
    at: date | None = Field(None, description="date of quality assurance and rules, YYYY-MM-DD (default today)")
    prior_learning: Decimal | None = Field(
        None, ge=0, description="credit from recognition of prior learning, in the rule's credit system "
                                "(counted up to the rule's cap)")
    cost: Literal["credits", "hours"] = Field(
        "credits", description="what completion plans minimise: credits to add, or notional learning hours")
    plans: int = Field(3, ge=0, le=MAX_PLANS, description="how many completion plans (target only; 0 for none)")


_EXAMPLES = {
    "evaluate": {"summary": "Four NZ micro-credentials against the NZ diploma",
                 "value": {"credentials": NZ_HELD, "target": "nz-diploma-applied-data-analytics",
                           "at": "2026-01-01", "plans": 3}},
    "discover": {"summary": "Every qualification the same credentials count toward",
                 "value": {"credentials": NZ_HELD, "at": "2026-01-01"}},
}


@router.post("/stack", operation_id="stack", response_model=Evaluation | Discovery,
             summary="Which qualifications credentials count toward, how much, and what remains",
             description="With `target`: an **Evaluation** of the held credentials against that qualification's "
                         "stacking rule — per credential whether it counts and why (listing, quality assurance "
                         "in force at the date, field, minimum level compared by rank or through referencing, "
                         "credit converted through notional hours, the micro-credential cap), the credit summary, "
                         "each required component, group and outcome, what remains in plain language, and the "
                         "cheapest completion plans from the credentials in the graph. Without `target`: a "
                         "**Discovery** — every qualification the credentials count toward, closest first, each "
                         "with its evaluation (no plans). Public: no token needed.",
             responses={200: {"description": "an Evaluation when `target` is given, else a Discovery"},
                        400: {"description": "a bad request (problem+json)"},
                        404: {"description": "an unknown credential, or a target without a stacking rule"}})
async def stack(request: Annotated[StackRequest, Body(openapi_examples=_EXAMPLES)],
                service: GraphService = Depends(get_service)) -> Evaluation | Discovery:
    if request.target is None:
        return await service.stack("discover", request.credentials, request.at, request.prior_learning)
    return await service.stack("evaluate", request.credentials, request.target, request.at,
                               request.prior_learning, request.cost, request.plans)


@router.get("/qualifications/{slug}/stackable", operation_id="stackable", response_model=Stackable,
            summary="Every credential that may stack into a qualification, and whether it counts",
            description="The qualification's parts, the components and group members its rule names, the "
                        "credentials attesting its required outcomes and, when the rule accepts unlisted "
                        "micro-credentials, every micro-credential in an accepted field; each assessed against "
                        "the rule at the date. Counting credentials first, larger credit first; `total` and "
                        "`counting` are before the limit. 404 when the credential has no stacking rule.")
async def stackable(slug: str,
                    at: date | None = Query(None, description="date of quality assurance, YYYY-MM-DD (default today)"),
                    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="most credentials listed"),
                    service: GraphService = Depends(get_service)) -> Stackable:
    return await service.stack("stackable", f"{ID}credential/{slug}", at, limit)


@router.get("/pathways", operation_id="pathways", response_model=Pathways,
            summary="Part-to-whole chains from credentials up to the qualifications that contain them",
            description="Listed links only (a part of, a required component of, a group member of): "
                        "micro-credential -> larger credential -> qualification. Each chain runs from a start "
                        "credential to a credential nothing contains; nodes and edges give the subgraph.")
async def pathways(credential: list[str] = Query(..., description="a start credential: slug, CURIE or IRI "
                                                                   "(repeat the parameter for several)"),
                   service: GraphService = Depends(get_service)) -> Pathways:
    if len(credential) > MAX_CREDENTIALS:
        raise UsageError(f"at most {MAX_CREDENTIALS} credentials")
    names = [c.strip() for c in credential]
    if not all(names):
        raise UsageError("credential= must name a credential")
    return await service.stack("pathways", names)
