"""Recognition: a first assessment of a credential for a host country, evidence rather than a verdict
(mcgraph.recognition; docs/RECOGNITION.md). One path, two bodies: a JSON request naming a stored
credential, or the credential itself in Turtle / JSON-LD, validated and assessed without being stored."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from mcgraph.errors import UsageError
from mcgraph.recognition import RecognitionAssessment
from mcgraph.recognition_report import to_markdown
from mcgraph.service import GraphService

from ..http import check_rdf_body, media_type, rdf_body_format, read_body
from ..negotiation import choose
from ..problems import UnsupportedMediaType
from .common import get_service

router = APIRouter(tags=["Recognition"])

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
SUBMISSION_TYPES = ("text/turtle", "application/ld+json")
MARKDOWN = "text/markdown"


class RecognitionRequest(BaseModel):
    """A stored credential to assess for a host country."""
    model_config = ConfigDict(extra="forbid")

    credential: Name = Field(..., description="a stored credential: slug (nz-data-ethics), CURIE (id:credential/…) "
                                              "or IRI")
    host: Name = Field(..., description="the host country: ISO 3166-1 alpha-2 code (HK, NZ, AU) or its name")
    at: date | None = Field(None, description="the date assessed, YYYY-MM-DD (default today)")
    format: Literal["json", "markdown"] | None = Field(
        None, description="json (the Assessment) or markdown (a case-file attachment); default by Accept")


_SUBMISSION = """@prefix mc: <https://w3id.org/mcgraph/ns#> .
@prefix dct: <http://purl.org/dc/terms/> .
<https://example.org/credential/sample> a mc:MicroCredential ;
  dct:title "Sample micro-credential (illustrative)"@en ;
  mc:awardingBody <https://w3id.org/mcgraph/id/org/example-polytechnic-nz> ;
  mc:issuerCountry <https://w3id.org/mcgraph/id/country/NZ> ;
  mc:level <https://w3id.org/mcgraph/id/level/aqf-7> ;
  mc:credentialFormat mc:W3CVerifiableCredential ;
  mc:illustrative true .
"""
_REQUEST_BODY = {
    "required": True,
    "description": "Either a JSON **RecognitionRequest** naming a stored credential, or the credential itself "
                   "as Turtle or JSON-LD (exactly one resource typed mc:MicroCredential, mc:Qualification or "
                   "mc:Credential) with `host` and `at` as query parameters. A submitted credential must "
                   "conform to the shapes (else 422 with the report) and is never stored.",
    "content": {
        "application/json": {
            "schema": RecognitionRequest.model_json_schema(),
            "examples": {"stored": {"summary": "An NZ micro-credential in Hong Kong after its QA expired",
                                    "value": {"credential": "nz-data-ethics", "host": "HK", "at": "2026-01-01"}}}},
        "text/turtle": {"schema": {"type": "string"},
                        "examples": {"submitted": {"summary": "An AQF 7 micro-credential (host and at in the query)",
                                                   "value": _SUBMISSION}}},
        "application/ld+json": {"schema": {"type": "object"}},
    },
}


def _schema_extra() -> dict:
    return {"requestBody": _REQUEST_BODY}


@router.post("/recognition", operation_id="recognition", response_model=RecognitionAssessment,
             summary="A first recognition assessment of a credential for a host country",
             description="Evidence for a recogniser, not a verdict: conformance with the UNESCO 2022 definition "
                         "(part by part) and the EU 2022 standard elements; comparable levels in the host "
                         "country's frameworks through the referencing reports; quality assurance at the date; "
                         "the recognition conventions binding the issuing and the host country and the host's "
                         "national information centres; a digital-trust profile with its weighted score; and the "
                         "substantial differences worth a look. JSON by default; Markdown (a case-file "
                         "attachment) with `Accept: text/markdown` or `format=markdown`. Public: no token needed; "
                         "a submitted credential is never stored.",
             openapi_extra=_schema_extra(),
             responses={200: {"description": "the Assessment (JSON), or the same as Markdown",
                              "content": {MARKDOWN: {"schema": {"type": "string"}}}},
                        400: {"description": "a bad request, e.g. a malformed date (problem+json)"},
                        404: {"description": "an unknown credential or host country"},
                        413: {"description": "the body is larger than the upload limit"},
                        415: {"description": "a body that is neither JSON, Turtle nor JSON-LD"},
                        422: {"description": "a submitted credential that does not conform to the shapes, with "
                                             "the report"}})
async def recognition(request: Request,
                      host: str | None = Query(None, description="submissions only: the host country "
                                                                 "(ISO code or name)"),
                      at: date | None = Query(None, description="submissions only: the date assessed, YYYY-MM-DD "
                                                                "(default today)"),
                      format: Literal["json", "markdown"] | None = Query(
                          None, description="json or markdown (default by Accept)"),
                      service: GraphService = Depends(get_service)) -> Response | RecognitionAssessment:
    kind = media_type(request)
    body = await read_body(request, service.settings.max_upload_bytes)
    if kind == "application/json":
        if host is not None or at is not None:
            raise UsageError("with a JSON body, give host and at in the body, not in the query")
        try:
            asked = RecognitionRequest.model_validate_json(body or b"null")
        except ValidationError as error:
            detail = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in error.errors())
            raise UsageError(f"invalid request body: {detail}") from None
        result = await run_in_threadpool(service.assess, asked.credential, asked.host, asked.at)
        wanted = asked.format or format
    elif kind in SUBMISSION_TYPES:
        fmt = rdf_body_format(request)
        check_rdf_body(body, fmt)
        if not (host or "").strip():
            raise UsageError("a submitted credential needs the host country as ?host= (ISO code or name)")
        result = await run_in_threadpool(service.assess_submission, body, fmt, host.strip(), at)  # type: ignore[union-attr]
        wanted = format
    else:
        raise UnsupportedMediaType(f"Content-Type {kind or '(none)'} is not accepted here; send application/json "
                                   f"(a stored credential) or {' or '.join(SUBMISSION_TYPES)} (a submitted one)")
    wanted = wanted or choose(request.headers.get("accept"), {"application/json": "json", MARKDOWN: "markdown"},
                              "json") or "json"
    if wanted == "markdown":
        return Response(to_markdown(result), media_type=f"{MARKDOWN}; charset=utf-8", headers={"Vary": "Accept"})
    return result
