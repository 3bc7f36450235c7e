"""SHACL shapes compiled to SPARQL and evaluated inside an in-memory pyoxigraph store.

The shapes graph is compiled once per profile selection into a list of checks; each check is one
SELECT query that returns only the rows breaking a constraint, evaluated set-at-a-time over the
union of the store's graphs. Only the SHACL features the project's shapes use are compiled; any
other feature makes the compilation fail, so no constraint goes unchecked silently. pySHACL
(`validate.validate_graph`) stays the reference: the results carry the same fields, source
constraint components, values, paths and messages.

Supported: targets sh:targetClass (with rdfs:subClassOf*), sh:targetNode, sh:targetSubjectsOf,
sh:targetObjectsOf, sh:target [a sh:SPARQLTarget]; paths made of predicates, sequences,
sh:inversePath and sh:alternativePath; constraints sh:minCount, sh:maxCount, sh:class,
sh:datatype, sh:nodeKind, sh:in, sh:pattern (with sh:flags), sh:hasValue, sh:minInclusive,
sh:minExclusive, sh:maxInclusive, sh:maxExclusive, sh:lessThanOrEquals, sh:lessThan, sh:equals,
sh:disjoint, sh:or, sh:sparql (SPARQL-based constraints); sh:severity, sh:message,
sh:deactivated.
"""
from __future__ import annotations

import re
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from .namespaces import curie
from .report import SH, ValidationResult

THREADS = 2
RDF_TYPE = str(RDF.type)
_LABEL_PREDICATES = tuple(ox.NamedNode(str(p)) for p in (SKOS.prefLabel, RDFS.label, DCTERMS.title))

# Predicates of a shape the compiler understands; anything else in the sh: namespace is refused.
_SHAPE_KEYS = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target,
               SH.property, SH.path, SH.severity, SH.message, SH.deactivated, SH.name, SH.description,
               SH.order, SH.group}
_VALUE_KEYS = {SH.datatype, SH.nodeKind, SH["in"], SH.pattern, SH.flags, SH["class"], SH["or"],
               SH.minInclusive, SH.minExclusive, SH.maxInclusive, SH.maxExclusive}
_COUNT_KEYS = {SH.minCount, SH.maxCount, SH.hasValue}
_PAIR_KEYS = {SH.lessThanOrEquals: "LessThanOrEquals", SH.lessThan: "LessThan", SH.equals: "Equals",
              SH.disjoint: "Disjoint"}
_KNOWN = _SHAPE_KEYS | _VALUE_KEYS | _COUNT_KEYS | set(_PAIR_KEYS) | {SH.sparql, SH.prefixes, SH.declare}
_CASTABLE = {XSD.decimal, XSD.integer, XSD.boolean, XSD.date, XSD.dateTime, XSD.double, XSD.float,
             XSD.gYear, XSD.gYearMonth, XSD.time, XSD.duration}
_NODE_KINDS = {
    SH.IRI: "isIRI({v})", SH.Literal: "isLiteral({v})", SH.BlankNode: "isBlank({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))", SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}
_COMPONENT = {
    SH.datatype: "Datatype", SH.nodeKind: "NodeKind", SH["in"]: "In", SH.pattern: "Pattern",
    SH["class"]: "Class", SH["or"]: "Or", SH.minInclusive: "MinInclusive", SH.minExclusive: "MinExclusive",
    SH.maxInclusive: "MaxInclusive", SH.maxExclusive: "MaxExclusive", SH.minCount: "MinCount",
    SH.maxCount: "MaxCount", SH.hasValue: "HasValue",
}


class UnsupportedShape(ValueError):
    """The shapes use a SHACL feature the SPARQL compiler does not handle."""


@dataclass(frozen=True)
class Meta:
    """What a result says about its source shape."""
    shape: str
    shape_label: str | None
    severity: str
    messages: tuple[str, ...]
    path: str | None  # the result path, as validate._result writes it


@dataclass(frozen=True)
class Check:
    """One SELECT query; `kind` says how its rows become results."""
    name: str
    kind: str  # "value" | "count" | "pair" | "sparql"
    query: str
    meta: Meta
    # value: flag variable -> component IRI; count: (min, max, hasValue terms); pair/sparql: component
    flags: tuple[tuple[str, str], ...] = ()
    min_count: int | None = None
    max_count: int | None = None
    has_values: tuple[str, ...] = ()  # SPARQL term texts, flag names ?h0.. in order
    component: str = ""
    node_shape: bool = False


@dataclass
class Timings:
    checks: dict[str, float] = field(default_factory=dict)
    total: float = 0.0
    labels: float = 0.0


# -- compiling -------------------------------------------------------------------------------
def _term(node: object) -> str:
    """A SPARQL term for an rdflib node from the shapes graph."""
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        text = str(node).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
        if node.language:
            return f'"{text}"@{node.language}'
        return f'"{text}"^^<{node.datatype or XSD.string}>'
    raise UnsupportedShape(f"a blank node {node} cannot be a constant of a constraint")


def _string_literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class _Compiler:
    def __init__(self, shapes: Graph) -> None:
        self.g = shapes
        self.prefixes: dict[str, str] = {}
        self.counter = 0

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"?{stem}{self.counter}"

    def list_of(self, node: object) -> list:
        return list(Collection(self.g, node))

    def one(self, node: object, predicate: URIRef) -> object | None:
        values = list(self.g.objects(node, predicate))
        if len(values) > 1:
            raise UnsupportedShape(f"shape {node} has {len(values)} values of {curie(str(predicate))}")
        return values[0] if values else None

    # paths
    def path(self, node: object) -> str:
        if isinstance(node, URIRef):
            return f"<{node}>"
        if (node, RDF.first, None) in self.g:
            return "(" + "/".join(self.path(p) for p in self.list_of(node)) + ")"
        inverse = self.one(node, SH.inversePath)
        if inverse is not None:
            return f"^{self.path(inverse)}"
        alternatives = self.one(node, SH.alternativePath)
        if alternatives is not None:
            return "(" + "|".join(self.path(p) for p in self.list_of(alternatives)) + ")"
        raise UnsupportedShape(f"unsupported sh:path {node}: only predicates, sequences, sh:inversePath "
                               f"and sh:alternativePath are compiled")

    # prefixes of SPARQL-based targets and constraints
    def declare(self, node: object) -> None:
        for owner in self.g.objects(node, SH.prefixes):
            for decl in self.g.objects(owner, SH.declare):
                prefix, namespace = str(self.one(decl, SH.prefix)), str(self.one(decl, SH.namespace))
                if self.prefixes.get(prefix, namespace) != namespace:
                    raise UnsupportedShape(f"prefix {prefix}: declared with two namespaces")
                self.prefixes[prefix] = namespace

    # targets
    def targets(self, shape: object) -> list[str]:
        patterns = [f"{{ ?this <{RDF_TYPE}>/<{RDFS.subClassOf}>* <{c}> . }}"
                    for c in self.g.objects(shape, SH.targetClass)]
        patterns += [f"{{ BIND({_term(n)} AS ?this) }}" for n in self.g.objects(shape, SH.targetNode)]
        patterns += [f"{{ ?this <{p}> ?target_o . }}" for p in self.g.objects(shape, SH.targetSubjectsOf)]
        patterns += [f"{{ ?target_s <{p}> ?this . }}" for p in self.g.objects(shape, SH.targetObjectsOf)]
        for target in self.g.objects(shape, SH.target):
            if (target, RDF.type, SH.SPARQLTarget) not in self.g or (target, SH.select, None) not in self.g:
                raise UnsupportedShape(f"sh:target of {shape}: only sh:SPARQLTarget with sh:select is compiled")
            self.declare(target)
            patterns.append("{ " + str(self.one(target, SH.select)).replace("$this", "?this") + " }")
        return patterns

    def meta(self, shape: object, path: object | None) -> Meta:
        severity = self.one(shape, SH.severity) or SH.Violation
        label = self.g.value(shape, RDFS.label)
        result_path = None if path is None else str(path) if isinstance(path, URIRef) else "(complex path)"
        return Meta(shape=f"_:{shape}" if isinstance(shape, BNode) else str(shape),
                    shape_label=None if label is None else str(label),
                    severity=str(severity).rsplit("#", 1)[-1],
                    messages=tuple(str(m) for m in self.g.objects(shape, SH.message)),
                    path=result_path)

    def refuse_unknown(self, shape: object) -> None:
        for predicate in set(self.g.predicates(shape, None)):
            if str(predicate).startswith(str(SH)) and predicate not in _KNOWN:
                raise UnsupportedShape(f"shape {shape} uses {curie(str(predicate))}, which the SPARQL "
                                       f"validator does not compile")

    # conformance of a node (variable `var`) to a helper shape: (patterns, boolean expression)
    def conforms(self, shape: object, var: str) -> tuple[list[str], str]:
        self.refuse_unknown(shape)
        path = self.one(shape, SH.path)
        if path is None:
            return self.value_conditions(shape, var, negate=False)
        sparql_path = self.path(path)
        patterns, terms = [], []
        for predicate in set(self.g.predicates(shape, None)) - {SH.path, SH.message, SH.severity, SH.name,
                                                                SH.description, SH.deactivated}:
            if str(predicate).startswith(str(SH)) and predicate not in (_COUNT_KEYS | _VALUE_KEYS):
                raise UnsupportedShape(f"helper shape {shape}: {curie(str(predicate))} is not compiled")
        tmp = self.fresh("t")
        flag = self.fresh("ok")
        having = []
        for m in self.g.objects(shape, SH.minCount):
            having.append(f"COUNT(DISTINCT {tmp}) >= {int(m)}")
        for m in self.g.objects(shape, SH.maxCount):
            having.append(f"COUNT(DISTINCT {tmp}) <= {int(m)}")
        for v in self.g.objects(shape, SH.hasValue):
            having.append(f"MAX(IF(sameTerm({tmp}, {_term(v)}), 1, 0)) = 1")
        if having:
            patterns.append(f"OPTIONAL {{ SELECT {var} (true AS {flag}) WHERE {{ {var} {sparql_path} {tmp} }} "
                            f"GROUP BY {var} HAVING ({' && '.join(having)}) }}")
            terms.append(f"BOUND({flag})")
            if not (any(int(m) >= 1 for m in self.g.objects(shape, SH.minCount))
                    or any(True for _ in self.g.objects(shape, SH.hasValue))):
                raise UnsupportedShape(f"helper shape {shape}: sh:maxCount without sh:minCount is not compiled")
        if set(self.g.predicates(shape, None)) & _VALUE_KEYS:
            inner, fail = self.value_conditions(shape, tmp, negate=True)
            if any("OPTIONAL" in p for p in inner):
                raise UnsupportedShape(f"helper shape {shape}: value constraints needing joins are not compiled")
            bad = self.fresh("bad")
            patterns.append(f"OPTIONAL {{ SELECT DISTINCT {var} (true AS {bad}) WHERE {{ {var} {sparql_path} "
                            f"{tmp} FILTER ({fail}) }} }}")
            terms.append(f"!BOUND({bad})")
        return patterns, "(" + " && ".join(terms or ["true"]) + ")"

    def value_conditions(self, shape: object, var: str, negate: bool,
                         only: URIRef | None = None) -> tuple[list[str], str]:
        """Patterns and an expression over `var`: true when `var` conforms to the value constraints
        of `shape` (or, with negate, true when it breaks one). `only` restricts to one constraint."""
        patterns, conditions = [], []
        for predicate, obj in self.g.predicate_objects(shape):
            if predicate not in _VALUE_KEYS or predicate == SH.flags or (only is not None and predicate != only):
                continue
            p, c = self.value_condition(shape, predicate, obj, var)
            patterns += p
            conditions.append(c)
        expr = " && ".join(conditions) or "true"
        return patterns, (f"!COALESCE(({expr}), false)" if negate else f"COALESCE(({expr}), false)")

    def value_condition(self, shape: object, predicate: URIRef, obj: object, var: str) -> tuple[list[str], str]:
        if predicate == SH.datatype:
            if obj == XSD.string:
                return [], f"(isLiteral({var}) && datatype({var}) = <{XSD.string}>)"
            if obj == RDF.langString:
                return [], f"(isLiteral({var}) && lang({var}) != \"\")"
            check = f" && isLiteral(<{obj}>(STR({var})))" if obj in _CASTABLE else ""
            return [], f"(isLiteral({var}) && datatype({var}) = <{obj}>{check})"
        if predicate == SH.nodeKind:
            if obj not in _NODE_KINDS:
                raise UnsupportedShape(f"unknown sh:nodeKind {obj}")
            return [], _NODE_KINDS[obj].format(v=var)
        if predicate == SH["in"]:
            members = self.list_of(obj)
            return [], "(" + (" || ".join(f"sameTerm({var}, {_term(m)})" for m in members) or "false") + ")"
        if predicate == SH.pattern:
            flags = self.one(shape, SH.flags)
            extra = f", {_string_literal(str(flags))}" if flags is not None else ""
            return [], f"(!isBlank({var}) && regex(STR({var}), {_string_literal(str(obj))}{extra}))"
        if predicate == SH["class"]:
            flag = self.fresh("cls")
            return ([f"OPTIONAL {{ SELECT DISTINCT {var} (true AS {flag}) WHERE {{ {var} <{RDF_TYPE}>/"
                     f"<{RDFS.subClassOf}>* <{obj}> }} }}"], f"BOUND({flag})")
        comparisons = {SH.minInclusive: ">=", SH.minExclusive: ">", SH.maxInclusive: "<=", SH.maxExclusive: "<"}
        if predicate in comparisons:
            return [], f"COALESCE({var} {comparisons[predicate]} {_term(obj)}, false)"
        if predicate == SH["or"]:
            patterns, alternatives = [], []
            for member in self.list_of(obj):
                p, c = self.conforms(member, var)
                patterns += p
                alternatives.append(c)
            return patterns, "(" + (" || ".join(alternatives) or "false") + ")"
        raise UnsupportedShape(f"{curie(str(predicate))} is not compiled")

    # the checks of one shape
    def shape_checks(self, shape: object, targets: list[str]) -> list[Check]:
        if self.one(shape, SH.deactivated) == Literal(True):
            return []
        self.refuse_unknown(shape)
        path = self.one(shape, SH.path)
        meta = self.meta(shape, path)
        focus = "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(targets) + " } }"
        name = curie(meta.shape)
        checks: list[Check] = []
        keys = set(self.g.predicates(shape, None))
        value_keys = [k for k in keys & _VALUE_KEYS if k != SH.flags]
        node_shape = path is None
        if path is None and keys & (_COUNT_KEYS | set(_PAIR_KEYS)) - {SH.hasValue}:
            raise UnsupportedShape(f"node shape {shape}: count and property-pair constraints need sh:path")
        if value_keys:
            reach = "BIND(?this AS ?value)" if node_shape else f"?this {self.path(path)} ?value ."
            patterns, flags = [], []
            for i, key in enumerate(sorted(value_keys)):
                for obj in self.g.objects(shape, key):
                    p, cond = self.value_condition(shape, key, obj, "?value")
                    patterns += p
                    flags.append((f"f{i}_{len(flags)}", cond, str(SH) + _COMPONENT[key] + "ConstraintComponent"))
            binds = " ".join(f"BIND(!COALESCE(({c}), false) AS ?{f})" for f, c, _ in flags)
            select = " ".join(f"?{f}" for f, _, _ in flags)
            query = (f"SELECT DISTINCT ?this ?value {select} WHERE {{ {focus} {reach} {' '.join(patterns)} "
                     f"{binds} FILTER ({' || '.join('?' + f for f, _, _ in flags)}) }}")
            checks.append(Check(f"{name} values", "value", query, meta,
                                flags=tuple((f, comp) for f, _, comp in flags), node_shape=node_shape))
        count_keys = keys & _COUNT_KEYS
        if count_keys:
            if node_shape:
                if count_keys - {SH.hasValue}:
                    raise UnsupportedShape(f"node shape {shape}: sh:minCount/sh:maxCount need sh:path")
                raise UnsupportedShape(f"node shape {shape}: sh:hasValue on a node shape is not compiled")
            min_count = self.one(shape, SH.minCount)
            max_count = self.one(shape, SH.maxCount)
            has_values = tuple(_term(v) for v in self.g.objects(shape, SH.hasValue))
            aggregates = " ".join(f"(MAX(IF(BOUND(?v) && sameTerm(?v, {t}), 1, 0)) AS ?h{i})"
                                  for i, t in enumerate(has_values))
            having = []
            if min_count is not None:
                having.append(f"COUNT(DISTINCT ?v) < {int(min_count)}")
            if max_count is not None:
                having.append(f"COUNT(DISTINCT ?v) > {int(max_count)}")
            having += [f"MAX(IF(BOUND(?v) && sameTerm(?v, {t}), 1, 0)) = 0" for t in has_values]
            query = (f"SELECT ?this (COUNT(DISTINCT ?v) AS ?n) {aggregates} WHERE {{ {focus} "
                     f"OPTIONAL {{ ?this {self.path(path)} ?v }} }} GROUP BY ?this HAVING ({' || '.join(having)})")
            checks.append(Check(f"{name} counts", "count", query, meta,
                                min_count=None if min_count is None else int(min_count),
                                max_count=None if max_count is None else int(max_count), has_values=has_values))
        for key, component in _PAIR_KEYS.items():
            for other in self.g.objects(shape, key):
                if not isinstance(other, URIRef):
                    raise UnsupportedShape(f"{curie(str(key))} of {shape} must be an IRI")
                condition = {
                    "LessThanOrEquals": "FILTER (!COALESCE(?value <= ?other, false))",
                    "LessThan": "FILTER (!COALESCE(?value < ?other, false))",
                    "Disjoint": "FILTER (sameTerm(?value, ?other))",
                }.get(component)
                if component == "Equals":
                    raise UnsupportedShape("sh:equals is not compiled")
                query = (f"SELECT ?this ?value WHERE {{ {focus} ?this {self.path(path)} ?value . "
                         f"?this <{other}> ?other . {condition} }}")
                checks.append(Check(f"{name} {component}", "pair", query, meta,
                                    component=f"{SH}{component}ConstraintComponent"))
        for constraint in self.g.objects(shape, SH.sparql):
            checks.extend(self.sparql_check(shape, constraint, focus, meta, path))
        return checks

    def sparql_check(self, shape: object, constraint: object, focus: str, meta: Meta,
                     path: object | None) -> list[Check]:
        for predicate in set(self.g.predicates(constraint, None)):
            if str(predicate).startswith(str(SH)) and predicate not in {SH.select, SH.prefixes, SH.message,
                                                                       SH.deactivated}:
                raise UnsupportedShape(f"SPARQL constraint of {shape}: {curie(str(predicate))} is not compiled")
        if self.one(constraint, SH.deactivated) == Literal(True):
            return []
        self.declare(constraint)
        text = str(self.one(constraint, SH.select))
        if path is not None:
            text = text.replace("$PATH", self.path(path))
        if re.search(r"\$(?!this\b)\w+", text) or re.search(r"\b(MINUS|SERVICE|VALUES)\b", text, re.I):
            raise UnsupportedShape(f"SPARQL constraint of {shape}: pre-bound variables other than $this and "
                                   f"$PATH, MINUS, SERVICE and VALUES are not compiled")
        text = text.replace("$this", "?this")
        # Pre-binding $this: the focus nodes open the top-level group and every top-level UNION branch,
        # so an OPTIONAL at the start of a branch sees ?this bound, as with pySHACL's pre-binding.
        query = _prebind(text, focus)
        messages = tuple(str(m) for m in self.g.objects(constraint, SH.message))
        if messages:
            meta = Meta(meta.shape, meta.shape_label, meta.severity,
                        tuple(dict.fromkeys(meta.messages + messages)), meta.path)
        return [Check(f"{curie(meta.shape)} sparql", "sparql", query, meta,
                      component=f"{SH}SPARQLConstraintComponent", node_shape=path is None)]

    def compile(self) -> list[Check]:
        checks: list[Check] = []
        shapes = {s for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
                  for s in self.g.subjects(p, None)}
        seen_property: set = set()
        for shape in sorted(shapes, key=str):
            if self.one(shape, SH.deactivated) == Literal(True):
                continue
            targets = self.targets(shape)
            checks += self.shape_checks(shape, targets)
            for prop in sorted(self.g.objects(shape, SH.property), key=str):
                if self.one(prop, SH.path) is None:
                    raise UnsupportedShape(f"property shape {prop} has no sh:path")
                seen_property.add(prop)
                checks += self.shape_checks(prop, targets)
        for shape in self.g.subjects(SH.property, None):
            if shape not in shapes and self.g.value(shape, SH.property) is not None and not any(
                    True for _ in self.g.subjects(None, shape)):
                raise UnsupportedShape(f"shape {shape} has property shapes but no target")
        return checks


def _prebind(text: str, focus: str) -> str:
    """Insert `focus` at the start of the WHERE group and of each of its top-level UNION branches."""
    match = re.search(r"\bWHERE\s*\{", text, re.I)
    if match is None:
        raise UnsupportedShape("a SPARQL constraint needs SELECT ... WHERE { ... }")
    body_start = match.end()
    depth, end, i = 1, None, body_start
    groups: list[list[int]] = []  # [start, end] of the top-level groups
    while i < len(text):
        ch = text[i]
        if ch in "\"'":
            close = text.find(ch, i + 1)
            i = close + 1 if close > 0 else len(text)
            continue
        if ch == "#":
            nl = text.find("\n", i)
            i = nl if nl > 0 else len(text)
            continue
        if ch == "{":
            if depth == 1:
                groups.append([i, -1])
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 1:
                groups[-1][1] = i
            if depth == 0:
                end = i
                break
        i += 1
    if end is None:
        raise UnsupportedShape("unbalanced braces in a SPARQL constraint")
    inserts = []
    for n, (g_start, g_end) in enumerate(groups):
        before = text[groups[n - 1][1] + 1:g_start] if n else ""
        after = text[g_end + 1:groups[n + 1][0]] if n + 1 < len(groups) else ""
        if re.fullmatch(r"\s*UNION\s*", before, re.I) or re.fullmatch(r"\s*UNION\s*", after, re.I):
            if text[g_start + 1:g_end].lstrip().upper().startswith("SELECT"):
                continue
            inserts.append(g_start + 1)
    out, last = [], 0
    for pos in [body_start, *inserts]:
        out += [text[last:pos], f" {focus} "]
        last = pos
    out.append(text[last:])
    return "".join(out)


@lru_cache(maxsize=8)
def compile_shapes(profiles: tuple[str, ...] = ()) -> tuple[tuple[Check, ...], str]:
    """The checks of the base shapes plus `profiles`, and the PREFIX prologue their queries need."""
    from .validate import shapes_graph

    compiler = _Compiler(shapes_graph(profiles))
    checks = compiler.compile()
    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(compiler.prefixes.items()))
    return tuple(Check(c.name, c.kind, prologue + c.query, c.meta, c.flags, c.min_count, c.max_count,
                       c.has_values, c.component, c.node_shape) for c in checks), prologue


# -- running ---------------------------------------------------------------------------------
def _text(term: object) -> str:
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


_TEMPLATE = re.compile(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}")


def _message(meta: Meta, bindings: dict[str, object] | None) -> str:
    if not meta.messages:
        return "constraint not satisfied"
    message = meta.messages[0]
    if bindings is not None:
        message = _TEMPLATE.sub(lambda m: _text(bindings[m.group(1)]) if bindings.get(m.group(1)) is not None
                                else m.group(0), message)
    return message


def _rows(check: Check, data: ox.Store) -> tuple[list[tuple], float]:
    """(focus, value, component, path, bindings) per broken constraint."""
    start = time.perf_counter()
    out: list[tuple] = []
    solutions = data.query(check.query, use_default_graph_as_union=True)
    if check.kind == "value":
        for row in solutions:
            for flag, component in check.flags:
                if row[flag] is not None and row[flag].value == "true":
                    out.append((row["this"], row["value"], component, check.meta.path, None))
    elif check.kind == "count":
        for row in solutions:
            n = int(row["n"].value)
            if check.min_count is not None and n < check.min_count:
                out.append((row["this"], None, f"{SH}MinCountConstraintComponent", check.meta.path, None))
            if check.max_count is not None and n > check.max_count:
                out.append((row["this"], None, f"{SH}MaxCountConstraintComponent", check.meta.path, None))
            for i in range(len(check.has_values)):
                if row[f"h{i}"] is None or int(row[f"h{i}"].value) == 0:
                    out.append((row["this"], None, f"{SH}HasValueConstraintComponent", check.meta.path, None))
    elif check.kind == "pair":
        out = [(row["this"], row["value"], check.component, check.meta.path, None) for row in solutions]
    else:
        variables = [v.value for v in solutions.variables]
        seen = set()
        for row in solutions:
            bindings = {v: row[v] for v in variables}
            key = tuple(bindings.values())
            if key in seen:
                continue
            seen.add(key)
            value = bindings.get("value")
            if value is None and check.node_shape:
                value = bindings["this"]
            path = bindings.get("path")
            out.append((bindings["this"], value, check.component,
                        _text(path) if isinstance(path, ox.NamedNode) else check.meta.path, bindings))
    return out, time.perf_counter() - start


def _submitted(data: ox.Store, node: object, graphs: Sequence[ox.NamedNode]) -> bool:
    if isinstance(node, ox.Literal):
        return False
    return any(next(iter(data.quads_for_pattern(node, None, None, g)), None) is not None for g in graphs)


def focus_label(data: ox.Store, node: object) -> str:
    """As validate.label_of: its label and CURIE, or the CURIE alone (blank nodes: label or id)."""
    for predicate in _LABEL_PREDICATES:
        labels = sorted(q.object.value for q in data.quads_for_pattern(node, predicate, None, None))
        if labels:
            return f"{labels[0]} ({curie(node.value)})" if isinstance(node, ox.NamedNode) else labels[0]
    return curie(node.value) if isinstance(node, ox.NamedNode) else f"_:{node.value}"


def validate_store(data: ox.Store, profiles: Sequence[str] = (), focus_graphs: Sequence = (),
                   timings: Timings | None = None) -> list[ValidationResult]:
    """Evaluate the compiled shapes over the union of the graphs of `data`; keep the results whose
    focus node is the subject of a triple in one of `focus_graphs` (IRIs, or ox.DefaultGraph()).

    Literal values are reported in the store's canonical form ("150.0"^^xsd:decimal as "150")."""
    checks, _ = compile_shapes(tuple(profiles))
    graphs = [ox.NamedNode(g) if isinstance(g, str) else g for g in focus_graphs]
    start = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(lambda c: _rows(c, data), checks))
    if timings is not None:
        timings.checks = {c.name: t for c, (_, t) in zip(checks, outcomes, strict=True)}
        timings.total = time.perf_counter() - start
    start = time.perf_counter()
    results: list[ValidationResult] = []
    kept: dict[object, bool] = {}
    labels: dict[object, str] = {}
    for check, (rows, _) in zip(checks, outcomes, strict=True):
        for focus, value, component, path, bindings in rows:
            if focus not in kept:
                kept[focus] = _submitted(data, focus, graphs)
            if not kept[focus]:
                continue
            if focus not in labels:
                labels[focus] = focus_label(data, focus)
            value_text = None if value is None else _text(value)
            results.append(ValidationResult(
                severity=check.meta.severity, focus=_text(focus), focus_label=labels[focus], path=path,
                value=value_text, message=_message(check.meta, bindings), shape=check.meta.shape,
                shape_label=check.meta.shape_label, component=component))
    if timings is not None:
        timings.labels = time.perf_counter() - start
    return results
