"""The FastAPI application: routers, error table, CORS, caching headers, static files."""
from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from mcgraph import __version__
from mcgraph.config import Settings
from mcgraph.service import GraphService

from . import problems
from .routes import graphs, ids, meta, recognition, referencing, rest, sparql, stacking

STATIC_DIR = Path(__file__).parent / "static"
WRITE_PATHS = ("/update", "/graphs")
NO_ETAG = ("/-/health",)


def create_app(service: GraphService | None = None, settings: Settings | None = None) -> FastAPI:
    """The app over `service`; without one, the service is opened from the settings at start-up."""
    settings = settings or (service.settings if service else Settings.from_env())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = app.state.service is None
        if owned:
            app.state.service = GraphService.open(settings)
        yield
        if owned:
            app.state.service.close()

    app = FastAPI(title="mcgraph", version=__version__, lifespan=lifespan,
                  description="Micro-credentials and qualifications frameworks in Asia and the Pacific: "
                              "SPARQL 1.1, the Graph Store Protocol and a JSON API for web tools.")
    app.state.service = service
    app.state.settings = settings
    problems.install(app)
    for module in (meta, sparql, graphs, rest, referencing, stacking, recognition, ids):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.middleware("http")(_caching)
    app.middleware("http")(_cors)
    return app


def _is_write(request: Request) -> bool:
    return request.url.path.startswith(WRITE_PATHS) and request.method not in ("GET", "HEAD")


async def _cors(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Reads: the configured origins (default '*', never with credentials). Writes: only listed origins."""
    origin = request.headers.get("origin")
    settings: Settings = request.app.state.settings
    preflight = request.method == "OPTIONS" and "access-control-request-method" in request.headers
    if preflight:
        wanted = request.headers["access-control-request-method"].upper()
        response = Response(status_code=204)
        write = request.url.path.startswith(WRITE_PATHS) and wanted not in ("GET", "HEAD")
    else:
        response = await call_next(request)
        write = _is_write(request)
    allowed = settings.cors_write_origins if write else settings.cors_origins
    if origin and (origin in allowed or (not write and "*" in allowed)):
        response.headers["Access-Control-Allow-Origin"] = origin if write or "*" not in allowed else "*"
        response.headers["Access-Control-Expose-Headers"] = "ETag, Link, Location, Mcgraph-Results-Truncated"
        if preflight:
            response.headers["Access-Control-Allow-Methods"] = (
                "GET, HEAD, POST, PUT, DELETE" if write else "GET, HEAD, POST")
            response.headers["Access-Control-Allow-Headers"] = (
                "Authorization, Content-Type, Content-Encoding, Accept" if write else "Content-Type, Accept")
            response.headers["Access-Control-Max-Age"] = "600"
    response.headers.setdefault("Vary", "Origin")
    return response


async def _caching(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """GET/HEAD answers carry an ETag made of the dataset version and the request; If-None-Match gives 304."""
    service: GraphService | None = request.app.state.service
    if request.method not in ("GET", "HEAD") or service is None or request.url.path.startswith(NO_ETAG):
        return await call_next(request)
    version = service.version
    key = f"{request.url.path}?{request.url.query}|{request.headers.get('accept', '')}"
    etag = f'W/"{version}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"'
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers={"ETag": etag, "Vary": "Accept"})
    response = await call_next(request)
    if response.status_code == 200 and service.version == version:  # no write landed meanwhile
        response.headers["ETag"] = etag
        response.headers.setdefault("Cache-Control", "no-cache")  # revalidate: cheap with the ETag
    return response
