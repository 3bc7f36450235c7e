"""Credit systems and conversion between them through notional learning hours.

A credit system gives the notional hours one credit stands for: a fixed number (NZQCF 10, MQF 40,
India's NCrF 30) or a range (ECTS 25-30). Credits of one system become credits of another only
through hours, and every conversion states its rule and its rounding, e.g.

    15 NZQCF credit = 150 notional hours (1 NZQCF credit = 10 h) = 3.75 MQF credit (1 MQF credit = 40 h)

Arithmetic is exact (fractions); a range system gives a range: the fewest hours per credit on the
way in and the most on the way out bound the result from below, and the reverse from above.
Rounding is explicit: "none" keeps the exact value, "down" (the default: a credit is awarded
whole, never rounded up into existence), "nearest" (halves up) or "up".
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from .errors import UnknownResource, UsageError
from .namespaces import curie, sparql_prologue
from .store import Reader

ROUNDINGS = ("down", "nearest", "up", "none")
ROUNDING_WORDS = {"down": "rounded down to whole credits", "nearest": "rounded to the nearest whole credit",
                   "up": "rounded up to whole credits"}
# frameworks are found by type first: mc:creditSystem also links every credit value to its system
_QUERY = sparql_prologue() + """
SELECT ?cs ?label ?alt ?hours ?min ?max ?fwCode WHERE {
  ?cs a mc:CreditSystem .
  OPTIONAL { { ?cs skos:prefLabel ?label } UNION { ?cs skos:altLabel ?alt } UNION { ?cs mc:hoursPerCredit ?hours }
             UNION { ?cs mc:minHoursPerCredit ?min } UNION { ?cs mc:maxHoursPerCredit ?max }
             UNION { ?fw a/rdfs:subClassOf* mc:QualificationsFramework ; mc:creditSystem ?cs ; skos:altLabel ?fwCode } }
}"""


@dataclass(frozen=True)
class CreditSystem:
    iri: str
    id: str
    name: str  # short display name, e.g. "NZQCF credit", "ECTS"
    min_hours: Fraction  # notional hours per credit (equal to max_hours unless the system gives a range)
    max_hours: Fraction

    @property
    def is_range(self) -> bool:
        return self.min_hours != self.max_hours

    @property
    def rule(self) -> str:
        """e.g. "1 MQF credit = 40 h", "1 ECTS credit = 25-30 h"."""
        return f"1 {self.name} = {_span(self.min_hours, self.max_hours)} h"


@dataclass
class Conversion:
    """An amount of one system in notional hours and in another system, with the rule and rounding."""

    amount: str  # as given, e.g. "15"
    source: str  # credit system CURIEs
    target: str
    hours_min: str  # decimal strings, exact
    hours_max: str
    exact_min: str  # credits of the target system before rounding
    exact_max: str
    credits_min: str  # after rounding
    credits_max: str
    rounding: str
    rule: str


class CreditSystems:
    """The credit systems of a graph, by IRI; looked up by IRI, CURIE, id, label or framework code."""

    def __init__(self, systems: dict[str, CreditSystem], names: dict[str, set[str]]) -> None:
        self.systems = systems
        self._names = names

    @classmethod
    def load(cls, reader: Reader) -> CreditSystems:
        rows = reader.select(_QUERY)
        groups: dict[str, list] = defaultdict(list)
        for row in rows:
            groups[row["cs"].value].append(row)
        systems, names = {}, defaultdict(set)
        for iri, group in groups.items():
            system = _system(iri, group)
            if system is None:
                continue  # no hours recorded: cannot convert
            systems[iri] = system
            for name in (iri, system.id, iri.rsplit("/", 1)[-1], system.name, *_values(group, "label"),
                         *_values(group, "alt"), *_values(group, "fwCode")):
                names[name.casefold()].add(iri)
        return cls(systems, names)

    def get(self, token: str) -> CreditSystem:
        found = self._names.get(token.strip().casefold(), set())
        if not found:
            raise UnknownResource(f"no credit system {token!r} with notional hours in the graph")
        if len(found) > 1:
            raise UsageError(f"{token!r} names several credit systems: {', '.join(sorted(map(curie, found)))}")
        return self.systems[next(iter(found))]

    def convert(self, amount: Decimal | int | str, source: str, target: str, rounding: str = "down") -> Conversion:
        return convert(amount, self.get(source), self.get(target), rounding)


def convert(amount: Decimal | int | str, source: CreditSystem, target: CreditSystem,
            rounding: str = "down") -> Conversion:
    """`amount` credits of `source` as notional hours and as credits of `target`."""
    if rounding not in ROUNDINGS:
        raise UsageError(f"unknown rounding {rounding!r}; expected one of {', '.join(ROUNDINGS)}")
    value = _amount(amount)
    hours_min, hours_max = value * source.min_hours, value * source.max_hours
    exact_min, exact_max = hours_min / target.max_hours, hours_max / target.min_hours
    low, high = round_credits(exact_min, rounding), round_credits(exact_max, rounding)
    rule = (f"{decimal_text(value)} {source.name} = {_span(hours_min, hours_max)} notional hours ({source.rule})"
            f" = {_span(exact_min, exact_max)} {target.name} ({target.rule})")
    if rounding != "none" and (low, high) != (exact_min, exact_max):
        rule += f"; {ROUNDING_WORDS[rounding]}: {_span(low, high)}"
    text = decimal_text
    return Conversion(str(amount), source.id, target.id, text(hours_min), text(hours_max), text(exact_min),
                      text(exact_max), text(low), text(high), rounding, rule)


def hours(amount: Decimal | int | str, system: CreditSystem) -> tuple[Fraction, Fraction]:
    """Notional hours of `amount` credits: (fewest, most)."""
    value = _amount(amount)
    return value * system.min_hours, value * system.max_hours


# -- helpers ----------------------------------------------------------------------------------------
def _system(iri: str, rows: list) -> CreditSystem | None:
    fixed, low, high = (_first(rows, var) for var in ("hours", "min", "max"))
    low, high = (fixed, fixed) if fixed is not None else (low, high if high is not None else low)
    if low is None or high is None or low <= 0 or high < low:
        return None
    alts = sorted(_values(rows, "alt"), key=len)
    short = [a for a in alts if a.isupper() and " " not in a]
    label = next(iter(_values(rows, "label")), None)
    name = f"{short[0]} credit" if short and not short[0].lower().endswith("credit") else (label or curie(iri))
    return CreditSystem(iri, curie(iri), name, low, high)


def _values(rows: list, var: str) -> list[str]:
    return sorted({row[var].value for row in rows if row.get(var) is not None})


def _first(rows: list, var: str) -> Fraction | None:
    values = _values(rows, var)
    return Fraction(Decimal(values[0])) if values else None


def _amount(amount: Decimal | int | str) -> Fraction:
    try:
        value = Fraction(Decimal(str(amount)))
    except ArithmeticError:
        raise UsageError(f"not a credit amount: {amount!r}") from None
    if value < 0:
        raise UsageError(f"a credit amount cannot be negative: {amount}")
    return value


def round_credits(value: Fraction, rounding: str) -> Fraction:
    if rounding == "down":
        return Fraction(math.floor(value))
    if rounding == "up":
        return Fraction(math.ceil(value))
    if rounding == "nearest":
        return Fraction(math.floor(value + Fraction(1, 2)))
    return value


def decimal_text(value: Fraction) -> str:
    """A decimal string: exact when it terminates, else 4 places (e.g. 3.75, 6.6667)."""
    text = f"{Decimal(value.numerator) / Decimal(value.denominator):.4f}".rstrip("0").rstrip(".")
    return text or "0"


def _span(low: Fraction, high: Fraction) -> str:
    return decimal_text(low) if low == high else f"{decimal_text(low)}-{decimal_text(high)}"
