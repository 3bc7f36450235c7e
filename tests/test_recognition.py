"""Recognition assessment (mcgraph.recognition) on the bundled data and an illustrative fixture.

tests/fixtures/recognition/credentials.ttl holds made-up micro-credentials that pass or fail the
UNESCO parts in known ways; convention dates are the real ones of data/conventions.ttl.
"""
from __future__ import annotations

from datetime import date

import pyoxigraph as ox
import pytest

from conftest import FIXTURES, bundled_with
from mcgraph.errors import NonConformantData, UnknownResource, UsageError
from mcgraph.recognition import TRUST_WEIGHTS, RecognitionAssessment, assess, assess_submission

FIXTURE = FIXTURES / "recognition" / "credentials.ttl"


@pytest.fixture(scope="module")
def store():
    store = bundled_with(FIXTURE)
    yield store
    store.close()


def run(store, credential: str, host: str, at: date) -> RecognitionAssessment:
    return assess(store, store, credential, host, at)


def parts(a: RecognitionAssessment) -> dict[str, str]:
    return {p.id: p.status for p in a.unesco}


def codes(a: RecognitionAssessment) -> set[str]:
    return {f.code for f in a.differences}


def conventions(context) -> dict[str, bool | None]:
    return {c.label: c.party for c in context.conventions}


# -- the UNESCO parts ------------------------------------------------------------------------------------
def test_a_complete_record_meets_every_part(store):
    a = run(store, "rec-complete", "NZ", date(2025, 6, 1))
    assert parts(a) == {f"UNESCO-part{i}": "met" for i in range(1, 5)}
    part1 = next(p for p in a.unesco if p.id == "UNESCO-part1")
    assert any("relational database" in e.value for e in part1.evidence)


def test_a_silent_record_leaves_every_part_unknown(store):
    a = run(store, "rec-bare", "NZ", date(2025, 6, 1))
    assert parts(a) == {f"UNESCO-part{i}": "unknown" for i in range(1, 5)}
    assert {"no-assessment", "no-learning-outcomes", "no-qa-in-force"} <= codes(a)


def test_an_untrusted_provider_fails_part_2(store):
    a = run(store, "rec-untrusted", "NZ", date(2025, 6, 1))
    assert parts(a)["UNESCO-part2"] == "not met"
    message = next(p for p in a.unesco if p.id == "UNESCO-part2").messages[0]
    assert "trusted provider" in message


def test_standalone_false_without_links_fails_part_3(store):
    assert parts(run(store, "rec-not-standalone", "NZ", date(2025, 6, 1)))["UNESCO-part3"] == "not met"


def test_a_qualification_is_not_held_to_the_micro_credential_definition(store):
    a = run(store, "nz-diploma-applied-data-analytics", "AU", date(2026, 1, 1))
    assert set(parts(a).values()) == {"not applicable"} and a.eu == []


def test_eu_learner_and_date_apply_only_to_issued_records(store):
    a = run(store, "rec-complete", "NZ", date(2025, 6, 1))
    eu = {p.id: p.status for p in a.eu}
    assert eu["EU-learner"] == eu["EU-dateOfIssuing"] == "not applicable"
    assert eu["EU-learningOutcomes"] == eu["EU-assessmentType"] == "met"


# -- quality assurance -------------------------------------------------------------------------------------
def test_qa_valid_at_one_date_and_expired_at_another(store):
    before = run(store, "rec-complete", "NZ", date(2025, 6, 1))
    after = run(store, "rec-complete", "NZ", date(2026, 6, 1))
    assert before.quality_assurance.status.status == "in-force" and "qa-expired" not in codes(before)
    assert after.quality_assurance.status.status == "expired" and "qa-expired" in codes(after)
    assert parts(after)["UNESCO-part4"] == "not met" and parts(before)["UNESCO-part4"] == "met"


def test_the_deciding_agency_and_its_networks(store):
    a = run(store, "rec-au-aqf7", "NZ", date(2026, 1, 1))
    qa = a.quality_assurance
    assert qa.status.status == "provider-in-force" and qa.status.agency == "id:org/teqsa"
    assert [n.id for n in qa.agency_networks][:1] == ["id:org/apqn"] and qa.recognised_network
    assert "id:org/inqaahe" in [n.id for n in qa.agency_networks]  # APQN is a member of INQAAHE


# -- comparable levels -----------------------------------------------------------------------------------
def test_host_framework_reachable_only_through_a_two_hop_chain(store):
    a = run(store, "rec-au-aqf7", "HK", date(2026, 1, 1))
    [c] = a.comparability
    assert (c.credential_level, c.host_framework, c.status) == ("AQF 7", "HKQF", "matched")
    assert [m.level for m in c.matches] == ["HKQF 5"]
    assert c.matches[0].chains[0] == "AQF 7 -> NZQCF 7 -> HKQF 5"
    reports = c.matches[0].reports
    assert any("Australian and New Zealand" in r for r in reports) and any("Hong Kong" in r for r in reports)


def test_no_referencing_path_is_stated_as_such(store):
    a = run(store, "my-social-media-analytics", "NZ", date(2026, 1, 1))
    assert a.comparability and all(c.status != "matched" for c in a.comparability)
    assert "level-not-referenced" in codes(a)


# -- conventions --------------------------------------------------------------------------------------------
def test_convention_membership_at_given_dates(store):
    early = run(store, "rec-complete", "AU", date(2017, 6, 1))
    later = run(store, "rec-complete", "AU", date(2024, 1, 1))
    assert conventions(early.host)["Tokyo Convention"] is False  # in force for Australia from 2018-02-01
    assert conventions(later.host)["Tokyo Convention"] is True
    # the Global Convention binds Australia from 2023-03-21, New Zealand only from 2024-12-31
    assert conventions(later.host)["Global Convention"] is True
    assert conventions(later.issuer)["Global Convention"] is False
    titles = [f.title for f in later.differences if f.code == "convention-not-shared"]
    assert any("Global Convention" in t for t in titles) and not any("Tokyo" in t for t in titles)
    assert "id:org/doe-au" in [n.id for n in later.host_nics]


def test_a_host_party_to_no_convention(store):
    a = run(store, "rec-complete", "FJ", date(2022, 1, 1))  # Fiji: Tokyo Convention from 2023-06-01
    assert "host-not-party" in codes(a)
    assert "host-not-party" not in codes(run(store, "rec-complete", "FJ", date(2024, 1, 1)))


# -- digital trust ---------------------------------------------------------------------------------------
def test_trust_profile_metrics_and_score(store):
    full = run(store, "rec-complete", "NZ", date(2025, 6, 1)).trust
    assert {m.id: m.status for m in full.metrics} == dict.fromkeys(TRUST_WEIGHTS, "met")
    assert full.score == pytest.approx(1.0) and full.unknown_weight == 0
    bare = run(store, "rec-bare", "NZ", date(2025, 6, 1)).trust
    assert bare.score == 0 and bare.unknown_weight == pytest.approx(1.0)
    pdf = run(store, "rec-untrusted", "NZ", date(2025, 6, 1)).trust
    statuses = {m.id: m.status for m in pdf.metrics}
    assert statuses["verifiable-format"] == "not met" and statuses["issuer-quality-assured"] == "unknown"
    assert pdf.score == pytest.approx(sum(m.weight for m in pdf.metrics if m.status == "met"))


def test_weights_sum_to_one():
    assert sum(TRUST_WEIGHTS.values()) == pytest.approx(1.0)


# -- a submitted credential -----------------------------------------------------------------------------
SUBMISSION = b"""@prefix mc: <https://w3id.org/mcgraph/ns#> .
@prefix dct: <http://purl.org/dc/terms/> .
<https://w3id.org/mcgraph/id/credential/submitted-cyber> a mc:MicroCredential ;
    dct:title "Cyber Security Foundations (illustrative submission)"@en ;
    mc:awardingBody <https://w3id.org/mcgraph/id/org/rec-provider-au> ;
    mc:level <https://w3id.org/mcgraph/id/level/aqf-7> ;
    mc:credentialFormat mc:W3CVerifiableCredential ;
    mc:illustrative true .
"""


def test_a_submitted_credential_is_assessed_without_being_stored(store):
    before = len(store._store), store.version()
    a = assess_submission(store, SUBMISSION, ox.RdfFormat.TURTLE, "HK", date(2026, 1, 1))
    assert a.submitted and a.id == "id:credential/submitted-cyber"
    assert a.comparability[0].matches[0].chains[0] == "AQF 7 -> NZQCF 7 -> HKQF 5"
    statuses = {m.id: m.status for m in a.trust.metrics}
    assert statuses["verifiable-format"] == "met" and statuses["issuer-identified"] == "met"
    assert a.quality_assurance.status.status == "provider-in-force"
    assert (len(store._store), store.version()) == before
    assert not store.select("SELECT * WHERE { <https://w3id.org/mcgraph/id/credential/submitted-cyber> ?p ?o }")


def test_a_non_conformant_submission_is_refused(store):
    bad = SUBMISSION.replace(b"mc:W3CVerifiableCredential", b'"a badge"')
    with pytest.raises(NonConformantData):
        assess_submission(store, bad, ox.RdfFormat.TURTLE, "HK", date(2026, 1, 1))


def test_a_submission_must_describe_one_credential(store):
    with pytest.raises(UsageError, match="exactly one credential"):
        assess_submission(store, b"<urn:a> <urn:b> <urn:c> .", ox.RdfFormat.TURTLE, "HK")


def test_unknown_credential_and_host(store):
    with pytest.raises(UnknownResource):
        run(store, "nope", "NZ", date(2026, 1, 1))
    with pytest.raises(UnknownResource, match="no country"):
        run(store, "rec-complete", "Atlantis", date(2026, 1, 1))
