"""The ombudsman's calendar year plan [R6.1]: approved by 30 December, agreed with the Commissioner.

draft → sent (for agreement) → agreed | returned (with remarks) → sent again …;
agreed → approved by the ombudsman (late when after 30 December of the year before).
The region's akimat may prepare the plan and its items; sending it and approving it are the
ombudsman's own acts [R3: independence].
Items are edited only while the plan is a draft or returned; an item linked to the
registry record that fulfils it is done. Each function checks role, region and state,
audits, queues the alerts and flushes; the caller commits once.
"""
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from models.capabilities import roles_with
from extensions import db
from models import PlanItem, YearPlan
from models.base import utcnow
from models.registry_specs import REGISTRY_SPECS, SPEC_BY_TABLE
from request_input import id_from
from services import alerts, audit
from core.errors import InvalidInput, PermissionDenied, RegionMismatch
from services.workflow import Refusals, Transition, Workflow

REGIONAL = roles_with("plans_draft")
OMBUDSMAN = roles_with("plans_own")  # [R3] the plan is the ombudsman's: the akimat only prepares it
COMMISSIONER = roles_with("plans_agree")
EDITABLE = ("draft", "returned")

ACTION_LABELS = {
    "send_for_agreement": _l("Send to the Commissioner for agreement"),
    "agree": _l("Agree"),
    "return_with_remarks": _l("Return with remarks"),
    "approve": _l("Approve"),
}
WORKFLOW = Workflow(
    "year_plan",
    {
        "send_for_agreement": Transition(OMBUDSMAN, frozenset(EDITABLE), "sent"),
        "agree": Transition(COMMISSIONER, frozenset({"sent"}), "agreed"),
        "return_with_remarks": Transition(COMMISSIONER, frozenset({"sent"}), "returned"),
        "approve": Transition(OMBUDSMAN, frozenset({"agreed"}), "approved"),
    },
    Refusals(role=_l("Your role cannot do this step."),
             region=_l("This plan belongs to another region."),
             state=_l("This step is not possible in the plan's current state.")),
    labels=ACTION_LABELS)


class PlanExists(InvalidInput):
    """[R6.1] one plan per region and year."""


def _check_region(actor, region_code):
    if actor.role_enum.is_regional and actor.region_code != region_code:
        raise RegionMismatch(_l("This plan belongs to another region."))


def create_plan(actor, region_code, year):
    """The region's ombudsman or akimat starts the plan of a year, as a draft."""
    if actor.role not in REGIONAL:
        raise PermissionDenied(_l("Only the region's ombudsman or akimat administrator drafts "
                                  "its plan."))
    _check_region(actor, region_code)
    if not year or not 2000 <= int(year) <= 2100:
        raise InvalidInput(_l("Enter the plan's year."))
    exists = db.session.scalar(select(YearPlan.id).where(YearPlan.region_code == region_code,
                                                         YearPlan.year == int(year)))
    if exists is not None:
        raise PlanExists(_l("This region already has a plan for that year."))
    plan = YearPlan(region_code=region_code, year=int(year), state="draft")
    db.session.add(plan)
    db.session.flush()
    audit.record("year_plan.create", actor=actor, obj=plan, year=plan.year)
    db.session.flush()
    return plan


def check_items_editable(actor, plan):
    """Items change only while the plan is a draft or returned, by the region's staff."""
    if actor.role not in REGIONAL:
        raise PermissionDenied(_l("Only the region's ombudsman or akimat administrator edits its plan."))
    _check_region(actor, plan.region_code)
    if plan.state not in EDITABLE:
        raise InvalidInput(_l("The plan's items can be changed only while it is a draft or "
                              "returned with remarks."))


def send_for_agreement(actor, plan, note=None):
    """[R6.1] the plan is sent to the Commissioner for agreement; their office is alerted."""
    WORKFLOW.check(actor, plan, "send_for_agreement")
    if not any(item.status != "cancelled" for item in plan.items):
        raise InvalidInput(_l("Add the plan's activities before sending it."))
    plan.sent_at = utcnow()
    WORKFLOW.record(plan, actor, "send_for_agreement", note=(note or "").strip() or None)
    _alert(plan, "sent")
    db.session.flush()


def agree(actor, plan, note=None):
    """[R6.1] the Commissioner agrees the plan; the region is told."""
    WORKFLOW.check(actor, plan, "agree")
    plan.agreed_at, plan.agreed_by_id = utcnow(), actor.id
    WORKFLOW.record(plan, actor, "agree", note=(note or "").strip() or None)
    _alert(plan, "agreed")
    db.session.flush()


def return_with_remarks(actor, plan, remarks):
    """The Commissioner returns the plan with remarks; the region corrects and sends it again."""
    WORKFLOW.check(actor, plan, "return_with_remarks")
    if not (remarks or "").strip():
        raise InvalidInput(_l("Returning a plan needs remarks."))
    plan.remarks = remarks.strip()
    WORKFLOW.record(plan, actor, "return_with_remarks", remarks=plan.remarks)
    _alert(plan, "returned")
    db.session.flush()


def approve(actor, plan, approved_on):
    """[R6.1] the ombudsman approves the agreed plan. After 30 December of the year before it
    is still approved, but marked late (``plan.approved_late``)."""
    WORKFLOW.check(actor, plan, "approve")
    if approved_on is None:
        raise InvalidInput(_l("Enter the date of the approval."))
    if approved_on > _today():
        raise InvalidInput(_l("The date of the approval cannot be in the future."))
    if plan.agreed_at is not None and approved_on < _local_date(plan.agreed_at):
        raise InvalidInput(_l("The plan cannot be approved before the Commissioner agreed it."))
    plan.approved_on = approved_on
    WORKFLOW.record(plan, actor, "approve", approved_on=approved_on.isoformat(),
          late=plan.approved_late)
    db.session.flush()


def _local_date(moment):
    from services.deadlines import KZ_TZ

    return moment.astimezone(KZ_TZ).date()


def _today():
    from services.deadlines import now_local

    return now_local().date()


def _alert(plan, event):
    alerts.raise_alert(f"year_plan.{event}", plan.region_code, obj=plan, region=plan.region,
                       year=plan.year, remarks=plan.remarks)


ACTIONS = {"send_for_agreement": send_for_agreement, "agree": agree,
           "return_with_remarks": return_with_remarks, "approve": approve}


def allowed_actions(plan, user):
    """The steps ``user`` may take now: what the admin shows as buttons."""
    return WORKFLOW.allowed_actions(user, plan)


# --- items and the records that fulfil them -----------------------------------------------

REGISTRY_BY_TABLE = {spec.table: spec.model for spec in REGISTRY_SPECS}
RECORD_LABELS = {spec.table: spec.record_label for spec in REGISTRY_SPECS}


def record_date(record):
    return getattr(record, SPEC_BY_TABLE[record.__tablename__].date)


def region_records(region_code, year=None, role=None):
    """The region's registry records as ``("table:id", "type: title/date")`` choices, newest
    first within each type; with ``year``, only records dated in that year (or undated);
    with ``role``, only those it may see (a closed court session [R6.7] is not offered to
    the akimat). Each registry's spec names the column that titles a row and its main date."""
    choices = []
    for spec in REGISTRY_SPECS:
        model, table = spec.model, spec.table
        title, dated = getattr(model, spec.title), spec.date_column
        query = select(model.id, title, dated).where(spec.region_column == region_code)
        if role is not None and spec.visible_to(role) is not None:
            query = query.where(spec.visible_to(role))
        if year is not None:
            query = query.where(dated.is_(None) | dated.between(date(year, 1, 1), date(year, 12, 31)))
        for row_id, name, day in db.session.execute(query.order_by(dated.desc(), model.id.desc())):
            name = (spec.title_of(name) or "")[:80]
            choices.append((f"{table}:{row_id}",
                            f"{spec.record_label}: {name} / {day.isoformat() if day else '—'}"))
    return choices


def find_record(key):
    """The registry record named ``"table:id"``, or None."""
    table, _, row_id = (key or "").partition(":")
    model = REGISTRY_BY_TABLE.get(table)
    row_id = id_from(row_id)
    if model is None or row_id is None:
        return None
    return db.session.get(model, row_id)


def link_item(actor, item, record):
    """The record that fulfils an item is linked to it, and the item is done [R6.1]."""
    plan = item.plan
    if actor.role not in REGIONAL:
        raise PermissionDenied(_l("Only the region's ombudsman or akimat administrator links records."))
    _check_region(actor, plan.region_code)
    if record is None or record.__tablename__ not in REGISTRY_BY_TABLE:
        raise InvalidInput(_l("Choose a record of the registries."))
    if record.region_code != plan.region_code:
        raise RegionMismatch(_l("The record belongs to another region."))
    day = record_date(record)
    if day is not None and day.year != plan.year:
        raise InvalidInput(_l("The record is dated in another year than the plan."))
    item.record_type, item.record_id, item.status = record.__tablename__, record.id, "done"
    audit.record("year_plan.link_item", actor=actor, obj=plan, item=item.id,
                 record_type=item.record_type, record_id=item.record_id)
    db.session.flush()


def linked_record_label(item):
    if not item.record_type:
        return None
    return f"{RECORD_LABELS.get(item.record_type, item.record_type)} #{item.record_id}"


def progress(plan):
    """``(done, total)`` items of the plan; cancelled items are not counted."""
    done, total = db.session.execute(
        select(func.count(case((PlanItem.status == "done", 1))), func.count())
        .where(PlanItem.plan_id == plan.id, PlanItem.status != "cancelled")).one()
    return done, total


def progress_by_plan(plan_ids):
    """``{plan_id: (done, total)}`` in one query, for the list page."""
    if not plan_ids:
        return {}
    rows = db.session.execute(
        select(PlanItem.plan_id, func.count(case((PlanItem.status == "done", 1))), func.count())
        .where(PlanItem.plan_id.in_(plan_ids), PlanItem.status != "cancelled")
        .group_by(PlanItem.plan_id))
    return {plan_id: (done, total) for plan_id, done, total in rows}
