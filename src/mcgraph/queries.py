"""The analyst query catalogue: queries/*.rq with '#+' headers, parameters bound safely.

Header grammar (one item per line, before the query):
    #+ title: Levels of a framework
    #+ description: What the query answers.
    #+ param: framework iri = id:framework/aqf  -- the framework
A parameter appears in the query as ?<name> and is bound with pyoxigraph substitutions, never
by editing the query text, so a value cannot change the query's structure. pyoxigraph binds a
substitution only to a variable of the SELECT list, so every parameter is also projected.

Any query can be paged: `paged(text, limit, offset)` appends `LIMIT n OFFSET m` (validated integers,
the only thing ever added to a query's text) to its top level.
"""
from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from .errors import QueryError, UnknownResource, UsageError
from .namespaces import PREFIXES
from .resources import resource_dir
from .store import GraphStore, QueryResult

PARAM_TYPES = ("iri", "string", "integer", "decimal", "date", "boolean")
_XSD = "http://www.w3.org/2001/XMLSchema#"
_PARAM = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s+(?P<type>\w+)\s*(?:=\s*(?P<default>.*?))?\s*(?:--\s*(?P<desc>.*))?$")
_IRI_FORBIDDEN = re.compile(r'[\s<>"{}|^`\\]')


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str | None = None
    description: str = ""

    @property
    def required(self) -> bool:
        return self.default is None


@dataclass
class CannedQuery:
    name: str
    title: str
    description: str
    text: str
    params: list[Param] = field(default_factory=list)
    path: Path | None = None


def parse_query_file(path: Path) -> CannedQuery:
    """Read one .rq file and its header."""
    text = path.read_text(encoding="utf-8")
    headers: dict[str, str] = {}
    params: list[Param] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#+"):
            continue
        key, _, value = line[2:].strip().partition(":")
        key, value = key.strip(), value.strip()
        if key == "param":
            params.append(_parse_param(value, path, number))
        else:
            headers[key] = value
    return CannedQuery(path.stem, headers.get("title", path.stem), headers.get("description", ""),
                       text, params, path)


def _parse_param(spec: str, path: Path, line: int) -> Param:
    match = _PARAM.match(spec)
    if not match or match["type"] not in PARAM_TYPES:
        raise UsageError(f"{path}:{line}: malformed parameter {spec!r} "
                         f"(expected 'name type [= default] [-- description]', type in {PARAM_TYPES})")
    return Param(match["name"], match["type"], match["default"] or None, (match["desc"] or "").strip())


CATALOGUE_CHECK = 1.0  # seconds between two looks at the query folder (a request must not pay a directory scan)
_looked: tuple[float, dict[str, CannedQuery]] | None = None


def catalogue() -> dict[str, CannedQuery]:
    """Every bundled query by name. The folder is looked at again at most once a second; files are parsed
    again only when one is added, removed or changed."""
    global _looked
    now = time.monotonic()
    if _looked is None or now - _looked[0] > CATALOGUE_CHECK:
        files = tuple((path, path.stat().st_mtime_ns) for path in sorted(resource_dir("queries").glob("*.rq")))
        _looked = (now, dict(_parsed(files)))
    return dict(_looked[1])


@lru_cache(maxsize=4)
def _parsed(files: tuple[tuple[Path, int], ...]) -> tuple[tuple[str, CannedQuery], ...]:
    return tuple((q.name, q) for q in (parse_query_file(path) for path, _ in files))


def find_query(name_or_path: str) -> CannedQuery:
    """A catalogue name, or the path of an .rq file."""
    path = Path(name_or_path)
    if path.suffix == ".rq" and path.is_file():
        return parse_query_file(path)
    queries = catalogue()
    if name_or_path not in queries:
        raise UnknownResource(f"no query named {name_or_path!r}; try `mcgraph queries` for the list")
    return queries[name_or_path]


def expand_iri(value: str) -> str:
    """Accept a full IRI (optionally in <>) or a CURIE with a known prefix."""
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    prefix, sep, local = value.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        value = PREFIXES[prefix] + local
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value) or _IRI_FORBIDDEN.search(value):
        raise UsageError(f"not an IRI or known CURIE: {value!r}")
    return value


def to_term(param: Param, raw: str) -> ox.NamedNode | ox.Literal:
    """Convert a textual value to an RDF term of the parameter's type, or fail clearly."""
    try:
        if param.type == "iri":
            return ox.NamedNode(expand_iri(raw))
        if param.type == "string":
            return ox.Literal(raw)
        if param.type == "integer":
            return ox.Literal(str(int(raw)), datatype=ox.NamedNode(_XSD + "integer"))
        if param.type == "decimal":
            return ox.Literal(str(Decimal(raw)), datatype=ox.NamedNode(_XSD + "decimal"))
        if param.type == "date":
            return ox.Literal(date.fromisoformat(raw).isoformat(), datatype=ox.NamedNode(_XSD + "date"))
        if raw.lower() not in ("true", "false"):
            raise ValueError("expected true or false")
        return ox.Literal(raw.lower(), datatype=ox.NamedNode(_XSD + "boolean"))
    except (ValueError, InvalidOperation) as err:
        raise UsageError(f"parameter {param.name} ({param.type}): invalid value {raw!r}: {err}") from None


def bind(query: CannedQuery, values: dict[str, str]) -> dict[str, ox.NamedNode | ox.Literal]:
    """Substitutions for every parameter: given values, else defaults; unknown or missing ones fail."""
    known = {p.name: p for p in query.params}
    unknown = set(values) - set(known)
    if unknown:
        raise UsageError(f"query {query.name} has no parameter(s) {', '.join(sorted(unknown))}; "
                         f"parameters: {', '.join(known) or 'none'}")
    bound: dict[str, ox.NamedNode | ox.Literal] = {}
    for param in query.params:
        raw = values.get(param.name, param.default)
        if raw is None:
            raise UsageError(f"query {query.name} needs parameter {param.name} ({param.type})")
        bound[param.name] = to_term(param, raw)
    return bound


# Comments, strings and IRIs (skipped), braces, and names or keywords: enough to find the top level.
_TOKENS = re.compile(
    r"(?P<skip>#[^\n]*"  # a comment
    r'|"""(?:[^"\\]|\\.|"(?!""))*"""' r"|'''(?:[^'\\]|\\.|'(?!''))*'''"  # long strings
    r'|"(?:[^"\\\n]|\\.)*"' r"|'(?:[^'\\\n]|\\.)*'"  # strings
    r'|<[^<>"{}|^`\\\x00-\x20]*>)'  # an IRI
    r"|(?P<open>\{)|(?P<close>\})"
    r'|(?P<word>[?$]?[^\s{}()\[\],;"\'<>#=!&|*/+^]+)')


def _count(name: str, value: object) -> int:
    """A non-negative integer that fits the engine's counters, or a UsageError."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= sys.maxsize:
        raise UsageError(f"{name} must be a non-negative integer (at most {sys.maxsize}), got {value!r}")
    return value


@lru_cache(maxsize=512)  # the same query and page are asked for again and again
def paged(text: str, limit: int | None = None, offset: int = 0) -> str:
    """`text` with `LIMIT limit OFFSET offset` at its top level; unchanged without either.

    The clause goes at the end, or before a trailing VALUES block. A query whose top level already
    has LIMIT or OFFSET is refused: two would not parse, and replacing it would change the query.
    """
    if limit is not None:
        _count("limit", limit)
    if _count("offset", offset) == 0 and limit is None:
        return text
    clause = " ".join(part for part in (f"LIMIT {limit}" if limit is not None else "",
                                        f"OFFSET {offset}" if offset else "") if part)
    depth, insert_at = 0, None
    for token in _TOKENS.finditer(text):
        if token["open"]:
            depth += 1
        elif token["close"]:
            depth = max(depth - 1, 0)
        elif token["word"] and depth == 0:
            keyword = token["word"].upper()
            if keyword in ("LIMIT", "OFFSET"):
                raise UsageError(f"the query already has {keyword} at its top level; remove it to page "
                                 "with limit and offset")
            if keyword == "VALUES" and insert_at is None:
                insert_at = token.start()
    if insert_at is None:
        return f"{text.rstrip()}\n{clause}\n"  # on a line of its own: the text may end in a comment
    return f"{text[:insert_at]}{clause}\n{text[insert_at:]}"


def run(store: GraphStore, query: CannedQuery, values: dict[str, str] | None = None,
        limit: int | None = None, offset: int = 0) -> QueryResult:
    """The query with its parameters bound; one page of it with `limit` (rows) and `offset`."""
    return store.query(paged(query.text, limit, offset), substitutions=bind(query, values or {}))


RESULT_FORMATS = {"csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV,
                  "json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML}


def serialize_results(result: QueryResult, fmt: str) -> bytes:
    """SELECT/ASK results as CSV, TSV, SPARQL JSON or XML; graphs as N-Triples."""
    if isinstance(result, ox.QueryTriples):
        return ox.serialize(result, format=ox.RdfFormat.N_TRIPLES) or b""
    if fmt not in RESULT_FORMATS:
        raise UsageError(f"unknown result format {fmt!r}; expected one of {', '.join(RESULT_FORMATS)} or table")
    try:
        return result.serialize(format=RESULT_FORMATS[fmt]) or b""
    except OSError as err:
        raise QueryError(f"could not serialise results: {err}") from None


def term_text(term: object) -> str:
    """A plain cell value: IRI, literal lexical form, or blank node id; empty when unbound."""
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value  # NamedNode and Literal
