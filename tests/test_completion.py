"""The cheapest-completion search (mcgraph.completion) against brute force on random small problems."""
from __future__ import annotations

import itertools
import random
from fractions import Fraction

import pytest

from mcgraph.completion import Option, Problem, cheapest, counted_credit

REQUIREMENTS = ("component:x", "group:g", "outcome:o")


def random_problem(seed: int) -> Problem:
    rng = random.Random(seed)
    options = []
    for i in range(rng.randint(3, 9)):
        credit = Fraction(rng.choice((0, 5, 10, 15, 20, 7.5)))
        cost = credit if rng.random() < 0.5 else Fraction(rng.randint(1, 30))
        covers = frozenset(r for r in REQUIREMENTS if rng.random() < 0.3)
        options.append(Option(f"c{i}", cost, credit, rng.random() < 0.8, covers))
    needs = {r: rng.choice((0, 1, 2)) for r in REQUIREMENTS}
    room = rng.choice((None, Fraction(10), Fraction(25), Fraction(0)))
    return Problem({r: n for r, n in needs.items() if n}, Fraction(rng.choice((0, 10, 20, 35, 60))), room, options)


def brute_force(problem: Problem) -> tuple[Fraction, Fraction] | None:
    """(least cost, counted credit) over every subset that meets the needs and fills the reachable gap."""
    reachable = min(problem.gap, counted_credit(problem.options, problem.micro_room))
    best = None
    for size in range(len(problem.options) + 1):
        for subset in itertools.combinations(problem.options, size):
            if any(sum(r in o.covers for o in subset) < n for r, n in problem.needs.items()):
                continue
            if counted_credit(subset, problem.micro_room) < reachable:
                continue
            cost = sum((o.cost for o in subset), Fraction(0))
            if best is None or cost < best:
                best = cost
    return None if best is None else (best, reachable)


@pytest.mark.parametrize("seed", range(300))
def test_cheapest_plan_equals_brute_force(seed: int) -> None:
    problem = random_problem(seed)
    search = cheapest(problem, k=3)
    expected = brute_force(problem)
    if expected is None:
        assert not search.feasible and not search.solutions
        return
    assert search.feasible and search.exact
    best = search.solutions[0]
    assert best.cost == expected[0]
    chosen = [o for o in problem.options if o.key in best.keys]
    assert counted_credit(chosen, problem.micro_room) >= expected[1]
    assert all(sum(r in o.covers for o in chosen) >= n for r, n in problem.needs.items())
    costs = [s.cost for s in search.solutions]
    assert costs == sorted(costs) and len({frozenset(s.keys) for s in search.solutions}) == len(costs)


def test_cap_limits_what_micro_credentials_can_add() -> None:
    options = [Option("a", Fraction(20), Fraction(20), True), Option("b", Fraction(30), Fraction(30), False)]
    search = cheapest(Problem({}, Fraction(40), Fraction(10), options))
    # micro-credentials add at most 10: the 30 of the other credential is needed, and a's 10
    assert search.reachable_gap == 40
    assert search.solutions[0].keys == ["a", "b"]


def test_unmeetable_requirement_is_named() -> None:
    search = cheapest(Problem({"outcome:o": 1}, Fraction(0), None, [Option("a", Fraction(1), Fraction(1), True)]))
    assert not search.feasible and search.unmet == {"outcome:o": 1}


def test_gap_larger_than_everything_available_is_filled_as_far_as_possible() -> None:
    options = [Option("a", Fraction(5), Fraction(5), True), Option("b", Fraction(10), Fraction(10), True)]
    search = cheapest(Problem({}, Fraction(100), None, options))
    assert search.reachable_gap == 15 and not search.solutions[0].fills_gap
    assert sorted(search.solutions[0].keys) == ["a", "b"]


def test_node_budget_marks_the_answer_inexact() -> None:
    options = [Option(f"c{i}", Fraction(1), Fraction(0), True, frozenset({"group:g"})) for i in range(12)]
    search = cheapest(Problem({"group:g": 6}, Fraction(0), None, options), budget=10)
    assert not search.exact
