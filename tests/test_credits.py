"""Credit systems and conversion through notional hours (mcgraph.credits), on the bundled credit systems."""
from __future__ import annotations

from fractions import Fraction

import pytest

from mcgraph.credits import CreditSystems, convert, hours
from mcgraph.errors import UnknownResource, UsageError
from mcgraph.queries import find_query, run
from mcgraph.store import OxigraphStore


@pytest.fixture(scope="module")
def systems(bundled_store: OxigraphStore) -> CreditSystems:
    return CreditSystems.load(bundled_store)


def test_the_bundled_systems_and_their_hours(systems: CreditSystems) -> None:
    by_id = {s.id: (s.min_hours, s.max_hours) for s in systems.systems.values()}
    assert by_id["id:credit-system/nzqcf-credit"] == (10, 10)
    assert by_id["id:credit-system/mqf-credit"] == (40, 40)
    assert by_id["id:credit-system/ncrf-credit"] == (30, 30)
    assert by_id["id:credit-system/ects"] == (25, 30)
    assert systems.get("ECTS").is_range and not systems.get("MQF").is_range


def test_nz_credits_to_mqf_credits_states_the_rule(systems: CreditSystems) -> None:
    result = systems.convert(15, "NZQCF", "MQF", rounding="none")
    assert (result.hours_min, result.exact_min, result.credits_min) == ("150", "3.75", "3.75")
    assert result.rule == ("15 NZQCF credit = 150 notional hours (1 NZQCF credit = 10 h) = 3.75 MQF credit "
                           "(1 MQF credit = 40 h)")


@pytest.mark.parametrize("rounding,credits,words", [
    ("down", "3", "rounded down to whole credits: 3"),
    ("nearest", "4", "rounded to the nearest whole credit: 4"),
    ("up", "4", "rounded up to whole credits: 4"),
])
def test_rounding_is_explicit(systems: CreditSystems, rounding: str, credits: str, words: str) -> None:
    result = systems.convert(15, "nzqcf-credit", "id:credit-system/mqf-credit", rounding=rounding)
    assert (result.exact_min, result.credits_min, result.rounding) == ("3.75", credits, rounding)
    assert result.rule.endswith(words)


def test_a_whole_result_mentions_no_rounding(systems: CreditSystems) -> None:
    result = systems.convert(8, "MQF", "NZQCF")
    assert result.credits_min == result.credits_max == "32" and "rounded" not in result.rule


def test_a_range_system_gives_a_range(systems: CreditSystems) -> None:
    into = systems.convert(10, "MQF", "ECTS", rounding="none")  # 400 h / 30..25 h
    assert (into.exact_min, into.exact_max) == ("13.3333", "16")
    out = systems.convert(60, "ECTS", "NZQCF")  # 1500..1800 h / 10 h
    assert (out.hours_min, out.hours_max, out.credits_min, out.credits_max) == ("1500", "1800", "150", "180")
    assert "1 ECTS credit = 25-30 h" in out.rule
    assert hours("2.5", systems.get("ECTS")) == (Fraction(125, 2), 75)


@pytest.mark.parametrize("call,error,message", [
    (lambda s: s.get("XYZ"), UnknownResource, "no credit system 'XYZ'"),
    (lambda s: s.convert(-1, "MQF", "NZQCF"), UsageError, "cannot be negative"),
    (lambda s: s.convert("ten", "MQF", "NZQCF"), UsageError, "not a credit amount"),
    (lambda s: convert(1, s.get("MQF"), s.get("NZQCF"), rounding="banker"), UsageError, "unknown rounding"),
])
def test_bad_requests_fail_clearly(systems: CreditSystems, call, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        call(systems)


def test_hours_agree_with_the_analysts_query(bundled_store: OxigraphStore, systems: CreditSystems) -> None:
    rows = list(run(bundled_store, find_query("credits-in-notional-hours"), {}))
    assert len(rows) >= 5
    for row in rows:
        low, high = hours(row["credits"].value, systems.systems[row["creditSystem"].value])
        assert (Fraction(row["minHours"].value), Fraction(row["maxHours"].value)) == (low, high)
