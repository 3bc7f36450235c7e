"""Query results serialized from plain rows, with caps on rows and bytes and an explicit signal when one was hit.

pyoxigraph serializes a whole result set and cannot serialize a list of solutions, so a server that stops at a
limit writes results here. Solutions follow the W3C SPARQL 1.1 Query Results formats (JSON, XML, CSV and TSV),
with the SPARQL 1.2 additions for triple terms ("triple") and base directions ("its:dir"). A capped body is always
a complete document: rows are cut whole, before the one that would pass a limit.

Choices the specs leave open:
- CSV has no term syntax, so a triple term is written as in TSV, `<<( <s> <p> "o" )>>`.
- TSV writes every literal in full N-Triples form (`"1"^^<http://www.w3.org/2001/XMLSchema#integer>`, never `1`).
- ASK in CSV or TSV is one line, `true` or `false` (CRLF-terminated in CSV, LF in TSV), as pyoxigraph writes it.
- XML 1.0 cannot carry most control characters, not even as references; they are written as U+FFFD.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

import pyoxigraph as ox

from .errors import UsageError

__all__ = [
    "GRAPH_TYPES",
    "RDF_FORMATS",
    "SOLUTION_TYPES",
    "Serialized",
    "Term",
    "serialize_boolean",
    "serialize_solutions",
    "serialize_triples",
]

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple

SOLUTION_TYPES: dict[str, str] = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_TYPES: dict[str, str] = {
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
RDF_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_IMPLICIT_DATATYPES = {_XSD_STRING, _RDF + "langString", _RDF + "dirLangString"}
_RESULTS_NS = "http://www.w3.org/2005/sparql-results#"
_ITS_NS = "http://www.w3.org/2005/11/its"


@dataclass
class Serialized:
    """A complete response body; `truncated` is None, "rows" or "bytes" when a cap cut the results short;
    `rows` counts the solutions (or triples) written, 0 for a boolean."""

    body: bytes
    media_type: str
    truncated: str | None = None
    rows: int = 0


# --- N-Triples terms (TSV, and triple terms in CSV) ------------------------------------------------------------------

_NT_ESCAPES = {ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t",
               ord("\b"): "\\b", ord("\f"): "\\f"}
_NT_ESCAPES.update({c: f"\\u{c:04X}" for c in [*range(0x20), 0x7F] if c not in _NT_ESCAPES})


def _nt_literal(literal: ox.Literal) -> str:
    text = f'"{literal.value.translate(_NT_ESCAPES)}"'
    if literal.language:
        direction = f"--{literal.direction}" if literal.direction else ""
        return f"{text}@{literal.language}{direction}"
    datatype = literal.datatype.value
    return text if datatype == _XSD_STRING else f"{text}^^<{datatype}>"


def _nt(term: Term) -> str:
    """A term in N-Triples syntax; no tab or line break survives unescaped."""
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return f"<<( {_nt(term.subject)} {_nt(term.predicate)} {_nt(term.object)} )>>"
    return _nt_literal(term)


# --- JSON ----------------------------------------------------------------------------------------------------------


def _json_term(term: Term) -> dict[str, object]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        parts = {"subject": term.subject, "predicate": term.predicate, "object": term.object}
        return {"type": "triple", "value": {key: _json_term(part) for key, part in parts.items()}}
    out: dict[str, object] = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
        if term.direction:
            out["its:dir"] = str(term.direction)
    if term.datatype.value not in _IMPLICIT_DATATYPES:
        out["datatype"] = term.datatype.value
    return out


def _json_dump(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


# --- XML -----------------------------------------------------------------------------------------------------------

_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_XML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_XML_ATTR = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}
)


def _xml_text(value: str) -> str:
    return _XML_FORBIDDEN.sub("\ufffd", value).translate(_XML_TEXT)


def _xml_attr(value: str) -> str:
    return '"' + _XML_FORBIDDEN.sub("\ufffd", value).translate(_XML_ATTR) + '"'


def _xml_literal(literal: ox.Literal) -> str:
    attributes = ""
    if literal.language:
        attributes = f" xml:lang={_xml_attr(literal.language)}"
        if literal.direction:
            attributes += f' its:dir="{literal.direction}" xmlns:its="{_ITS_NS}" its:version="2.0"'
    elif literal.datatype.value not in _IMPLICIT_DATATYPES:
        attributes = f" datatype={_xml_attr(literal.datatype.value)}"
    return f"<literal{attributes}>{_xml_text(literal.value)}</literal>"


def _xml_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{_xml_text(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{_xml_text(term.value)}</bnode>"
    if isinstance(term, ox.Triple):
        parts = (("subject", term.subject), ("predicate", term.predicate), ("object", term.object))
        inner = "".join(f"<{name}>{_xml_term(part)}</{name}>" for name, part in parts)
        return f"<triple>{inner}</triple>"
    return _xml_literal(term)


def _xml_document(head: str, body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="{_RESULTS_NS}"><head>{head}</head>{body}'


# --- CSV -----------------------------------------------------------------------------------------------------------


def _csv_field(value: str) -> str:
    # RFC 4180: quote a field holding a quote, a comma or a line break; double the quotes inside
    if any(char in value for char in '",\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _csv_value(term: Term) -> str:
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return _nt(term)
    return term.value


# --- solutions -----------------------------------------------------------------------------------------------------

Row = dict[str, Term | None]


@dataclass(frozen=True)
class _Layout:
    """How one format frames rows: head, one row, the separator between rows, tail."""

    head: bytes
    row: Callable[[Row], bytes]
    separator: bytes
    tail: bytes


def _json_layout(names: list[str]) -> _Layout:
    head = b'{"head":{"vars":' + _json_dump(names) + b'},"results":{"bindings":[\n'

    def row(values: Row) -> bytes:
        return _json_dump({name: _json_term(term) for name in names if (term := values.get(name)) is not None})

    return _Layout(head, row, b",\n", b"\n]}}\n")


def _xml_layout(names: list[str]) -> _Layout:
    variables = "".join(f"<variable name={_xml_attr(name)}/>" for name in names)
    head = _xml_document(variables, "<results>\n").encode()

    def row(values: Row) -> bytes:
        bindings = "".join(
            f"<binding name={_xml_attr(name)}>{_xml_term(term)}</binding>"
            for name in names
            if (term := values.get(name)) is not None
        )
        return f"<result>{bindings}</result>\n".encode()

    return _Layout(head, row, b"", b"</results></sparql>\n")


def _csv_layout(names: list[str]) -> _Layout:
    def row(values: Row) -> bytes:
        cells = (_csv_field(_csv_value(term)) if (term := values.get(name)) is not None else "" for name in names)
        return (",".join(cells) + "\r\n").encode()

    return _Layout((",".join(map(_csv_field, names)) + "\r\n").encode(), row, b"", b"")


def _tsv_layout(names: list[str]) -> _Layout:
    def row(values: Row) -> bytes:
        cells = (_nt(term) if (term := values.get(name)) is not None else "" for name in names)
        return ("\t".join(cells) + "\n").encode()

    return _Layout(("\t".join(f"?{name}" for name in names) + "\n").encode(), row, b"", b"")


_LAYOUTS: dict[str, Callable[[list[str]], _Layout]] = {
    "json": _json_layout,
    "xml": _xml_layout,
    "csv": _csv_layout,
    "tsv": _tsv_layout,
}


def _unknown(fmt: str, known: Iterable[str]) -> UsageError:
    return UsageError(f"unknown results format {fmt!r}; expected one of {', '.join(known)}")


def _capped(layout: _Layout, rows: Iterator[Row], max_rows: int, max_bytes: int) -> tuple[bytes, str | None, int]:
    """Head, whole rows while both caps allow, tail; and the number of rows written. Reads one row past
    `max_rows` to tell whether any was left."""
    parts = [layout.head]
    size = len(layout.head) + len(layout.tail)
    for count, values in enumerate(rows):
        if count >= max_rows:
            return b"".join([*parts, layout.tail]), "rows", count
        piece = (layout.separator if count else b"") + layout.row(values)
        if size + len(piece) > max_bytes:
            return b"".join([*parts, layout.tail]), "bytes", count
        parts.append(piece)
        size += len(piece)
    return b"".join([*parts, layout.tail]), None, len(parts) - 1


def serialize_solutions(
    variables: list[str], rows: Iterable[Row], fmt: str, max_rows: int, max_bytes: int
) -> Serialized:
    """SELECT results in `fmt` (a SOLUTION_TYPES key), cut to at most `max_rows` rows and `max_bytes` bytes.

    `variables` are names without '?' (a leading '?' or '$' is dropped); each row maps names to terms, a missing
    name or None meaning unbound. The head and tail are always written, even when they alone pass `max_bytes`.
    """
    if fmt not in _LAYOUTS:
        raise _unknown(fmt, SOLUTION_TYPES)
    names = [name[1:] if name[:1] in ("?", "$") else name for name in variables]
    body, truncated, count = _capped(_LAYOUTS[fmt](names), iter(rows), max(max_rows, 0), max_bytes)
    return Serialized(body, SOLUTION_TYPES[fmt], truncated, count)


def serialize_boolean(value: bool, fmt: str) -> Serialized:
    """An ASK result; in CSV and TSV one line, `true` or `false`."""
    word = "true" if value else "false"
    if fmt == "json":
        body = _json_dump({"head": {}, "boolean": bool(value)}) + b"\n"
    elif fmt == "xml":
        body = (_xml_document("", f"<boolean>{word}</boolean></sparql>\n")).encode()
    elif fmt == "csv":
        body = f"{word}\r\n".encode()
    elif fmt == "tsv":
        body = f"{word}\n".encode()
    else:
        raise _unknown(fmt, SOLUTION_TYPES)
    return Serialized(body, SOLUTION_TYPES[fmt])


def serialize_triples(
    triples: Iterable[ox.Triple], fmt: str, max_triples: int, prefixes: dict[str, str] | None = None
) -> Serialized:
    """CONSTRUCT or DESCRIBE results in `fmt` (a GRAPH_TYPES key), cut to at most `max_triples` triples.

    `prefixes` (name to namespace IRI) are declared where the format allows (Turtle, JSON-LD, RDF/XML).
    """
    if fmt not in RDF_FORMATS:
        raise _unknown(fmt, GRAPH_TYPES)
    stream = iter(triples)
    kept = list(islice(stream, max(max_triples, 0)))
    truncated = "rows" if next(stream, None) is not None else None
    try:
        body = ox.serialize(kept, format=RDF_FORMATS[fmt], prefixes=prefixes)
    except (ValueError, TypeError, OSError) as err:  # e.g. a triple term, which JSON-LD cannot write yet
        raise UsageError(f"these triples cannot be written as {fmt}: {err}") from err
    return Serialized(body or b"", GRAPH_TYPES[fmt], truncated, len(kept))
