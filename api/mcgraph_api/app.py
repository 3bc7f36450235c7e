"""The FastAPI application: routers, error table, CORS, caching headers, static files."""
from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
    app.add_middleware(HeaderMiddleware)
    return app


class HeaderMiddleware:
    """CORS and conditional GET as one plain ASGI middleware (no extra task, stream or thread per request).

    CORS: reads get the configured origins (default '*', never with credentials); writes only listed origins.
    Caching: GET/HEAD answers carry an ETag made of the dataset version and the request; If-None-Match gives 304.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        settings: Settings = state.settings
        service: GraphService | None = state.service
        headers = Headers(scope=scope)
        method, path = scope["method"], scope["path"]
        origin = headers.get("origin")
        if method == "OPTIONS" and "access-control-request-method" in headers:
            wanted = headers["access-control-request-method"].upper()
            write = path.startswith(WRITE_PATHS) and wanted not in ("GET", "HEAD")
            response = Response(status_code=204)
            _add_cors(response.headers, settings, origin, write, preflight=True)
            response.headers.setdefault("Vary", "Origin")
            await response(scope, receive, send)
            return
        write = path.startswith(WRITE_PATHS) and method not in ("GET", "HEAD")
        etag = version = None
        if method in ("GET", "HEAD") and service is not None and not path.startswith(NO_ETAG):
            version = service.version
            query = scope.get("query_string", b"").decode("latin-1")
            key = f"{path}?{query}|{headers.get('accept', '')}"
            etag = f'W/"{version}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"'
            if etag in [t.strip() for t in headers.get("if-none-match", "").split(",")]:
                response = Response(status_code=304, headers={"ETag": etag, "Vary": "Accept"})
                _add_cors(response.headers, settings, origin, write)
                await response(scope, receive, send)
                return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                # no write landed meanwhile: the body belongs to the version the ETag names
                if etag is not None and message["status"] == 200 and service.version == version:  # type: ignore[union-attr]
                    out["ETag"] = etag
                    out.setdefault("Cache-Control", "no-cache")  # revalidate: cheap with the ETag
                _add_cors(out, settings, origin, write)
                out.setdefault("Vary", "Origin")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _add_cors(out: MutableHeaders, settings: Settings, origin: str | None, write: bool,
              preflight: bool = False) -> None:
    allowed = settings.cors_write_origins if write else settings.cors_origins
    if origin and (origin in allowed or (not write and "*" in allowed)):
        out["Access-Control-Allow-Origin"] = origin if write or "*" not in allowed else "*"
        out["Access-Control-Expose-Headers"] = "ETag, Link, Location, Mcgraph-Results-Truncated"
        if preflight:
            out["Access-Control-Allow-Methods"] = "GET, HEAD, POST, PUT, DELETE" if write else "GET, HEAD, POST"
            out["Access-Control-Allow-Headers"] = (
                "Authorization, Content-Type, Content-Encoding, Accept" if write else "Content-Type, Accept")
            out["Access-Control-Max-Age"] = "600"
