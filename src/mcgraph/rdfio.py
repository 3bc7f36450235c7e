"""Read RDF files into quads: format detection, safety checks, file:line:column syntax errors."""
from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox

from .errors import RDFSyntaxError, UnsafeInput, UsageError

FORMATS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
}

MEDIA_TYPES: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}

_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
ProgressFn = Callable[[int], None]  # called with bytes read so far


def format_for(path: Path) -> ox.RdfFormat:
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(FORMATS))
        raise UsageError(f"{path}: unknown RDF file extension {path.suffix!r} (known: {known})") from None


def refuse_doctype(head: bytes, name: str) -> None:
    """XML with a DOCTYPE or ENTITY declaration is refused: no entity expansion, no external entities."""
    if _DOCTYPE.search(head):
        raise UnsafeInput(f"{name}: RDF/XML with a DOCTYPE or ENTITY declaration is refused")


def parse_bytes(data: bytes, fmt: ox.RdfFormat, name: str, graph: ox.NamedNode | None = None,
                base_iri: str | None = None) -> list[ox.Quad]:
    """Parse an in-memory document; default-graph triples go to `graph` when given."""
    return list(_quads(io.BytesIO(data), fmt, name, graph, base_iri, None, len(data)))


def parse_file(path: Path, graph: ox.NamedNode | None = None, progress: ProgressFn | None = None,
               fmt: ox.RdfFormat | None = None) -> list[ox.Quad]:
    """Parse one file completely into memory (a submission is validated as a whole)."""
    fmt = fmt or format_for(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            return list(_quads(handle, fmt, str(path), graph, path.resolve().as_uri(), progress, size))
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None


def load_into(staging: ox.Store, source: Path | bytes, fmt: ox.RdfFormat, name: str, graph: ox.NamedNode | None,
              base_iri: str | None = None) -> None:
    """Bulk-load a file or an in-memory document into an in-memory store, all or nothing.

    Default-graph triples go to `graph`; blank nodes get fresh identifiers (two documents never
    share one by accident). A syntax error names the document, line and column.
    """
    try:
        if isinstance(source, Path):
            with source.open("rb") as handle:
                if fmt == ox.RdfFormat.RDF_XML:
                    refuse_doctype(handle.read(64 * 1024), name)
            staging.bulk_load(path=str(source), format=fmt, base_iri=base_iri, to_graph=graph)
        else:
            if fmt == ox.RdfFormat.RDF_XML:
                refuse_doctype(source[:64 * 1024], name)
            staging.bulk_load(source, fmt, base_iri=base_iri, to_graph=graph)
    except FileNotFoundError:
        raise UsageError(f"{source}: no such file") from None
    except SyntaxError as err:
        raise RDFSyntaxError(name, err.lineno, err.offset, _reason(err)) from None
    except (ValueError, UnicodeDecodeError) as err:
        raise RDFSyntaxError(name, None, None, str(err)) from None


def _quads(handle: io.BufferedIOBase, fmt: ox.RdfFormat, name: str, graph: ox.NamedNode | None,
           base_iri: str | None, progress: ProgressFn | None, size: int) -> Iterator[ox.Quad]:
    if fmt == ox.RdfFormat.RDF_XML:
        refuse_doctype(handle.read(64 * 1024), name)
        handle.seek(0)
    try:
        for count, quad in enumerate(ox.parse(handle, fmt, base_iri=base_iri), start=1):
            if graph is not None and isinstance(quad.graph_name, ox.DefaultGraph):
                quad = ox.Quad(quad.subject, quad.predicate, quad.object, graph)
            if progress is not None and count % 20000 == 0:
                progress(min(handle.tell(), size))
            yield quad
    except SyntaxError as err:
        raise RDFSyntaxError(name, err.lineno, err.offset, _reason(err)) from None
    except (ValueError, UnicodeDecodeError) as err:
        raise RDFSyntaxError(name, None, None, str(err)) from None
    if progress is not None:
        progress(size)


def _reason(err: SyntaxError) -> str:
    """pyoxigraph prefixes messages with the position, which we already print; keep the reason."""
    message = err.msg or str(err)
    return message.split(": ", 1)[1] if message.startswith("Parser error") and ": " in message else message
