"""The cheapest ways to complete a stacking rule: an exact search over the credentials available.

The problem, in the rule's own terms: requirements still unmet (a required component, k more
members of a component group, a learning outcome), a credit gap, and room left under the cap on
micro-credential credit; options are credentials the learner could add, each with a cost (its
credit in the rule's system, or its notional hours), the credit it would add (counted under the
cap when it is a micro-credential) and the requirements it covers. A plan is a set of options that
meets every requirement and fills as much of the gap as the options can fill at all, at least cost.

The search is exact:
1. requirements, by branch and bound: take the unmet requirement with the fewest options that
   cover it and branch on each of them (cheapest first), pruning when the cost reaches the k-th
   best plan found; every node where all requirements are met is a structural set S;
2. credit, for each S: the cheapest top-up T from the other options is a 0/1 covering knapsack,
   solved by dynamic programming over credit amounts (scaled to integers), once for
   micro-credentials (their sum counts only up to the room under the cap) and once for the
   others, then combined. Only the cheapest ceil(gap / v) options of each credit value v can be in
   an optimal top-up, so the others are dropped before the DP.
Any plan P meets the requirements, so some S found in step 1 is a subset of P, and P minus S is a
feasible top-up: the best S + T costs no more than P. tests/test_completion.py checks this against
brute force. A node budget bounds step 1; when it runs out, plans are the best found and `exact`
is False. The first plan is the cheapest; the next ones are the cheapest with another choice of
requirements, or, when there are too few of those, the cheapest that do without one credential of
the first plan (each is exact under that constraint).
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction

NODE_BUDGET = 20_000
MAX_PLANS = 10


@dataclass(frozen=True)
class Option:
    key: str  # the credential's IRI
    cost: Fraction
    credit: Fraction  # credit it adds toward the requirement (0 when it does not count)
    micro: bool  # its credit counts under the cap on micro-credential credit
    covers: frozenset[str] = frozenset()  # requirement keys it helps meet


@dataclass
class Problem:
    needs: dict[str, int]  # requirement key -> how many more covering options are needed
    gap: Fraction  # credit still missing toward the requirement (0 when met or none required)
    micro_room: Fraction | None  # credit micro-credentials may still add under the cap; None: no cap
    options: list[Option]


@dataclass
class Solution:
    keys: list[str]  # option keys, in input order
    cost: Fraction
    credit: Fraction  # credit counted toward the requirement
    fills_gap: bool  # False when even every option together cannot fill the gap


@dataclass
class Search:
    solutions: list[Solution]
    feasible: bool  # False when some requirement has too few options
    exact: bool
    reachable_gap: Fraction  # the part of the gap options can fill at all
    unmet: dict[str, int] = field(default_factory=dict)  # requirements no option set can meet


def counted_credit(options: Iterable[Option], micro_room: Fraction | None) -> Fraction:
    """Credit counted from `options`: micro-credentials only up to the room under the cap."""
    micro = sum((o.credit for o in options if o.micro), Fraction(0))
    other = sum((o.credit for o in options if not o.micro), Fraction(0))
    return (micro if micro_room is None else min(micro, micro_room)) + other


def cheapest(problem: Problem, k: int = 3, budget: int = NODE_BUDGET) -> Search:
    """Up to `k` plans with distinct option sets, cheapest first (ties: fewer options, then keys)."""
    options = sorted(problem.options, key=lambda o: (o.cost, o.key))
    unmet = _unmeetable(problem.needs, options)
    reachable = min(problem.gap, counted_credit(options, problem.micro_room))
    if unmet:
        return Search([], False, True, reachable, unmet)
    k = max(1, min(k, MAX_PLANS))
    finder = _Finder(options, problem.micro_room, reachable, k, budget)
    finder.search(dict(problem.needs), [], Fraction(0))
    ranked = finder.best()
    exact = finder.nodes <= budget
    if ranked and len(ranked) < k:
        for left_out in ranked[0][1]:  # ways that do without one credential of the best plan
            rest = [o for o in options if o.key != left_out.key]
            other = _Finder(rest, problem.micro_room, reachable, 1, budget)
            other.search(dict(problem.needs), [], Fraction(0))
            ranked.extend(other.best())
        unique = {frozenset(o.key for o in chosen): (cost, chosen) for cost, chosen in reversed(ranked)}
        ranked = sorted(unique.values(), key=lambda cp: (cp[0], len(cp[1]), [o.key for o in cp[1]]))[:k]
    solutions = [Solution([o.key for o in chosen], cost, counted_credit(chosen, problem.micro_room),
                          reachable == problem.gap) for cost, chosen in ranked]
    return Search(solutions, True, exact, reachable)


def _unmeetable(needs: dict[str, int], options: list[Option]) -> dict[str, int]:
    supply = defaultdict(int)
    for option in options:
        for key in option.covers:
            supply[key] += 1
    return {key: need - supply[key] for key, need in needs.items() if need > supply[key]}


class _Finder:
    def __init__(self, options: list[Option], room: Fraction | None, goal: Fraction, k: int, budget: int) -> None:
        self.options, self.room, self.goal, self.k, self.budget = options, room, goal, k, budget
        self.found: dict[frozenset[str], tuple[Fraction, list[Option]]] = {}
        self.seen: set[frozenset[str]] = set()
        self.nodes = 0
        self.covering: dict[str, list[Option]] = defaultdict(list)
        for option in options:
            for requirement in option.covers:
                self.covering[requirement].append(option)

    def bound(self) -> Fraction | None:
        """The cost a new plan must not exceed to enter the k best."""
        if len(self.found) < self.k:
            return None
        return sorted(cost for cost, _ in self.found.values())[self.k - 1]

    def search(self, needs: dict[str, int], chosen: list[Option], cost: Fraction) -> None:
        self.nodes += 1
        key = frozenset(o.key for o in chosen)
        if self.nodes > self.budget or key in self.seen:
            return
        self.seen.add(key)
        limit = self.bound()
        if limit is not None and cost > limit:
            return
        open_needs = [r for r, n in needs.items() if n > 0]
        if not open_needs:
            self._complete(chosen, cost)
            return
        taken = {o.key for o in chosen}
        covering = {r: [o for o in self.covering[r] if o.key not in taken] for r in open_needs}
        requirement = min(open_needs, key=lambda r: (len(covering[r]), r))
        for option in covering[requirement]:
            after = dict(needs)
            for r in option.covers:
                if after.get(r, 0) > 0:
                    after[r] -= 1
            self.search(after, [*chosen, option], cost + option.cost)

    def _complete(self, chosen: list[Option], cost: Fraction) -> None:
        taken = {o.key for o in chosen}
        rest = [o for o in self.options if o.key not in taken and o.credit > 0]
        top_up = _top_up(rest, self.goal - counted_credit(chosen, self.room), _room_left(chosen, self.room))
        if top_up is None:
            return
        plan = [o for o in self.options if o.key in taken or o in top_up]
        total = cost + sum((o.cost for o in top_up), Fraction(0))
        self.found.setdefault(frozenset(o.key for o in plan), (total, plan))

    def best(self) -> list[tuple[Fraction, list[Option]]]:
        ranked = sorted(self.found.values(), key=lambda cp: (cp[0], len(cp[1]), [o.key for o in cp[1]]))
        return ranked[:self.k]


def _room_left(chosen: list[Option], room: Fraction | None) -> Fraction | None:
    if room is None:
        return None
    return max(Fraction(0), room - sum((o.credit for o in chosen if o.micro), Fraction(0)))


def _top_up(options: list[Option], gap: Fraction, room: Fraction | None) -> list[Option] | None:
    """The cheapest options adding at least `gap` counted credit; None when impossible."""
    if gap <= 0:
        return []
    scale = math.lcm(gap.denominator, room.denominator if room is not None else 1,
                     *(o.credit.denominator for o in options))
    need = math.ceil(gap * scale)
    micro_limit = need if room is None else min(need, math.floor(room * scale))
    micro = _cover_table([o for o in options if o.micro], scale, micro_limit)
    other = _cover_table([o for o in options if not o.micro], scale, need)
    best: tuple[Fraction, list[Option]] | None = None
    for amount in range(0, micro_limit + 1):
        m, o = micro[amount], other[need - amount]
        if m is None or o is None:
            continue
        cost = m[0] + o[0]
        if best is None or cost < best[0]:
            best = (cost, [*m[1], *o[1]])
    return best[1] if best is not None else None


def _cover_table(options: list[Option], scale: int, limit: int) -> list[tuple[Fraction, list[Option]] | None]:
    """table[x] = (cost, options) of the cheapest set whose scaled credit is at least x (x <= limit)."""
    table: list[tuple[Fraction, list[Option]] | None] = [None] * (limit + 1)
    table[0] = (Fraction(0), [])
    for option in _useful(options, scale, limit):
        value = int(option.credit * scale)
        for x in range(limit, 0, -1):
            before = table[max(0, x - value)]
            if before is None:
                continue
            cost = before[0] + option.cost
            if table[x] is None or cost < table[x][0]:
                table[x] = (cost, [*before[1], option])
    return table


def _useful(options: list[Option], scale: int, limit: int) -> list[Option]:
    """Per credit value v, only the ceil(limit / v) cheapest options can be in an optimal cover."""
    by_value: dict[Fraction, list[Option]] = defaultdict(list)
    for option in options:
        by_value[option.credit].append(option)
    kept = []
    for value, group in by_value.items():
        group.sort(key=lambda o: (o.cost, o.key))
        kept.extend(group[:max(1, math.ceil(limit / (value * scale)))])
    return kept
