"""The half-year report [R8]: every figure against numbers worked out by hand.

The data set is built below, case by case, with the expected figures written next to
it; the report of region 75 for the first half-year of 2026 must say exactly that.
"""
import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, or_, select

from extensions import db
from models import (AdvisoryBody, Briefing, Campaign, Case, CaseStep, ChecklistItem, CommissionMeeting,
                    CourtHearing, DocumentRequest, Event, Interaction, LegislativeRecommendation, Memorandum,
                    PlanItem, Publication, Region, Visit, YearPlan)
from models.case import CaseChild
from models.registry import CommissionMembership
from services import report_layout, reports
from tests.factories import gen_case

ALMATY = ZoneInfo("Asia/Almaty")


def at(*args):
    return datetime(*args, tzinfo=ALMATY)


SUBMITTED = ("kind", "categories", "responsible", "complaint_target")


def _case(region="75", received=None, children=None, **fields):
    """A case submitted through the service, then moved to the given times and state."""
    case, _ = gen_case(region=region, children=children or ({"age": 10, "sex": "girl"},),
                       **{k: v for k, v in fields.items() if k in SUBMITTED})
    case.received_at, case.registered_at = received, received + timedelta(minutes=1)
    for name, value in fields.items():
        if name not in SUBMITTED:
            setattr(case, name, value)
    return case


def _item(case, rule, index=0):
    return [item for item in case.checklist if item.rule == rule][index]


def _done(item, when):
    item.status, item.done_at = "done", when


def build_cases():
    """Region 75, first half-year of 2026 (1 January – 30 June, Almaty time)."""
    a = _case(received=at(2026, 1, 10, 10), kind="appeal", categories=["violence", "neglect"],
              responsible="parent_cohabiting", due_on=date(2026, 1, 31),
              children=({"age": 4, "sex": "boy"}, {"birth_year": 2010, "sex": "girl"}),
              state="answered", answered_at=at(2026, 1, 20, 15))               # on time, 10 days
    b = _case(received=at(2026, 3, 1, 9), kind="complaint", categories=["education"],
              complaint_target="Akimat of the district", responsible="local_executive",
              channel="phone", due_on=date(2026, 3, 31), extended_due_on=date(2026, 4, 10),
              children=({"age": 8, "sex": "girl"},), state="closed", answered_at=at(2026, 4, 15, 12),
              closed_at=at(2026, 4, 20, 12), outcome="restored_partly")         # late, 45 days
    c = _case(received=at(2026, 5, 5, 11), categories=["violence"], responsible="family_member",
              children=({"age": 12, "sex": "boy"},), state="forwarded", forwarded_on=date(2026, 5, 6),
              forwarded_to="Prosecutor", closed_at=at(2026, 5, 6, 12), outcome="forwarded")
    # 23:30 on 30 June in Almaty is still the first half-year (17:30 UTC).
    d = _case(received=at(2026, 6, 30, 23, 30), categories=["bullying"], responsible="education_org",
              children=({"age": 15, "sex": "girl"},), state="registered")    # pending at the end
    h = _case(received=at(2026, 2, 10, 10), state="withdrawn", closed_at=at(2026, 2, 12, 10))
    # Outside the half-year or the region: none of these is "received".
    _case(received=at(2026, 7, 1, 0, 30), state="registered")                 # second half-year
    f = _case(received=at(2025, 12, 20, 10), due_on=date(2026, 1, 15), state="answered",
              answered_at=at(2026, 1, 5, 10))                                   # answered: on time, 16 days
    g = _case(region="71", received=at(2026, 2, 1, 10), state="answered", answered_at=at(2026, 2, 2, 10))

    db.session.add(CaseStep(case=b, action="extend", at=at(2026, 3, 25, 10), from_state="in_progress",
                            to_state="in_progress"))
    # [R10.1] alerts: delivered 2, 4, 10 and 6 minutes after registration; d's not yet.
    for case, minutes in ((a, 2), (b, 4), (c, 10), (h, 6), (f, 1), (g, 1)):
        _done(_item(case, "R10.1"), case.registered_at + timedelta(minutes=minutes))
    _done(_item(a, "R10.3"), a.registered_at + timedelta(minutes=3))
    # [R10.2] two conversations held in the half-year (c's a day after its due time), one
    # after it; d's with the parents set aside in it (they reported), never "held".
    _done(_item(a, "R10.2"), at(2026, 1, 15, 10))
    _item(c, "R10.2").due_at = at(2026, 5, 19, 18)
    _done(_item(c, "R10.2"), at(2026, 5, 20, 10))
    _done(_item(b, "R10.2"), at(2026, 7, 2, 10))
    parents = _item(d, "R10.2")
    parents.status, parents.set_aside_reason, parents.done_at = "not_applicable", "reporter", at(2026, 6, 30, 23, 40)
    # [R11] after the police confirmed a's violation: one measure in the half-year (after its
    # due time), one after it; one set aside in the half-year and one after it.
    db.session.add_all([
        ChecklistItem(case=a, rule="R11.2", status="done", done_at=at(2026, 2, 1, 10), due_at=at(2026, 1, 25, 18)),
        ChecklistItem(case=a, rule="R11.6", status="done", done_at=at(2026, 7, 5, 10)),
        ChecklistItem(case=a, rule="R11.3", status="open"),
        ChecklistItem(case=a, rule="R11.4", status="not_applicable", set_aside_reason="unreachable",
                      na_reason="Three calls, no answer", done_at=at(2026, 3, 1, 10)),
        ChecklistItem(case=a, rule="R11.5", status="not_applicable", set_aside_reason="other",
                      na_reason="No inspection", done_at=at(2026, 7, 1, 10)),
    ])
    db.session.flush()
    return {"a": a, "b": b, "c": c, "d": d, "h": h, "f": f, "g": g}


def build_registries():
    """Two of most registries in the half-year for 75, one outside it, one for 71."""
    def both(model, column, **fields):
        return [model(region_code="75", **{column: date(2026, 2, 3)}, **fields),
                model(region_code="75", **{column: date(2026, 6, 30)}, **fields),
                model(region_code="75", **{column: date(2026, 7, 1)}, **fields),
                model(region_code="71", **{column: date(2026, 3, 3)}, **fields)]
    rows = [
        *both(Visit, "visited_on", organization_type="education", organization_name="School 1"),
        # [R6.5] one refused access in the half-year, one outside it
        Visit(region_code="75", visited_on=date(2026, 4, 2), organization_type="penal_institution",
              organization_name="Colony", access="refused", refused_by="Deputy head", refused_what="Talks"),
        Visit(region_code="75", visited_on=date(2026, 7, 2), organization_type="penal_institution",
              organization_name="Colony", access="obstructed", refused_by="Deputy head", refused_what="Talks"),
        # [R7] letters: sent, received, an [R11.6] recommendation; one after the half-year
        *(Interaction(region_code="75", dated_on=day, direction=direction, kind=kind, body="Akimat", subject="S")
          for day, direction, kind in ((date(2026, 1, 9), "outgoing", "request"),
                                       (date(2026, 2, 9), "incoming", "answer"),
                                       (date(2026, 3, 9), "outgoing", "recommendation"),
                                       (date(2026, 7, 9), "outgoing", "letter"))),
        *both(CourtHearing, "hearing_on", court="Court", court_case_number="2-1"),
        *both(Briefing, "held_on", topic="Results"),
        *both(Event, "held_on", title="Forum"),
        *both(Campaign, "started_on", kind="campaign", title="Safe school"),
        *both(Publication, "published_on", outlet="Kazinform", title="News", confirmed_by="Police"),
        *both(LegislativeRecommendation, "submitted_on", text="Amend article 5"),
        DocumentRequest(region_code="75", addressee="School", subject="Files", sent_on=date(2026, 1, 5),
                        answered_on=date(2026, 1, 20)),
        DocumentRequest(region_code="75", addressee="Police", subject="Files", sent_on=date(2025, 12, 5),
                        answered_on=date(2026, 1, 10)),
        DocumentRequest(region_code="75", addressee="Akimat", subject="Files", sent_on=date(2026, 6, 1)),
        CommissionMeeting(region_code="75", commission="kdn", held_on=date(2026, 2, 1), attended=True),
        CommissionMeeting(region_code="75", commission="kdn", held_on=date(2026, 4, 1), attended=False),
        CommissionMeeting(region_code="75", commission="women_family", held_on=date(2026, 5, 1),
                          attended=True),
        # Memoranda: signed in the half-year and in force; signed before and in force;
        # expired before the end; terminated before the end; signed after.
        Memorandum(region_code="75", title="A", signed_on=date(2026, 3, 1), valid_until=date(2027, 3, 1)),
        Memorandum(region_code="75", title="B", signed_on=date(2025, 1, 1)),
        Memorandum(region_code="75", title="C", signed_on=date(2025, 1, 1), valid_until=date(2026, 5, 1)),
        Memorandum(region_code="75", title="D", signed_on=date(2026, 1, 10), terminated_on=date(2026, 6, 1)),
        Memorandum(region_code="75", title="E", signed_on=date(2026, 8, 1)),
        AdvisoryBody(region_code="75", name="Council", host_organization="Akimat", basis="agreement",
                     member_since=date(2025, 5, 1)),
        AdvisoryBody(region_code="75", name="Board", host_organization="School", basis="own_initiative",
                     member_since=date(2026, 9, 1)),
        # [R9] memberships: open-ended since last year, and from June: members at the end;
        # ended in May; from August; another region's.
        *(CommissionMembership(region_code=region, commission=commission, decision_number=number,
                               decision_date=start, member_from=start, member_to=end)
          for region, commission, number, start, end in (
              ("75", "kdn", "12", date(2025, 1, 10), None),
              ("75", "women_family", "31", date(2026, 6, 1), None),
              ("75", "women_family", "7", date(2025, 3, 1), date(2026, 5, 31)),
              ("75", "kdn", "88", date(2026, 8, 1), None),
              ("71", "kdn", "5", date(2025, 1, 10), None))),
    ]
    plan = YearPlan(region_code="75", year=2026, state="approved", approved_on=date(2025, 12, 20))
    plan.items = [PlanItem(activity="Briefing", planned_month=3, status="done"),
                  PlanItem(activity="Visits", planned_quarter=2, status="planned"),
                  PlanItem(activity="Forum", planned_month=9, status="done"),
                  PlanItem(activity="Dropped", planned_month=1, status="cancelled")]
    db.session.add_all([*rows, plan])
    db.session.flush()


EXPECTED = {
    "received": {
        "total": 5,  # a, b, c, d, h
        "by_kind": {"appeal": 4, "complaint": 1},
        "by_category": {"violence": 2, "neglect": 2, "education": 1, "bullying": 1},
        "by_channel": {"web": 4, "phone": 1},
        "by_responsible": {"parent_cohabiting": 1, "local_executive": 1, "family_member": 1,
                           "education_org": 2},
        "children_by_age": {"0-5": 1, "6-9": 1, "10-13": 2, "14-17": 2},
    },
    "handled": {
        "answered": 3, "on_time": 2, "late": 1, "share_on_time": 0.6667,  # a, f on time; b late
        "median_days": 16.0,  # of 10, 45, 16
        "extended": 1, "forwarded": 1,
        "closed_by_outcome": {"restored_partly": 1, "forwarded": 1, "withdrawn": 1},
        "pending_at_end": 1,  # d
    },
    "alerts": {
        "R10.1": {"delivered": 4, "not_delivered": 1, "median_minutes": 5.0, "worst_minutes": 10.0},
        "R10.3": {"delivered": 1, "not_delivered": 0, "median_minutes": 3.0, "worst_minutes": 3.0},
    },
    "conversations": {"held": 2, "late": 1, "set_aside": 1},
    "measures": {"R11.1": 0, "R11.2": 1, "R11.3": 0, "R11.4": 0, "R11.5": 0, "R11.6": 0, "R11.7": 0},
    "measures_late": {"R11.1": 0, "R11.2": 1, "R11.3": 0, "R11.4": 0, "R11.5": 0, "R11.6": 0, "R11.7": 0},
    "measures_set_aside": {"R11.1": 0, "R11.2": 0, "R11.3": 0, "R11.4": 1, "R11.5": 0, "R11.6": 0, "R11.7": 0},
    "activities": {
        "visits": 3, "visits_access_impeded": 1, "letters_sent": 2, "letters_received": 1,
        "recommendations_to_bodies": 1, "document_requests_sent": 2, "document_requests_answered": 2, "court_hearings": 2,
        "memoranda_signed": 2, "memoranda_in_force": 2, "advisory_bodies": 1, "briefings": 2,
        "events": 2, "commission_meetings": 3, "commission_meetings_attended": 2, "campaigns": 2,
        "publications": 2, "legislative_recommendations": 2, "commission_memberships": 2,
    },
    "plan": {"state": "approved", "items": 3, "done": 2, "due_this_half": 2, "due_this_half_done": 1},
}


@pytest.fixture
def data(app_ctx):
    cases = build_cases()
    build_registries()
    return cases


def test_every_figure_of_the_half_year(data):
    figures = reports.build_half_year_report("75", 2026, 1)
    assert (figures["region_code"], figures["year"], figures["half"]) == ("75", 2026, 1)
    assert (figures["start"], figures["end"]) == ("2026-01-01", "2026-06-30")
    for section, expected in EXPECTED.items():
        assert figures[section] == expected, section


def test_other_region_and_other_half(data):
    other = reports.build_half_year_report("71", 2026, 1)
    assert other["received"]["total"] == 1 and other["handled"]["answered"] == 1
    assert other["activities"]["visits"] == 1 and other["plan"]["state"] is None
    second = reports.build_half_year_report("75", 2026, 2)
    assert second["received"]["total"] == 1
    assert second["conversations"] == {"held": 1, "late": 0, "set_aside": 0} and second["measures"]["R11.6"] == 1
    assert second["measures_set_aside"]["R11.5"] == 1 and second["measures_set_aside"]["R11.4"] == 0
    assert second["activities"]["memoranda_signed"] == 1 and second["activities"]["advisory_bodies"] == 2
    assert second["plan"]["due_this_half"] == 1 and second["plan"]["due_this_half_done"] == 1


def test_commission_memberships_as_they_stand_at_the_end(data):
    """[R9] the membership record counts through its spec alone: the memberships running on
    the half-year's last day, in their region."""
    assert reports.build_half_year_report("75", 2026, 2)["activities"]["commission_memberships"] == 3
    assert reports.build_half_year_report("71", 2026, 1)["activities"]["commission_memberships"] == 1
    assert reports.build_half_year_report("75", 2025, 1)["activities"]["commission_memberships"] == 2
    rendered = report_layout.render(reports.build_half_year_report("75", 2026, 1), db.session.get(Region, "75"),
                                    language="en")
    [activities] = [section for section in rendered["sections"] if section["key"] == "activities"]
    line = ["Commission memberships at the end [R9]", {"value": 2, "kind": "count"}]
    assert line in activities["tables"][0]["rows"]


def test_empty_region_reports_zeros(app_ctx):
    figures = reports.build_half_year_report("79", 2026, 1)
    assert figures["received"]["total"] == 0 and figures["received"]["by_kind"] == {}
    assert figures["handled"]["median_days"] is None and figures["handled"]["share_on_time"] is None
    assert figures["alerts"]["R10.1"] == {"delivered": 0, "not_delivered": 0, "median_minutes": None,
                                         "worst_minutes": None}


def test_national_rollup_runs_the_same_queries(data):
    rows = reports.national_rollup(2026, 1)
    assert len(rows) == 20
    by_code = {row["region"].code: row for row in rows}
    assert all(row["submitted"] is None for row in rows)
    expected_75 = reports.build_half_year_report("75", 2026, 1)
    for section in EXPECTED:
        assert by_code["75"]["figures"][section] == expected_75[section]
    assert by_code["71"]["figures"]["received"]["total"] == 1


def test_child_age_from_birth_year(data):
    child = db.session.query(CaseChild).filter_by(birth_year=2010).one()
    assert child.age is None  # counted as 16 in 2026: the 14-17 group


# -- What the report's speed rests on (migration 0013) ---------------------------------------

def _copies(case):
    """The copies of the case's region and times on its items and children, read back."""
    db.session.flush()
    items = db.session.execute(select(ChecklistItem.region_code, ChecklistItem.case_registered_at)
                               .where(ChecklistItem.case_id == case.id)).all()
    children = db.session.execute(select(CaseChild.region_code, CaseChild.case_received_at)
                                  .where(CaseChild.case_id == case.id)).all()
    return set(items), set(children)


def test_items_and_children_carry_their_case_region_and_times(app_ctx):
    case, _ = gen_case(children=({"age": 3, "sex": "boy"}, {"age": 12, "sex": "girl"}))
    assert case.registered_at is not None and len(case.checklist) >= 2
    assert _copies(case) == ({("75", case.registered_at)}, {("75", case.received_at)})
    # The case corrected: its times, then its region. The copies follow.
    case.received_at, case.registered_at = at(2026, 2, 1, 10), at(2026, 2, 1, 11)
    assert _copies(case) == ({("75", at(2026, 2, 1, 11))}, {("75", at(2026, 2, 1, 10))})
    case.region_code = "71"
    assert _copies(case) == ({("71", at(2026, 2, 1, 11))}, {("71", at(2026, 2, 1, 10))})
    # Rows added later copy their case, whatever they were given; rows moved to another case
    # copy the other; other changes leave the copies alone.
    db.session.add_all([ChecklistItem(case=case, rule="R11.1", region_code="10", case_registered_at=None),
                        CaseChild(case=case, age=5, region_code="10", case_received_at=at(2020, 1, 1))])
    assert _copies(case) == ({("71", at(2026, 2, 1, 11))}, {("71", at(2026, 2, 1, 10))})
    other, _ = gen_case(region="10")
    item = db.session.scalars(select(ChecklistItem).where(ChecklistItem.case_id == case.id)).first()
    item.case_id, case.children[0].case_id = other.id, other.id
    assert _copies(other) == ({("10", other.registered_at)}, {("10", other.received_at)})
    item.status, item.done_at = "done", at(2026, 3, 1, 10)
    assert _copies(other) == ({("10", other.registered_at)}, {("10", other.received_at)})


def test_pending_at_end_is_the_one_condition(app_ctx):
    """Counted in three parts, each read from an index: received before the end of the
    half-year, and neither answered nor closed by then, for every combination of times."""
    end = at(2026, 7, 1)
    times = (None, at(2026, 3, 1, 10), end, at(2026, 8, 1, 10))
    expected = 0
    for received in (at(2025, 12, 1, 10), at(2026, 6, 30, 23, 59), end):
        for answered in times:
            for closed in times:
                _case(received=received, answered_at=answered, closed_at=closed)
                expected += received < end and (answered is None or answered >= end) and (
                    closed is None or closed >= end)
    db.session.flush()
    one_condition = db.session.scalar(select(func.count()).select_from(Case).where(
        Case.region_code == "75", Case.received_at < end,
        or_(Case.answered_at.is_(None), Case.answered_at >= end),
        or_(Case.closed_at.is_(None), Case.closed_at >= end)))
    assert one_condition == expected == 18
    assert reports.build_half_year_report("75", 2026, 1)["handled"]["pending_at_end"] == expected
    national = {row["region"].code: row["figures"] for row in reports.national_rollup(2026, 1)}
    assert national["75"]["handled"]["pending_at_end"] == expected


def test_alert_median_and_worst_are_postgres_own(app_ctx):
    """The median and the worst delay of the alerts, worked out from the two middle delays
    and the longest, are exactly what ``percentile_cont(0.5)`` and ``max`` of every delay in
    minutes give, as the report reads them (odd and even counts, ties, microseconds)."""
    rng = random.Random(20260701)
    for n, region in enumerate(("10", "11", "15", "19", "23", "27", "31")):
        case = _case(region=region, received=at(2026, 2, 1 + n, 9), responsible="parent_cohabiting")
        delays = [timedelta(seconds=rng.choice((3, 60, 90)))] * 2 + [
            timedelta(microseconds=rng.randrange(1, 6 * 3600 * 10**6)) for _ in range(2 * n)]
        for rule, delay in [("R10.1", d) for d in delays] + [("R10.3", d) for d in delays[n:]]:
            db.session.add(ChecklistItem(case=case, rule=rule, status="done",
                                         done_at=case.registered_at + delay))
    db.session.flush()
    minutes = func.extract("epoch", ChecklistItem.done_at - Case.registered_at) / 60
    delivered = ChecklistItem.status == "done"
    by_postgres = {(region, rule): (median, worst) for region, rule, median, worst in db.session.execute(
        select(Case.region_code, ChecklistItem.rule, func.percentile_cont(0.5).within_group(minutes)
               .filter(delivered), func.max(minutes).filter(delivered))
        .join(ChecklistItem, ChecklistItem.case_id == Case.id)
        .where(ChecklistItem.rule.in_(reports.ALERT_RULES))
        .group_by(Case.region_code, ChecklistItem.rule))}
    found = reports.alert_delays(reports._Query(None), reports.Period(2026, 1))
    ours = {(region, rule): (median, worst)
            for region, rows in found.items() for rule, _done, _waiting, median, worst in rows}
    assert len(ours) == 14 and ours == by_postgres
