"""Request plumbing shared by the routes: bounded body reading, bearer tokens, body media types."""
from __future__ import annotations

import hmac
import zlib

import pyoxigraph as ox
from fastapi import Request

from mcgraph.rdfio import MEDIA_TYPES, refuse_doctype

from .problems import Forbidden, PayloadTooLarge, Unauthorized, UnsupportedMediaType


def media_type(request: Request) -> str:
    return (request.headers.get("content-type") or "").split(";")[0].strip().lower()


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, decompressed, refused with 413 as soon as it passes `limit` bytes."""
    declared = request.headers.get("content-length")
    encoding = (request.headers.get("content-encoding") or "identity").lower()
    if declared and declared.isdigit() and int(declared) > limit and encoding == "identity":
        raise PayloadTooLarge(f"the body has {declared} bytes; this server accepts at most {limit}")
    decoder = _decoder(encoding)
    body = bytearray()
    async for chunk in request.stream():
        body += decoder.decompress(chunk, limit + 1 - len(body)) if decoder else chunk
        if len(body) > limit or (decoder and decoder.unconsumed_tail):
            raise PayloadTooLarge(f"the body is larger than {limit} bytes (after decompression)")
    if decoder:
        body += decoder.flush()
        if len(body) > limit:
            raise PayloadTooLarge(f"the body is larger than {limit} bytes (after decompression)")
    return bytes(body)


def _decoder(encoding: str) -> zlib._Decompress | None:  # type: ignore[name-defined]
    if encoding == "identity":
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj()
    raise UnsupportedMediaType(f"unsupported Content-Encoding {encoding!r}; use gzip, deflate or none")


def rdf_body_format(request: Request, allow_datasets: bool = False) -> ox.RdfFormat:
    """The RDF format of the body from Content-Type, or 415."""
    kind = media_type(request)
    fmt = MEDIA_TYPES.get(kind)
    if fmt is None or (not allow_datasets and fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)):
        offered = [m for m, f in MEDIA_TYPES.items()
                   if allow_datasets or f not in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)]
        raise UnsupportedMediaType(f"Content-Type {kind or '(none)'} is not an accepted RDF type; "
                                   f"send one of {', '.join(offered)}")
    return fmt


def check_rdf_body(data: bytes, fmt: ox.RdfFormat) -> None:
    if fmt == ox.RdfFormat.RDF_XML:
        refuse_doctype(data[:65536], "request body")


async def require_writer(request: Request) -> None:
    """Writes need the server's bearer token (compared in constant time) and a same-site or allowed origin."""
    settings = request.app.state.settings
    if not settings.token:
        raise Forbidden("writes are disabled on this server: it was started without MCGRAPH_TOKEN")
    origin = request.headers.get("origin")
    if origin and origin not in settings.cors_write_origins and not _same_origin(request, origin):
        raise Forbidden(f"writes from origin {origin} are not allowed")
    scheme, _, given = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), settings.token.encode()):
        raise Unauthorized("this write needs the header 'Authorization: Bearer <token>' with the server's token")


def _same_origin(request: Request, origin: str) -> bool:
    return origin.rstrip("/") == f"{request.url.scheme}://{request.headers.get('host', '')}"
