"""Stacking rules evaluated by the library (mcgraph.stacking), on the bundled data and a fixture.

tests/fixtures/stacking/stacking.ttl (illustrative, loaded and validated on top of the bundled
data) has one qualification per behaviour; its header says which. The bundled illustrative data
gives the cross-framework case: NZ micro-credentials toward the Hong Kong higher diploma.
"""
from __future__ import annotations

import itertools
from datetime import date
from fractions import Fraction

import pytest

from conftest import FIXTURES, bundled_with
from mcgraph.errors import DataError, UnknownResource, UsageError
from mcgraph.stacking import Evaluation, Stacking
from mcgraph.store import OxigraphStore

FIXTURE = FIXTURES / "stacking" / "stacking.ttl"
AT = date(2026, 1, 1)
NZ = ["nz-data-fundamentals", "nz-data-visualisation", "nz-applied-machine-learning", "nz-data-ethics"]
NZ_DIPLOMA = "nz-diploma-applied-data-analytics"
HK_DIPLOMA = "hk-higher-diploma-data-science"


@pytest.fixture(scope="module")
def store():
    store = bundled_with(FIXTURE)
    yield store
    store.close()


@pytest.fixture(scope="module")
def engine(store) -> Stacking:
    return Stacking(store)


def by_id(evaluation: Evaluation) -> dict:
    return {c.id.rsplit("/", 1)[-1]: c for c in evaluation.credentials}


def requirement(evaluation: Evaluation, kind: str):
    return next(r for r in evaluation.requirements if r.kind == kind)


# -- the bundled illustrative data -------------------------------------------------------------------
def test_nz_diploma_credits_what_counts_and_names_what_remains(engine):
    e = engine.evaluate(NZ, NZ_DIPLOMA, at=AT)
    creds = by_id(e)
    assert {k for k, c in creds.items() if c.counts} == {"nz-data-fundamentals", "nz-data-visualisation",
                                                         "nz-applied-machine-learning"}
    assert creds["nz-data-ethics"].qa.status == "expired" and creds["nz-data-ethics"].credited == "0"
    assert e.credits.total == "45" and e.credits.required == "120" and e.credits.remaining == "75"
    assert not e.complete
    outcome = requirement(e, "outcome")
    assert not outcome.met and "privacy principles" in outcome.label
    assert any("privacy principles" in line and "Data Ethics and Privacy" in line
               and "no credential attesting it has QA in force on 2026-01-01" in line for line in e.remains)
    assert not e.completion.possible and "privacy principles" in e.completion.note
    assert requirement(e, "component").met and requirement(e, "group").met


def test_expired_qa_excludes_a_credential_at_one_date_and_not_at_an_earlier_one(engine):
    later = by_id(engine.evaluate(["nz-data-ethics"], NZ_DIPLOMA, at=date(2026, 1, 1), plans=0))
    earlier = by_id(engine.evaluate(["nz-data-ethics"], NZ_DIPLOMA, at=date(2023, 6, 1), plans=0))
    assert not later["nz-data-ethics"].counts and "expired" in later["nz-data-ethics"].why
    assert earlier["nz-data-ethics"].counts and earlier["nz-data-ethics"].credited == "5"
    assert earlier["nz-data-ethics"].qa.status == "in-force"


def test_level_met_only_through_a_cross_framework_comparison(engine):
    e = engine.evaluate(NZ[:3], HK_DIPLOMA, at=AT)
    creds = by_id(e)
    ml = creds["nz-applied-machine-learning"]
    assert ml.counts and ml.level.how == "referencing" and ml.level.met
    assert ml.level.compared_to == ["HKQF 4"]
    assert ml.level.evidence and ml.level.evidence[0].path == "NZQCF 6 -> HKQF 4"
    assert any("Hong Kong" in r and "New Zealand" in r and "2018" in r for r in ml.level.evidence[0].reports)
    low = creds["nz-data-fundamentals"]
    assert not low.counts and low.level.compared_to == ["HKQF 3"] and "below the minimum level HKQF 4" in low.why
    # counted after conversion into the HKQF credit system, with the rule stated
    assert "20 NZQCF credit = 200 notional hours" in ml.conversion and "HKQF" in ml.conversion


def test_no_referencing_path_means_the_level_is_not_met(engine):
    e = engine.evaluate(["test-my-data"], HK_DIPLOMA, at=AT, plans=0)
    check = by_id(e)["test-my-data"].level
    assert check.how == "referencing" and not check.met and "cannot be compared" in check.note


def test_cap_binds_on_the_hk_diploma(engine):
    e = engine.evaluate(NZ[:3], HK_DIPLOMA, at=AT, plans=0)
    assert e.credits.micro_credentials_uncapped == "35" and e.credits.micro_credentials == "30"
    assert e.credits.remaining_within_cap == "0"


# -- the fixture ------------------------------------------------------------------------------------
def test_cap_binding_credits_part_of_the_last_credential(engine):
    e = engine.evaluate(["test-a", "test-b"], "test-cap-certificate", at=AT, plans=0)
    creds = by_id(e)
    assert (creds["test-a"].credited, creds["test-b"].credited) == ("15", "5")
    assert creds["test-b"].capped and "cap" in creds["test-b"].why
    assert e.credits.micro_credentials == "20" and e.credits.micro_credentials_uncapped == "25"
    assert any("micro-credentials can add at most 0 more (cap 20)" in line for line in e.remains)


def test_prior_learning_counts_up_to_its_cap(engine):
    e = engine.evaluate(["test-a"], "test-cap-certificate", at=AT, prior_learning="15", plans=0)
    assert e.credits.prior_learning == "10" and e.credits.total == "25"


def test_other_credit_systems_convert_through_hours_with_explicit_rounding(engine):
    down = by_id(engine.evaluate(["test-a"], "test-my-diploma", at=AT, plans=0))["test-a"]
    exact = by_id(engine.evaluate(["test-a"], "test-my-exact-diploma", at=AT, plans=0))["test-a"]
    assert down.value == "3" and "3.75 MQF credit" in down.conversion and "rounded down" in down.conversion
    assert exact.value == "3.75" and "rounded" not in exact.conversion
    ects = by_id(engine.evaluate(["test-ects", "test-hours"], "test-cap-certificate", at=AT, plans=0))
    # 5 ECTS = 125-150 h; the conservative bound counts: 125 / 10 = 12.5, rounded down
    assert ects["test-ects"].value == "12" and "125-150 notional hours" in ects["test-ects"].conversion
    assert ects["test-hours"].value == "5" and "from notional hours" in ects["test-hours"].conversion


def test_component_group_partly_satisfied(engine):
    e = engine.evaluate(["test-c"], "test-group-award", at=AT, plans=0)
    group = requirement(e, "group")
    assert not group.met and group.needed == 1
    assert [r.id for r in group.held] == ["id:credential/test-c"]
    assert sorted(o.id for o in group.options) == ["id:credential/test-d", "id:credential/test-e"]
    assert any(line.startswith("1 more of the group") and "Test D" in line for line in e.remains)


def test_missing_required_outcome_is_named_with_who_attests_it(engine):
    e = engine.evaluate(["test-c"], "test-outcome-award", at=AT)
    outcome = requirement(e, "outcome")
    assert not outcome.met and outcome.label.startswith("Apply an ethics checklist")
    assert [o.id for o in outcome.options] == ["id:credential/test-f"]
    assert e.completion.plans[0].items[0].id == "id:credential/test-f"
    assert engine.evaluate(["test-c", "test-f"], "test-outcome-award", at=AT, plans=0).complete


@pytest.mark.parametrize("credential, status", [
    ("test-expired", "expired"), ("test-future", "not-yet-valid"), ("test-refused", "negative"),
    ("test-unassured", "none"), ("test-c", "provider-in-force")])
def test_qa_status_decides_whether_a_credential_counts(engine, credential, status):
    item = by_id(engine.evaluate([credential], "test-qa-award", at=AT, plans=0))[credential]
    assert item.qa.status == status
    assert item.counts == (status == "provider-in-force")


def test_level_below_the_minimum_in_the_same_framework(engine):
    item = by_id(engine.evaluate(["test-low"], "test-plan-award", at=AT, plans=0))["test-low"]
    assert item.level.how == "same-framework" and not item.level.met and "NZQCF 3 is below" in item.why


def test_unlisted_credentials_count_only_under_an_open_rule(engine):
    item = by_id(engine.evaluate(["test-d"], "test-qa-award", at=AT, plans=0))["test-d"]
    assert not item.counts and item.why.startswith("does not count: not listed")


def test_a_listed_qualification_counts_as_credit_transfer_outside_the_cap(engine):
    e = engine.evaluate(["test-ladder-certificate", "test-b"], "test-ladder-diploma", at=AT, plans=0)
    assert e.credits.other_credentials == "40" and e.credits.micro_credentials == "5"


def test_unknown_names_and_bad_arguments(engine):
    with pytest.raises(UnknownResource, match="nope"):
        engine.evaluate(["nope"], NZ_DIPLOMA, at=AT)
    with pytest.raises(UnknownResource, match="no stacking rule"):
        engine.evaluate(["test-a"], "test-a", at=AT)
    with pytest.raises(UsageError):
        engine.evaluate([], NZ_DIPLOMA, at=AT)
    with pytest.raises(UsageError):
        engine.evaluate(["test-a"], NZ_DIPLOMA, at=AT, prior_learning="-1")
    with pytest.raises(UsageError):
        engine.evaluate(["test-a"], NZ_DIPLOMA, at=AT, cost="money")


# -- cheapest completion against brute force ----------------------------------------------------------
PLAN_POOL = ["test-p1", "test-p2", "test-p3", "test-p4", "test-p5", "test-p6", "test-p7", "test-p8", "test-low"]
HOURS = {"test-p1": 120, "test-p2": 60, "test-p3": 100, "test-p4": 150, "test-p5": 50, "test-p6": 140,
         "test-p7": 45, "test-p8": 210, "test-low": 100}  # as in the fixture


def price(engine: Stacking, names: tuple[str, ...], cost: str) -> Fraction:
    if cost == "hours":
        return Fraction(sum(HOURS[n] for n in names))
    values = {c.id.rsplit("/", 1)[-1]: c.value for c in engine.stackable("test-plan-award", at=AT).credentials}
    return sum((Fraction(values[n]) for n in names), Fraction(0))


@pytest.mark.parametrize("cost", ["credits", "hours"])
def test_cheapest_completion_matches_brute_force(engine, cost):
    """Every subset of the pool, evaluated by the library itself; the plan must cost the least of those
    that meet every requirement and fill the credit micro-credentials may give (cap 40 of 60)."""
    e = engine.evaluate(["test-h1"], "test-plan-award", at=AT, cost=cost, plans=3)
    best = None
    for size in range(len(PLAN_POOL) + 1):
        for subset in itertools.combinations(PLAN_POOL, size):
            after = engine.evaluate(["test-h1", *subset], "test-plan-award", at=AT, plans=0)
            if all(r.met for r in after.requirements) and after.credits.remaining_within_cap == "0":
                amount = price(engine, subset, cost)
                best = amount if best is None else min(best, amount)
    assert e.completion.exact and e.completion.plans
    assert Fraction(e.completion.plans[0].cost) == best
    chosen = [i.id.rsplit("/", 1)[-1] for i in e.completion.plans[0].items]
    after = engine.evaluate(["test-h1", *chosen], "test-plan-award", at=AT, plans=0)
    assert all(r.met for r in after.requirements) and after.credits.micro_credentials == "40"
    costs = [Fraction(p.cost) for p in e.completion.plans]
    assert costs == sorted(costs)


# -- discovery, stackable, pathways ------------------------------------------------------------------
def test_discovery_ranks_the_qualifications_the_credentials_count_toward(engine):
    d = engine.discover(NZ[:3], at=AT)
    ids = [r.qualification.id for r in d.results]
    assert f"id:credential/{NZ_DIPLOMA}" in ids and f"id:credential/{HK_DIPLOMA}" in ids
    closeness = [r.closeness for r in d.results]
    assert closeness == sorted(closeness, reverse=True)
    assert all(any(c.counts for c in r.credentials) or any(q.held for q in r.requirements) for r in d.results)
    # the Malaysian bachelor lists none of these and accepts no unlisted credential
    assert "id:credential/my-bachelor-digital-marketing" not in ids


def test_stackable_lists_what_can_stack_into_a_qualification(engine):
    s = engine.stackable(NZ_DIPLOMA, at=AT)
    got = {c.id.rsplit("/", 1)[-1]: c.counts for c in s.credentials}
    assert got == {"nz-data-fundamentals": True, "nz-data-visualisation": True,
                   "nz-applied-machine-learning": True, "nz-data-ethics": False}
    assert s.counting == 3 and s.total == 4
    open_rule = engine.stackable(HK_DIPLOMA, at=AT)
    ids = {c.id for c in open_rule.credentials}
    assert {"id:credential/nz-applied-machine-learning", "id:credential/test-my-data"} <= ids
    assert all(c.kind == "micro-credential" for c in open_rule.credentials)


def test_pathways_climb_from_a_micro_credential_through_a_larger_credential(engine):
    p = engine.pathways(["test-a"])
    assert ["id:credential/test-a", "id:credential/test-ladder-certificate",
            "id:credential/test-ladder-diploma"] in p.chains


def test_a_cycle_written_past_validation_is_refused(bundled_store_copy: OxigraphStore):
    bundled_store_copy._store.update("""PREFIX mc: <https://w3id.org/mcgraph/ns#>
        INSERT DATA { GRAPH <urn:test:cycle> {
          <urn:test:a> mc:hasPart <urn:test:b> . <urn:test:b> mc:hasPart <urn:test:a> } }""")
    with pytest.raises(DataError, match="contain each other"):
        Stacking(bundled_store_copy).pathway_graph()
