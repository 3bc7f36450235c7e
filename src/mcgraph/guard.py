"""Checks on SPARQL text before any store sees it: size, nesting, form, and what the text may reach outside the store.

The checks read the text with a small single-pass tokenizer, not a full parser. It knows `#` comments, IRIs `<...>`
(with their `\\u` escapes), the four string forms, prefixed names (with `\\` escapes in the local part), variables,
language tags, numbers and keywords (case-insensitive), so a keyword inside a string, an IRI, a comment or a prefixed
name never counts. `<` starts an IRI only when the text up to the next `>` is a valid IRIREF (no spaces, no
`<>"{}|^`\\`), else it is the less-than operator.

Besides bracket depth, the scan bounds how many chained operators one group or expression holds (UNION, OPTIONAL,
BIND, FILTER, `.`, `||`, `+`, groups side by side, ...): the engine nests its algebra one level per link and overflows
its stack on a few thousand of them, even without a single bracket. Templates and inline data (INSERT DATA, CONSTRUCT
and INSERT/DELETE templates) are flat lists and are not bounded.

Every refusal is a `RefusedQuery` whose `reason` is a short slug: "too-large", "too-deep", "malformed", "wrong-form",
"service", "load" or "from".
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urljoin

from .errors import UsageError

__all__ = ["GuardLimits", "RefusedQuery", "check_dataset_iris", "check_query", "check_update", "sparql_form"]


class RefusedQuery(UsageError):
    """SPARQL text refused before evaluation; `reason` is a short machine slug, the message a sentence."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason

    def __reduce__(self) -> tuple[type[RefusedQuery], tuple[str, str]]:
        # keeps the reason when the error crosses a process boundary
        return type(self), (self.message, self.reason)


@dataclass(frozen=True)
class GuardLimits:
    """Limits on SPARQL text. `allowed_sources` are IRI prefixes SERVICE, LOAD and FROM may name."""

    max_bytes: int = 1 << 20
    max_depth: int = 64
    allowed_sources: tuple[str, ...] = ()
    max_chain: int = 500  # chained operators in one group or expression


# --- tokenizer -------------------------------------------------------------------------------------------------------

_PN_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c\u200d\u2070-\u218f"
    "\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_U = _PN_BASE + "_"
_PN = _PN_U + "\\-0-9\u00b7\u0300-\u036f\u203f\u2040"
_VAR_CHARS = _PN_U + "0-9\u00b7\u0300-\u036f\u203f\u2040"

_SKIP = re.compile(r"(?:[ \t\r\n]+|#[^\r\n]*)+")
_IRI = re.compile(r'<((?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*)>')
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_STRINGS = (
    re.compile(r"'''(?:(?:'|'')?(?:[^'\\]|\\[\s\S]))*'''"),
    re.compile(r'"""(?:(?:"|"")?(?:[^"\\]|\\[\s\S]))*"""'),
    re.compile(r"'(?:[^'\\\n\r]|\\[^\n\r])*'"),
    re.compile(r'"(?:[^"\\\n\r]|\\[^\n\r])*"'),
)
_NAME = re.compile(rf"(?:[{_PN_U}][{_PN}.]*)?(?::(?:[{_PN}.:]|%[0-9A-Fa-f]{{2}}|\\[_~.\-!$&'()*+,;=/?#@%])*)?")
_NAME_START = re.compile(rf"[{_PN_U}:]")
_VAR = re.compile(rf"[?$][{_VAR_CHARS}]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_LANG = re.compile(r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*(?:--[a-zA-Z]+)?")
_PUNCT2 = ("^^", "||", "&&", "!=", "<=", ">=", "<<", ">>")


class _Token(NamedTuple):
    kind: str  # iri, pname, bnode, var, word, string, number, lang, punct
    text: str  # an IRI without its brackets and with escapes decoded; otherwise the text as written
    pos: int
    end: int

    @property
    def word(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def _decode_iri(raw: str) -> str:
    def char(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else match.group(0)

    return _UCHAR.sub(char, raw) if "\\" in raw else raw


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _lex_string(text: str, pos: int) -> _Token:
    # like the engine: a long string first, else a short one (''' can also be '' followed by ')
    quote = text[pos]
    candidates = (_STRINGS[0], _STRINGS[2]) if quote == "'" else (_STRINGS[1], _STRINGS[3])
    for pattern in candidates:
        match = pattern.match(text, pos)
        if match:
            return _Token("string", match.group(0), pos, match.end())
    raise RefusedQuery(f"a string opened on line {_line(text, pos)} is never closed", "malformed")


def _lex_name(text: str, pos: int) -> _Token:
    match = _NAME.match(text, pos)
    name = match.group(0) if match else text[pos]
    while name.endswith(".") and not name.endswith("\\."):
        name = name[:-1]  # a trailing '.' ends the triple, it is not part of the name
    kind = "word" if ":" not in name else "bnode" if name.startswith("_:") else "pname"
    return _Token(kind, name, pos, pos + len(name))


def _lex_angle(text: str, pos: int) -> _Token:
    match = _IRI.match(text, pos)
    if match:
        return _Token("iri", _decode_iri(match.group(1)), pos, match.end())
    if text.startswith("<<", pos) and not _IRI.match(text, pos + 1):
        return _Token("punct", "<<", pos, pos + 2)
    operator = "<=" if text.startswith("<=", pos) else "<"
    return _Token("punct", operator, pos, pos + len(operator))


def _lex_other(text: str, pos: int) -> _Token:
    for pattern, kind in ((_NUMBER, "number"), (_VAR, "var"), (_LANG, "lang")):
        match = pattern.match(text, pos)
        if match:
            return _Token(kind, match.group(0), pos, match.end())
    if _NAME_START.match(text, pos):
        return _lex_name(text, pos)
    punct = text[pos : pos + 2] if text[pos : pos + 2] in _PUNCT2 else text[pos]
    return _Token("punct", punct, pos, pos + len(punct))


def _tokens(text: str) -> Iterator[_Token]:
    """Yield the tokens of `text`, lazily, skipping white space and comments."""
    pos, end = 0, len(text)
    while pos < end:
        skipped = _SKIP.match(text, pos)
        if skipped:
            pos = skipped.end()
            continue
        char = text[pos]
        if char == "<":
            token = _lex_angle(text, pos)
        elif char in "'\"":
            token = _lex_string(text, pos)
        else:
            token = _lex_other(text, pos)
        yield token
        pos = token.end


# --- shape: size, nesting, chains -----------------------------------------------------------------------------------

_OPENERS = {"{", "(", "[", "<<"}
_CLOSERS = {"}", ")", "]", ">>"}
_CHAIN_WORDS = {"UNION", "OPTIONAL", "MINUS", "FILTER", "BIND", "SERVICE", "GRAPH", "VALUES"}
_CHAIN_PUNCT = {".", ";", "||", "&&", "=", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "|", "^"}
_FLAT_AFTER = {"DATA", "INSERT", "DELETE", "CONSTRUCT"}  # a '{' after these opens a template or data: a flat list


@dataclass
class _Frame:
    opener: str
    flat: bool
    chain: int = 0


class _Shape:
    """Tracks bracket depth (plus runs of unary '!', which nest too) and operator chains, one token at a time."""

    def __init__(self, limits: GuardLimits) -> None:
        self.limits = limits
        self.stack = [_Frame("", flat=True)]  # the top level holds no chains (';' between updates is a list)
        self.bangs = 0
        self.previous = ""

    def feed(self, token: _Token) -> None:
        text = token.text if token.kind == "punct" else ""
        self.bangs = self.bangs + 1 if text == "!" else 0
        if text in _OPENERS:
            if text == "{":
                self._link()  # groups side by side are joined, one level each
            inherited = self.stack[-1].flat and len(self.stack) > 1  # the top level's flatness is its own
            flat = inherited or (text == "{" and self.previous in _FLAT_AFTER)
            self.stack.append(_Frame(text, flat))
        elif text in _CLOSERS:
            if len(self.stack) > 1 and (text != ">>" or self.stack[-1].opener == "<<"):
                self.stack.pop()
        elif self._is_link(token, text):
            self._link()
        self.previous = token.word
        if len(self.stack) - 1 + self.bangs > self.limits.max_depth:
            raise RefusedQuery(f"the text nests brackets more than {self.limits.max_depth} levels deep", "too-deep")

    def _is_link(self, token: _Token, text: str) -> bool:
        if text:
            return text in _CHAIN_PUNCT or (text == "," and self.stack[-1].opener in ("{", "["))
        return token.word in _CHAIN_WORDS

    def _link(self) -> None:
        frame = self.stack[-1]
        if frame.flat:
            return
        frame.chain += 1
        if frame.chain > self.limits.max_chain:
            raise RefusedQuery(
                f"one group or expression chains more than {self.limits.max_chain} operators"
                " (UNION, OPTIONAL, BIND, FILTER, '.', '||', '+' and the like); split the query",
                "too-deep",
            )


def _utf8_size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _scan(text: str, limits: GuardLimits) -> list[_Token]:
    """Check size, nesting and chains, stopping at the first excess; return the tokens."""
    if len(text) > limits.max_bytes or _utf8_size(text) > limits.max_bytes:  # characters never outnumber bytes
        size = _utf8_size(text)
        raise RefusedQuery(f"the text is {size} bytes; the limit is {limits.max_bytes} bytes", "too-large")
    shape = _Shape(limits)
    tokens: list[_Token] = []
    for token in _tokens(text):
        shape.feed(token)
        tokens.append(token)
    return tokens


# --- form ----------------------------------------------------------------------------------------------------------

_QUERY_FORMS = {"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"}
_UPDATE_FORMS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}


def _form(tokens: Iterable[_Token]) -> str:
    """'query', 'update', 'empty' (nothing after the prologue) or 'other'."""
    stream = iter(tokens)
    for token in stream:
        word = token.word
        if word in ("BASE", "PREFIX"):
            for _ in range(1 if word == "BASE" else 2):
                next(stream, None)
        elif word in _QUERY_FORMS:
            return "query"
        elif word in _UPDATE_FORMS:
            return "update"
        else:
            return "other"
    return "empty"


def _malformed() -> RefusedQuery:
    return RefusedQuery(
        "the text has no query form (SELECT, CONSTRUCT, DESCRIBE, ASK) or update operation after its prologue",
        "malformed",
    )


def sparql_form(text: str) -> str:
    """'query' or 'update', from the first keyword after the prologue; RefusedQuery("malformed") if none."""
    form = _form(_tokens(text))
    if form in ("query", "update"):
        return form
    raise _malformed()


# --- references: SERVICE, FROM, LOAD ------------------------------------------------------------------------------

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_DOT_SEGMENT = re.compile(r"(?:^|/)(?:\.|%2e){1,2}(?:[/?#]|$)", re.IGNORECASE)
_LOCAL_ESCAPE = re.compile(r"\\(.)")
_MODIFIER = {"SERVICE": "SILENT", "LOAD": "SILENT", "FROM": "NAMED"}


class _Ref(NamedTuple):
    keyword: str  # SERVICE, LOAD, FROM or FROM NAMED
    shown: str  # the target as written (IRIs resolved), for messages
    iri: str | None  # the absolute IRI named, None if it is not a fixed, resolvable IRI
    variable: bool


def _resolve(ref: str, base: str | None) -> str | None:
    """An absolute IRI, or None when `ref` is relative and there is no usable base."""
    if _SCHEME.match(ref):
        return ref  # absolute as written: never re-read against the base (urljoin would read 'http:x' as relative)
    if base is None:
        return None
    joined = urljoin(base, ref)
    return joined if _SCHEME.match(joined) else None


def _expand(token: _Token, prefixes: dict[str, str | None], base: str | None) -> str | None:
    if token.kind == "iri":
        return _resolve(token.text, base)
    if token.kind == "pname":
        prefix, local = token.text.split(":", 1)
        namespace = prefixes.get(prefix)
        return None if namespace is None else namespace + _LOCAL_ESCAPE.sub(r"\1", local)
    return None


def _reference(keyword: str, tokens: list[_Token], at: int, prefixes: dict[str, str | None], base: str | None) -> _Ref:
    if at < len(tokens) and tokens[at].word == _MODIFIER[keyword]:
        if keyword == "FROM":
            keyword = "FROM NAMED"
        at += 1
    if at >= len(tokens):
        return _Ref(keyword, "nothing", None, False)
    target = tokens[at]
    iri = _expand(target, prefixes, base)
    shown = f"<{iri}>" if iri is not None else (f"<{target.text}>" if target.kind == "iri" else target.text)
    return _Ref(keyword, shown[:200], iri, target.kind == "var")


def _references(tokens: list[_Token]) -> Iterator[_Ref]:
    """Every SERVICE, FROM [NAMED] and LOAD target, with prefixed names and relative IRIs resolved as the text says."""
    prefixes: dict[str, str | None] = {}
    base: str | None = None
    for at, token in enumerate(tokens):
        word = token.word
        following = tokens[at + 1 : at + 3]
        if word == "BASE" and following and following[0].kind == "iri":
            base = _resolve(following[0].text, base)
        elif word == "PREFIX" and len(following) == 2 and following[0].text.endswith(":"):
            if following[0].kind == "pname" and following[1].kind == "iri":
                prefixes[following[0].text[:-1]] = _resolve(following[1].text, base)
        elif word in _MODIFIER:
            yield _reference(word, tokens, at + 1, prefixes, base)


# --- allowed sources -------------------------------------------------------------------------------------------------


def _under(iri: str, prefix: str) -> bool:
    # a prefix not ending in a delimiter must end at one: 'http://a.example' covers 'http://a.example/x',
    # never 'http://a.example.evil/' or 'http://a.example@evil/'
    if not prefix or not iri.startswith(prefix):
        return False
    return len(iri) == len(prefix) or prefix[-1] in "/#?:=&" or iri[len(prefix)] in "/#?"


def _allowed(iri: str | None, limits: GuardLimits) -> bool:
    # '.' and '..' segments (also percent-encoded) are refused: an HTTP client would resolve them out of the prefix
    if iri is None or _DOT_SEGMENT.search(iri):
        return False
    return any(_under(iri, prefix) for prefix in limits.allowed_sources)


def _outside(limits: GuardLimits, verb: str) -> str:
    if not limits.allowed_sources:
        return f"this store never {verb}"
    listed = ", ".join(f"<{prefix}>" for prefix in limits.allowed_sources)
    return f"only IRIs under {listed} are allowed"


def _check_service(ref: _Ref, limits: GuardLimits) -> None:
    if ref.variable:
        raise RefusedQuery(
            f"SERVICE {ref.shown} names its endpoint with a variable; a SERVICE must name a fixed, allowed endpoint",
            "service",
        )
    if not _allowed(ref.iri, limits):
        raise RefusedQuery(
            f"SERVICE {ref.shown} is refused; {_outside(limits, 'calls other SPARQL endpoints')}", "service"
        )


def _check_load(ref: _Ref, limits: GuardLimits) -> None:
    if not _allowed(ref.iri, limits):
        raise RefusedQuery(f"LOAD {ref.shown} is refused; {_outside(limits, 'fetches data from the web')}", "load")


def _refuse_graph(label: str) -> RefusedQuery:
    return RefusedQuery(f"{label} names no graph in this store; graphs are never fetched from the web", "from")


class _LocalGraphs:
    """Calls the graph lister at most once, and only when a check needs it."""

    def __init__(self, lister: Callable[[], set[str]] | None) -> None:
        self.lister = lister
        self.graphs: set[str] | None = None

    def __contains__(self, iri: object) -> bool:
        if self.lister is None:
            return False
        if self.graphs is None:
            self.graphs = set(self.lister())
        return iri in self.graphs


def _check_from(ref: _Ref, limits: GuardLimits, local: _LocalGraphs) -> None:
    if _allowed(ref.iri, limits) or (ref.iri is not None and ref.iri in local):
        return
    raise _refuse_graph(f"{ref.keyword} {ref.shown}")


# --- public checks ---------------------------------------------------------------------------------------------------


def check_query(
    text: str, limits: GuardLimits, local_graphs: Callable[[], set[str]] | None = None
) -> tuple[list[str], list[str]] | None:
    """Raise RefusedQuery unless `text` is a query within `limits` that reaches nothing outside the store.

    `local_graphs` lists the store's named graphs; it is called at most once, and only if a FROM needs it.
    Returns the query's own dataset, (FROM IRIs, FROM NAMED IRIs) as resolved, or None if it has no FROM.
    """
    tokens = _scan(text, limits)
    form = _form(tokens)
    if form == "update":
        raise RefusedQuery("an update was sent as a query; use the update endpoint", "wrong-form")
    if form != "query":
        raise _malformed()
    local = _LocalGraphs(local_graphs)
    dataset: tuple[list[str], list[str]] = ([], [])
    for ref in _references(tokens):
        if ref.keyword == "SERVICE":
            _check_service(ref, limits)
        elif ref.keyword.startswith("FROM"):
            _check_from(ref, limits, local)  # passes only a resolved IRI
            dataset[ref.keyword == "FROM NAMED"].append(ref.iri or "")
    return dataset if dataset[0] or dataset[1] else None


def check_update(text: str, limits: GuardLimits) -> None:
    """Raise RefusedQuery unless `text` is an update within `limits` that loads and calls nothing outside the store.

    An empty update (nothing, or only a prologue) is valid SPARQL and passes.
    """
    tokens = _scan(text, limits)
    form = _form(tokens)
    if form == "query":
        raise RefusedQuery("a query was sent as an update; use the query endpoint", "wrong-form")
    if form == "other":
        raise _malformed()
    for ref in _references(tokens):
        if ref.keyword == "SERVICE":
            _check_service(ref, limits)
        elif ref.keyword == "LOAD":
            _check_load(ref, limits)


def check_dataset_iris(iris: Iterable[str], limits: GuardLimits, local_graphs: set[str]) -> None:
    """Check protocol dataset IRIs (default-graph-uri, named-graph-uri, using-graph-uri) by the FROM rule."""
    for iri in iris:
        if not (_allowed(iri, limits) or iri in local_graphs):
            raise _refuse_graph(f"the dataset graph <{iri[:200]}>")
