"""Query results serialised from plain rows, with caps on rows and bytes and an explicit signal.

pyoxigraph serialises a whole result set; a server must stop at a limit and still send a
complete document, so results are written here (W3C SPARQL 1.1 Query Results JSON, XML, CSV, TSV).
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from .errors import UsageError

SOLUTION_TYPES = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                  "csv": "text/csv", "tsv": "text/tab-separated-values"}
GRAPH_TYPES = {"turtle": "text/turtle", "ntriples": "application/n-triples", "jsonld": "application/ld+json",
               "rdfxml": "application/rdf+xml"}
_RDF_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
                "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML}
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@dataclass
class Serialized:
    body: bytes
    media_type: str
    truncated: str | None = None  # None, "rows" or "bytes"


def serialize_solutions(variables: list[str], rows: Iterable[dict[str, Term | None]], fmt: str,
                        max_rows: int, max_bytes: int) -> Serialized:
    """SELECT results; stops before `max_rows` rows or `max_bytes` bytes, always a complete document."""
    if fmt not in SOLUTION_TYPES:
        raise UsageError(f"unknown result format {fmt!r}; expected one of {', '.join(SOLUTION_TYPES)}")
    head, row_writer, separator, tail = _WRITERS[fmt](variables)
    parts, size, truncated = [head], len(head) + len(tail), None
    for count, row in enumerate(rows):
        if count >= max_rows:
            truncated = "rows"
            break
        piece = (separator if count else b"") + row_writer(variables, row)
        if size + len(piece) > max_bytes:
            truncated = "bytes"
            break
        parts.append(piece)
        size += len(piece)
    parts.append(tail)
    return Serialized(b"".join(parts), SOLUTION_TYPES[fmt], truncated)


def serialize_boolean(value: bool, fmt: str) -> Serialized:
    """ASK results: JSON and XML per the specs; CSV and TSV as one line, `true` or `false`."""
    text = "true" if value else "false"
    if fmt == "json":
        body = json.dumps({"head": {}, "boolean": value}).encode()
    elif fmt == "xml":
        body = (f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head/><boolean>{text}</boolean></sparql>\n").encode()
    elif fmt in ("csv", "tsv"):
        body = f"{text}\r\n".encode() if fmt == "csv" else f"{text}\n".encode()
    else:
        raise UsageError(f"unknown result format {fmt!r}; expected one of {', '.join(SOLUTION_TYPES)}")
    return Serialized(body, SOLUTION_TYPES[fmt])


def serialize_triples(triples: Iterable[ox.Triple], fmt: str, max_triples: int,
                      prefixes: dict[str, str] | None = None) -> Serialized:
    """CONSTRUCT / DESCRIBE results, cut after `max_triples`."""
    if fmt not in _RDF_FORMATS:
        raise UsageError(f"unknown RDF format {fmt!r}; expected one of {', '.join(_RDF_FORMATS)}")
    kept: list[ox.Triple] = []
    truncated = None
    for triple in triples:
        if len(kept) >= max_triples:
            truncated = "rows"
            break
        kept.append(triple)
    body = ox.serialize(kept, format=_RDF_FORMATS[fmt], prefixes=prefixes) or b""
    return Serialized(body, GRAPH_TYPES[fmt], truncated)


# -- JSON ---------------------------------------------------------------------------------------
def _json_term(term: Term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": _json_term(term.subject),
                                            "predicate": _json_term(term.predicate),
                                            "object": _json_term(term.object)}}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value not in (_XSD_STRING, _LANG_STRING):
        out["datatype"] = term.datatype.value
    return out


def _json(variables: list[str]) -> tuple[bytes, object, bytes, bytes]:
    head = (json.dumps({"head": {"vars": variables}})[:-1] + ', "results": {"bindings": [').encode()

    def row(names: list[str], values: dict) -> bytes:
        return json.dumps({n: _json_term(values[n]) for n in names if values.get(n) is not None},
                          ensure_ascii=False).encode()

    return head, row, b",\n", b"]}}\n"


# -- XML ----------------------------------------------------------------------------------------
def _xml_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Triple):
        return (f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>{_xml_term(term.predicate)}"
                f"</predicate><object>{_xml_term(term.object)}</object></triple>")
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    if term.datatype.value != _XSD_STRING:
        return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


def _xml(variables: list[str]) -> tuple[bytes, object, bytes, bytes]:
    names = "".join(f"<variable name={quoteattr(v)}/>" for v in variables)
    head = (f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head>{names}</head><results>\n").encode()

    def row(names: list[str], values: dict) -> bytes:
        cells = "".join(f"<binding name={quoteattr(n)}>{_xml_term(values[n])}</binding>"
                        for n in names if values.get(n) is not None)
        return f"<result>{cells}</result>\n".encode()

    return head, row, b"", b"</results></sparql>\n"


# -- CSV and TSV --------------------------------------------------------------------------------
def _csv_value(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return str(term)
    return term.value


def _csv(variables: list[str]) -> tuple[bytes, object, bytes, bytes]:
    def line(values: list[str]) -> bytes:
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerow(values)
        return out.getvalue().encode()

    def row(names: list[str], values: dict) -> bytes:
        return line([_csv_value(values.get(n)) for n in names])

    return line(variables), row, b"", b""


def _tsv(variables: list[str]) -> tuple[bytes, object, bytes, bytes]:
    """TSV cells are terms in Turtle / N-Triples syntax (pyoxigraph's str() of a term)."""
    def row(names: list[str], values: dict) -> bytes:
        cells = [str(values[n]) if values.get(n) is not None else "" for n in names]
        return ("\t".join(c.replace("\t", "\\t").replace("\n", "\\n") for c in cells) + "\n").encode()

    return ("\t".join(f"?{v}" for v in variables) + "\n").encode(), row, b"", b""


_WRITERS = {"json": _json, "xml": _xml, "csv": _csv, "tsv": _tsv}
