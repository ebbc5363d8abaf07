"""The ombudsman's calendar year plan [R6.1]: approved by 30 December, agreed with the Commissioner.

draft → sent (for agreement) → agreed | returned (with remarks) → sent again …;
agreed → approved by the region (late when after 30 December of the year before).
Items are edited only while the plan is a draft or returned; an item linked to the
registry record that fulfils it is done. Each function checks role, region and state,
audits, queues the alerts and flushes; the caller commits once.
"""
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from extensions import db
from models import PlanItem, YearPlan
from models.base import utcnow
from models.registry import COMMISSIONS, REGISTRIES
from request_input import id_from
from services import audit, notifications, recipients
from core.errors import InvalidInput, PermissionDenied, RegionMismatch
from core.formats import N_, bilingual, bilingual_subject

REGIONAL = frozenset({"ombudsman", "akimat_admin"})
COMMISSIONER = frozenset({"commissioner"})
EDITABLE = ("draft", "returned")

ACTION_LABELS = {
    "send_for_agreement": _l("Send to the Commissioner for agreement"),
    "agree": _l("Agree"),
    "return_with_remarks": _l("Return with remarks"),
    "approve": _l("Approve"),
}
# action → (roles, source states)
STEPS = {
    "send_for_agreement": (REGIONAL, EDITABLE),
    "agree": (COMMISSIONER, ("sent",)),
    "return_with_remarks": (COMMISSIONER, ("sent",)),
    "approve": (REGIONAL, ("agreed",)),
}


class PlanExists(InvalidInput):
    """[R6.1] one plan per region and year."""


def _check_region(actor, region_code):
    if actor.role_enum.is_regional and actor.region_code != region_code:
        raise RegionMismatch(_l("This plan belongs to another region."))


def _check_step(actor, plan, action):
    roles, sources = STEPS[action]
    if actor.role not in roles:
        raise PermissionDenied(_l("Your role cannot do this step."))
    _check_region(actor, plan.region_code)
    if plan.state not in sources:
        raise InvalidInput(_l("This step is not possible in the plan's current state."))


def _move(actor, plan, action, target, **data):
    old = plan.state
    plan.state = target
    audit.record(f"year_plan.{action}", actor=actor, obj=plan, old_state=old, new_state=target, **data)


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
    _check_step(actor, plan, "send_for_agreement")
    if not any(item.status != "cancelled" for item in plan.items):
        raise InvalidInput(_l("Add the plan's activities before sending it."))
    plan.sent_at = utcnow()
    _move(actor, plan, "send_for_agreement", "sent", note=(note or "").strip() or None)
    _alert(recipients.commissioner_office(), plan, "sent",
           N_("Year plan for agreement: %(region)s, %(year)s"),
           N_("The children's ombudsman of %(region)s sent the plan for %(year)s for the "
              "Commissioner's agreement. Open the plan in the system to agree or return it."))
    db.session.flush()


def agree(actor, plan, note=None):
    """[R6.1] the Commissioner agrees the plan; the region is told."""
    _check_step(actor, plan, "agree")
    plan.agreed_at, plan.agreed_by_id = utcnow(), actor.id
    _move(actor, plan, "agree", "agreed", note=(note or "").strip() or None)
    _alert(_region_staff(plan.region_code), plan, "agreed",
           N_("Year plan agreed: %(region)s, %(year)s"),
           N_("The Commissioner agreed the plan of %(region)s for %(year)s. Record its approval "
              "in the system (due by 30 December of the year before)."))
    db.session.flush()


def return_with_remarks(actor, plan, remarks):
    """The Commissioner returns the plan with remarks; the region corrects and sends it again."""
    _check_step(actor, plan, "return_with_remarks")
    if not (remarks or "").strip():
        raise InvalidInput(_l("Returning a plan needs remarks."))
    plan.remarks = remarks.strip()
    _move(actor, plan, "return_with_remarks", "returned", remarks=plan.remarks)
    _alert(_region_staff(plan.region_code), plan, "returned",
           N_("Year plan returned with remarks: %(region)s, %(year)s"),
           N_("The Commissioner returned the plan of %(region)s for %(year)s with remarks: "
              "%(remarks)s"), remarks=plan.remarks)
    db.session.flush()


def approve(actor, plan, approved_on):
    """[R6.1] the region approves the agreed plan. After 30 December of the year before it
    is still approved, but marked late (``plan.approved_late``)."""
    _check_step(actor, plan, "approve")
    if approved_on is None:
        raise InvalidInput(_l("Enter the date of the approval."))
    if approved_on > _today():
        raise InvalidInput(_l("The date of the approval cannot be in the future."))
    if plan.agreed_at is not None and approved_on < _local_date(plan.agreed_at):
        raise InvalidInput(_l("The plan cannot be approved before the Commissioner agreed it."))
    plan.approved_on = approved_on
    _move(actor, plan, "approve", "approved", approved_on=approved_on.isoformat(),
          late=plan.approved_late)
    db.session.flush()


def _local_date(moment):
    from services.deadlines import KZ_TZ

    return moment.astimezone(KZ_TZ).date()


def _today():
    from services.deadlines import now_local

    return now_local().date()


def _region_staff(region_code):
    return [*recipients.ombudsman(region_code), *recipients.akimat(region_code)]


def _alert(to, plan, topic, subject, body, **extra):
    values = dict(region=plan.region, year=plan.year, **extra)
    notifications.queue_email(to, bilingual_subject(subject, **values), bilingual(body, **values),
                              topic=f"year_plan.{topic}", obj=plan)


ACTIONS = {"send_for_agreement": send_for_agreement, "agree": agree,
           "return_with_remarks": return_with_remarks, "approve": approve}


def allowed_actions(plan, user):
    """The steps ``user`` may take now: what the admin shows as buttons."""
    if user.role_enum.is_regional and user.region_code != plan.region_code:
        return []
    return [action for action, (roles, sources) in STEPS.items()
            if user.role in roles and plan.state in sources]


# --- items and the records that fulfil them -----------------------------------------------

REGISTRY_BY_TABLE = {model.__tablename__: model for model in REGISTRIES}
RECORD_LABELS = {
    "memorandum": _l("Memorandum"), "commission_meeting": _l("Commission meeting"),
    "advisory_body": _l("Advisory body"), "visit": _l("Visit"),
    "document_request": _l("Document request"), "court_hearing": _l("Court hearing"),
    "legislative_recommendation": _l("Legislative recommendation"), "briefing": _l("Briefing"),
    "event": _l("Event"), "campaign": _l("Campaign"), "publication": _l("Publication"),
}
# The columns naming a record and dating it, per registry table.
_TITLE_AND_DATE = {
    "memorandum": ("title", "signed_on"), "commission_meeting": ("commission", "held_on"),
    "advisory_body": ("name", "member_since"), "visit": ("organization_name", "visited_on"),
    "document_request": ("addressee", "sent_on"), "court_hearing": ("court_case_number", "hearing_on"),
    "legislative_recommendation": ("text", "submitted_on"), "briefing": ("topic", "held_on"),
    "event": ("title", "held_on"), "campaign": ("title", "started_on"),
    "publication": ("title", "published_on"),
}


def record_date(record):
    return getattr(record, _TITLE_AND_DATE[record.__tablename__][1])


def region_records(region_code, year=None):
    """The region's registry records as ``("table:id", "type: title/date")`` choices, newest
    first within each type; with ``year``, only records dated in that year (or undated)."""
    choices = []
    for table, (title_name, date_name) in _TITLE_AND_DATE.items():
        model = REGISTRY_BY_TABLE[table]
        title, dated = getattr(model, title_name), getattr(model, date_name)
        query = select(model.id, title, dated).where(model.region_code == region_code)
        if year is not None:
            query = query.where(dated.is_(None) | dated.between(date(year, 1, 1), date(year, 12, 31)))
        for row_id, name, day in db.session.execute(query.order_by(dated.desc(), model.id.desc())):
            name = COMMISSIONS.get(name, name) if table == "commission_meeting" else name
            name = (name or "")[:80]
            choices.append((f"{table}:{row_id}",
                            f"{RECORD_LABELS[table]}: {name} / {day.isoformat() if day else '—'}"))
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
