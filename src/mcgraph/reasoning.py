"""Is the ontology plus data consistent? Checked by the OWL reasoner HermiT through owlready2.

HermiT runs on Java; without `java` on the PATH the check raises `FeatureUnavailable`.

Datatype policy. HermiT only knows the datatypes of the OWL 2 datatype map and rejects any
other, while the data dates things with `xsd:date`, `xsd:gYearMonth` and `xsd:gYear`. Before
reasoning, every literal whose datatype is outside that map is retyped to `xsd:string` (same
lexical form). The assertion stays, so cardinalities and disjointness are still checked; only
the value's own datatype is not (the ontology gives date properties no OWL range, and the SHACL
shapes check their datatypes). The number of retyped literals is reported in the explanation.

Every call works in a fresh `owlready2.World` and a temporary directory: nothing leaks from one
call to the next.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox

from .errors import FeatureUnavailable, McGraphError
from .namespaces import curie
from .rdfio import parse_file
from .resources import bundled_data_files, ontology_file

TIMEOUT_SECONDS = 600  # a run of HermiT that takes longer is stopped

_XSD = "http://www.w3.org/2001/XMLSchema#"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_OWL = "http://www.w3.org/2002/07/owl#"
_XSD_STRING = ox.NamedNode(_XSD + "string")

# The OWL 2 datatype map (OWL 2 Structural Specification, section 4), which HermiT implements.
_XSD_MAP = (
    "decimal integer nonNegativeInteger nonPositiveInteger positiveInteger negativeInteger long int short byte "
    "unsignedLong unsignedInt unsignedShort unsignedByte double float string normalizedString token language "
    "Name NCName NMTOKEN boolean hexBinary base64Binary anyURI dateTime dateTimeStamp"
)
OWL2_DATATYPES = frozenset(
    [_RDF + n for n in ("PlainLiteral", "XMLLiteral", "langString")]
    + [_RDFS + "Literal", _OWL + "real", _OWL + "rational"]
    + [_XSD + n for n in _XSD_MAP.split()]
)

_NUMERIC = frozenset(_XSD + n for n in ("decimal", "integer", "nonNegativeInteger", "positiveInteger", "int", "long"))

_owlready_lock = threading.Lock()  # owlready2 keeps its Java settings in module globals


@dataclass(frozen=True)
class ConsistencyResult:
    consistent: bool
    triples: int  # distinct triples given to the reasoner
    explanation: str  # what HermiT found and likely causes; notes on retyped literals


def check_consistency(files: list[Path], include_bundled: bool = True) -> ConsistencyResult:
    """Check the ontology, the bundled data (optionally) and `files` together with HermiT."""
    java = shutil.which("java")
    if java is None:
        raise FeatureUnavailable("the OWL reasoner HermiT needs Java (a `java` executable on the "
                                 "PATH); install a Java runtime (11 or later) and retry")
    sources = [ontology_file(), *(bundled_data_files() if include_bundled else []), *files]
    triples, retyped = _owl_safe(_read(sources))
    note = (f"{retyped} literal(s) of datatypes outside OWL 2 (e.g. xsd:date, xsd:gYear) were "
            "checked as strings") if retyped else ""
    with tempfile.TemporaryDirectory(prefix="mcgraph-reason-") as tmp:
        path = Path(tmp) / "graph.nt"
        ox.serialize(triples, output=str(path), format=ox.RdfFormat.N_TRIPLES)
        consistent = _run_hermit(path, java)
    if consistent:
        return ConsistencyResult(True, len(triples), note)
    causes = _likely_causes(triples)
    found = ("likely cause(s):\n  - " + "\n  - ".join(causes)) if causes else \
        "no simple cause found (use an OWL explanation tool, e.g. Protégé, on the same files)"
    explanation = f"HermiT found the ontology and data inconsistent; {found}"
    return ConsistencyResult(False, len(triples), explanation + (f"\n({note})" if note else ""))


def _read(sources: list[Path]) -> list[ox.Triple]:
    """Every distinct triple of the sources, graph names dropped, first-seen order kept."""
    seen: dict[ox.Triple, None] = {}
    for source in sources:
        for quad in parse_file(source):
            seen.setdefault(quad.triple, None)
    return list(seen)


def _owl_safe(triples: list[ox.Triple]) -> tuple[list[ox.Triple], int]:
    """Apply the datatype policy: retype literals HermiT cannot read to xsd:string."""
    out, retyped = [], 0
    for t in triples:
        obj = t.object
        if isinstance(obj, ox.Literal) and obj.language is None and obj.datatype.value not in OWL2_DATATYPES:
            t, retyped = ox.Triple(t.subject, t.predicate, ox.Literal(obj.value, datatype=_XSD_STRING)), retyped + 1
        out.append(t)
    return out, retyped


@contextmanager
def _hermit_settings(java: str, timeout: float) -> Iterator[None]:
    """Point owlready2 at this `java` and bound HermiT's run time, restoring both afterwards.

    owlready2 has no timeout parameter; it passes the module-level `_subprocess_kargs` to the
    `subprocess` call that runs HermiT, so a timeout set there stops (kills) that process.
    (owlready2 leaves its own copy of the graph in the system temporary folder when HermiT
    reports an inconsistency; that file is outside this module's control.)
    """
    import owlready2
    import owlready2.reasoning as owl_reasoning

    kwargs = getattr(owl_reasoning, "_subprocess_kargs", None)
    with _owlready_lock:
        saved_java = owlready2.JAVA_EXE
        owlready2.JAVA_EXE = java
        if isinstance(kwargs, dict):
            kwargs["timeout"] = timeout
        try:
            yield
        finally:
            owlready2.JAVA_EXE = saved_java
            if isinstance(kwargs, dict):
                kwargs.pop("timeout", None)


def _run_hermit(path: Path, java: str) -> bool:
    """True if HermiT finds the N-Triples file consistent, False if inconsistent."""
    import owlready2

    world = owlready2.World()
    try:
        world.get_ontology(path.as_uri()).load()
        with _hermit_settings(java, TIMEOUT_SECONDS):
            owlready2.sync_reasoner_hermit(world, debug=0)
        return True
    except owlready2.OwlReadyInconsistentOntologyError:
        return False
    except subprocess.TimeoutExpired:
        raise McGraphError(f"the reasoner HermiT did not finish within {TIMEOUT_SECONDS} s") from None
    except owlready2.OwlReadyJavaError as err:
        raise McGraphError(f"the reasoner HermiT failed: {str(err).strip()[:2000]}") from None
    except owlready2.OwlReadyOntologyParsingError as err:
        raise McGraphError(f"owlready2 could not read the graph: {err}") from None
    finally:
        world.close()


ByPredicate = dict[str, list[ox.Triple]]


def _likely_causes(triples: list[ox.Triple]) -> list[str]:
    """Name the common causes of an inconsistency by a direct look at the triples.

    HermiT only says "inconsistent"; this finds the usual culprits: a resource in two disjoint
    classes (asserted, or implied by a property's domain or range), a resource part of itself,
    two resources each part of the other, and two values of a functional datatype property.
    """
    by_pred: ByPredicate = defaultdict(list)
    for t in triples:
        by_pred[t.predicate.value].append(t)
    causes = _disjointness_causes(triples, by_pred) + _part_of_causes(by_pred) + _functional_causes(by_pred)
    return sorted(set(causes))


def _pairs(by_pred: ByPredicate, owl_term: str) -> list[tuple[ox.Term, ox.Term]]:
    return [(t.subject, t.object) for t in by_pred[_OWL + owl_term]]


def _typed_as(by_pred: ByPredicate, owl_class: str) -> list[ox.Term]:
    return [t.subject for t in by_pred[_RDF + "type"] if t.object.value == _OWL + owl_class]


def _classes(triples: list[ox.Triple], by_pred: ByPredicate) -> dict[ox.Term, dict[ox.Term, str]]:
    """The classes of each resource (typed, or implied by a domain or range), with the reason,
    closed under rdfs:subClassOf."""
    supers: dict[ox.Term, set[ox.Term]] = defaultdict(set)
    for t in by_pred[_RDFS + "subClassOf"]:
        supers[t.subject].add(t.object)
    domain = {t.subject: t.object for t in by_pred[_RDFS + "domain"]}
    range_ = {t.subject: t.object for t in by_pred[_RDFS + "range"]}
    types: dict[ox.Term, dict[ox.Term, str]] = defaultdict(dict)
    for t in triples:
        if t.predicate.value == _RDF + "type":
            types[t.subject].setdefault(t.object, "typed")
            continue
        p = t.predicate
        if isinstance(domain.get(p), ox.NamedNode):
            types[t.subject].setdefault(domain[p], f"subject of {curie(p.value)}")
        if isinstance(range_.get(p), ox.NamedNode) and not isinstance(t.object, ox.Literal):
            types[t.object].setdefault(range_[p], f"object of {curie(p.value)}")
    for classes in types.values():
        todo = list(classes)
        while todo:
            sub = todo.pop()
            for sup in supers.get(sub, ()):
                if sup not in classes:
                    classes[sup] = classes[sub]
                    todo.append(sup)
    return types


def _disjointness_causes(triples: list[ox.Triple], by_pred: ByPredicate) -> list[str]:
    disjoint = set(_pairs(by_pred, "disjointWith"))
    lists = _rdf_lists(by_pred)
    for t in by_pred[_OWL + "members"]:
        members = lists.get(t.object, [])
        disjoint |= {(a, b) for i, a in enumerate(members) for b in members[i + 1:]}
    return [f"{_show(node)} is a {_show(a)} ({classes[a]}) and a {_show(b)} ({classes[b]}), which are disjoint"
            for node, classes in _classes(triples, by_pred).items()
            for a, b in disjoint if a in classes and b in classes]


def _part_of_causes(by_pred: ByPredicate) -> list[str]:
    """Self-loops of irreflexive properties and two-way links of asymmetric ones (inverses included)."""
    inverse = {**dict(_pairs(by_pred, "inverseOf")), **{o: s for s, o in _pairs(by_pred, "inverseOf")}}
    causes: list[str] = []
    for kind in ("IrreflexiveProperty", "AsymmetricProperty"):
        for prop in _typed_as(by_pred, kind):
            edges = {(t.subject, t.object) for t in by_pred[prop.value]}
            if prop in inverse:
                edges |= {(t.object, t.subject) for t in by_pred[inverse[prop].value]}
            for s, o in sorted(edges, key=str):
                if s == o:
                    causes.append(f"{_show(s)} {_show(prop)} itself ({_show(prop)} is irreflexive)")
                elif kind == "AsymmetricProperty" and (o, s) in edges and str(s) < str(o):
                    causes.append(f"{_show(s)} {_show(prop)} {_show(o)} and {_show(o)} {_show(prop)} "
                                  f"{_show(s)} ({_show(prop)} is asymmetric)")
    return causes


def _functional_causes(by_pred: ByPredicate) -> list[str]:
    causes: list[str] = []
    for prop in _typed_as(by_pred, "FunctionalProperty"):
        values: dict[ox.Term, set[object]] = defaultdict(set)
        for t in by_pred[prop.value]:
            if isinstance(t.object, ox.Literal):
                values[t.subject].add(_value(t.object))
        causes += [f"{_show(s)} has {len(v)} values of the functional {_show(prop)}"
                   for s, v in values.items() if len(v) > 1]
    return causes


def _rdf_lists(by_pred: ByPredicate) -> dict[ox.Term, list[ox.Term]]:
    """Every RDF collection, keyed by its head node."""
    first = {t.subject: t.object for t in by_pred[_RDF + "first"]}
    rest = {t.subject: t.object for t in by_pred[_RDF + "rest"]}
    out: dict[ox.Term, list[ox.Term]] = {}
    for head in first:
        items, node = [], head
        while node in first and len(items) <= len(first):
            items.append(first[node])
            node = rest.get(node)
        out[head] = items
    return out


def _value(lit: ox.Literal) -> object:
    """A comparable value: numbers by value ("7" equals "7.0"), anything else as written."""
    if lit.datatype.value in _NUMERIC:
        try:
            return Decimal(lit.value)
        except InvalidOperation:
            pass
    return lit


def _show(term: ox.Term) -> str:
    return curie(term.value) if isinstance(term, ox.NamedNode) else str(term)
