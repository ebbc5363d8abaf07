"""The checklist of a case, generated from the case and the rules [R10], [R11].

At registration: [R10.1] an automatic alert to the Commissioner, the Committee and the
akim; [R10.2] a preventive conversation with the parents or legal representatives and
with the person the report is about; [R10.3] when the responsible person is a parent or
legal representative living with the child, an automatic alert to the region's
guardianship authority and police. After the police confirm the violation, whenever that
is: the seven items of [R11], [R11.2] and [R11.7] required when the child is in danger,
due on their own terms from the confirmation. Automatic alerts are done when the outbox
delivers them. A conversation or a measure that cannot or need not happen is set aside
with a reason the rules allow, and never escalates. Items are never deleted.
"""
from datetime import datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from extensions import db
from models import Case, ChecklistEvidence, ChecklistItem, Organization
from models.base import utcnow
from models.case import RESPONSIBLE, CaseState
from models.checklist import SET_ASIDE_REASONS
from models.organization import PLACEMENT_TYPES
from services import alerts, audit, settings
from services.deadlines import KZ_TZ, calendar
from core.errors import InvalidInput, PermissionDenied, RegionMismatch
from services.files import check_upload, save_file

PERSON_RESPONSIBLE = ("parent_cohabiting", "family_member", "other_person", "local_executive",
                      "education_org", "health_org", "social_org")
# A conversation is held with a person: for an organization, with its person the report is about.
PERSON_IN = {
    "education_org": _l("The person at the school or kindergarten the report is about"),
    "health_org": _l("The person at the hospital or clinic the report is about"),
    "social_org": _l("The person at the social protection organization the report is about"),
    "local_executive": _l("The official the report is about"),
}
SET_ASIDE_RULES = ("R10.2", "R11.1", "R11.2", "R11.3", "R11.4", "R11.5", "R11.6", "R11.7")
# What a reason needs besides itself: a text of what was tried or why, or the other case.
SET_ASIDE_NEEDS_TEXT = ("unreachable", "other")
R11_ALWAYS = ("R11.1", "R11.3", "R11.4", "R11.6")
R11_IN_DANGER = ("R11.2", "R11.7")
R11_URGENT = ("R11.1", "R11.2", "R11.7")  # "immediately" / "urgent" in the rule's text
_PLACEMENT_MESSAGE = _l("Choose where the child was placed: a crisis, adaptation or child support "
                        "centre, or a medical organization of the region's directory.")


def _alert_due(start):
    return start + timedelta(minutes=settings.get("alert_due_minutes"))


def _end_of(day):
    return datetime.combine(day, time(23, 59), tzinfo=KZ_TZ)


def _deadline_end(case):
    """The end of the case's last day, as a due time for the conversations [R10.2]."""
    return _end_of(case.deadline)


def conversation_person(case):
    """With whom the conversation about the responsible party is held [R10.2]: a person,
    named as the report names them when it does."""
    label = str(PERSON_IN.get(case.responsible, RESPONSIBLE[case.responsible]))
    return f"{label}: {case.responsible_details}"[:200] if case.responsible_details else label


def _item(case, rule, position, person=None, automatic=False, **values):
    # Every item sets the same fields, so that the items of one flush go in one INSERT.
    item = ChecklistItem(case=case, rule=rule, position=position, person=person, automatic=automatic,
                         **values)
    db.session.add(item)
    return item


def generate_at_registration(case):
    """[R10.1], [R10.2], [R10.3] items, and the automatic alerts of [R10.1] and [R10.3]."""
    start = case.registered_at
    alert = _item(case, "R10.1", 10, automatic=True, due_at=_alert_due(start))
    _item(case, "R10.2", 20, person=str(_l("Parents or legal representatives of the child")),
          due_at=_deadline_end(case))
    if case.responsible in PERSON_RESPONSIBLE:
        _item(case, "R10.2", 21, person=conversation_person(case), due_at=_deadline_end(case))
    guardianship = _guardianship_item(case, start) if case.responsible == "parent_cohabiting" else None
    db.session.flush()  # the items' ids name them in their alerts
    _queue_alert(alert)
    if guardianship is not None:
        _alert_guardianship(guardianship)


def _guardianship_item(case, start):
    position = max((i.position for i in case.checklist if i.rule == "R10.3"), default=29) + 1
    return _item(case, "R10.3", position, automatic=True, due_at=_alert_due(start))


def _alert_guardianship(item):
    _queue_alert(item)


def notify_guardianship(case):
    """[R10.3] a notice to the region's guardianship authority and police, sent now: when the
    facts show a parent or legal representative living with the child is responsible."""
    item = _guardianship_item(case, utcnow())
    db.session.flush()
    _alert_guardianship(item)
    return item


def add_guardianship_notice(actor, case):
    """[R10.3] a notice the ombudsman decides to send, at any time."""
    check(actor, case)
    item = notify_guardianship(case)
    audit.record("checklist.add", actor=actor, obj=item, region_code=case.region_code, rule="R10.3")
    return item


def _queue_alert(item):
    """The official notice of an automatic item [R10.1], [R10.3]: urgent, so by every channel
    each recipient has; the item is done at the first delivery."""
    message = alerts.raise_alert(f"alert.{item.rule}", item.case.region_code, obj=item,
                                 short=alerts.case_text(item.case), case=item.case)
    if message is None:
        item.note = str(_l("No recipient address is recorded: add the organizations to the directory."))


def alert_delivered(item_id, sent_at):
    """The outbox delivered an automatic alert: its item is done [R10.1], [R10.3]."""
    item = db.session.get(ChecklistItem, int(item_id))
    if item is not None and item.status == "open":
        item.status, item.done_at = "done", sent_at
        audit.record("checklist.delivered", obj=item, region_code=item.case.region_code, rule=item.rule)


def generate_after_police_confirmation(case):
    """The seven items of [R11]; [R11.2] and [R11.7] required when the child is in danger.
    They run on their own terms, from now, whatever the answer's deadline: "immediately"
    ones within the alert time, the others within ``term_measures`` working days."""
    now = utcnow()
    measures_due = _end_of(calendar().add_working_days(now.astimezone(KZ_TZ).date(),
                                                       settings.get("term_measures")))
    for position, rule in enumerate(("R11.1", "R11.2", "R11.3", "R11.4", "R11.5", "R11.6", "R11.7"), 40):
        urgent = rule in R11_URGENT and (rule == "R11.1" or case.danger_now)
        _item(case, rule, position, required=measure_required(case, rule),
              due_at=_alert_due(now) if urgent else measures_due)
    db.session.flush()


def measure_required(case, rule):
    """[R11.2] and [R11.7] are required when the child is in danger; the others always but [R11.5]."""
    return rule in R11_ALWAYS or (rule in R11_IN_DANGER and case.danger_now)


def check(actor, case):
    """Raise unless ``actor`` — the ombudsman of the case's region — may work on its checklist now."""
    if actor is None or actor.role != "ombudsman":
        raise PermissionDenied(_l("Only the regional ombudsman handles cases."))
    if actor.region_code != case.region_code:
        raise RegionMismatch(_l("This case belongs to another region."))
    if case.state not in CaseState.WORKING:
        raise InvalidInput(_l("The checklist of a finished case cannot be changed."))


def may_work(actor, case):
    try:
        check(actor, case)
    except (PermissionDenied, InvalidInput):
        return False
    return True


def allowed_item_actions(actor, item):
    """What ``actor`` may do with ``item`` now: "done", "not_applicable", "reference"."""
    if not may_work(actor, item.case):
        return []
    actions = []
    if item.status == "open":
        actions.append("done")
        if item.rule in SET_ASIDE_RULES:
            actions.append("set_aside")
    if item.rule == "R10.3" and item.status != "not_applicable":
        actions.append("reference")
    return actions


def add_conversation(actor, case, person):
    """[R10.2] one more person to hold a preventive conversation with."""
    check(actor, case)
    if not (person or "").strip():
        raise InvalidInput(_l("Say whom the conversation is with."))
    item = conversation(case, person.strip())
    audit.record("checklist.add", actor=actor, obj=item, region_code=case.region_code, rule="R10.2")
    db.session.flush()
    return item


def conversation(case, person):
    """[R10.2] the conversation item with ``person``: the one there is, or a new one."""
    person = person[:200]
    found = next((i for i in case.checklist if i.rule == "R10.2" and i.person == person), None)
    if found is not None:
        return found
    position = max((i.position for i in case.checklist if i.rule == "R10.2"), default=20) + 1
    return _item(case, "R10.2", position, person=person, due_at=_deadline_end(case))


def complete(actor, item, note=None, held_on=None, reference=None, organization=None, files=()):
    """Mark an item done, with what the rule needs: [R10.2] the date and a summary;
    an automatic alert done by hand (told by phone, say) how they were told, and for
    [R10.3] the reference numbers; [R11.7] the placement organization from the
    region's directory."""
    check(actor, item.case)
    _check_open(item)
    if item.rule == "R10.2" and (held_on is None or not (note or "").strip()):
        raise InvalidInput(_l("Give the date of the conversation and a short summary."))
    if item.automatic and item.rule != "R10.3" and not (note or "").strip():
        raise InvalidInput(_l("Say how they were told: the system has not delivered this alert."))
    if item.rule == "R10.3" and not ((reference or "").strip() or item.reference):
        raise InvalidInput(_l("Give the reference numbers from the guardianship authority and the police."))
    if organization is not None and (organization.type not in PLACEMENT_TYPES or not organization.is_active
                                     or organization.region_code != item.case.region_code):
        raise InvalidInput(_PLACEMENT_MESSAGE)
    if item.rule == "R11.7" and item.case.danger_now and organization is None:
        raise InvalidInput(_PLACEMENT_MESSAGE)
    item.status, item.done_at, item.done_by_id = "done", utcnow(), actor.id
    item.note, item.held_on = (note or "").strip() or item.note, held_on
    item.reference = (reference or "").strip()[:200] or item.reference
    item.organization = organization
    _attach(actor, item, files)
    audit.record("checklist.done", actor=actor, obj=item, region_code=item.case.region_code, rule=item.rule)
    db.session.flush()


def record_reference(actor, item, reference):
    """[R10.3] the reference numbers given by guardianship and police."""
    check(actor, item.case)
    if item.rule != "R10.3":
        raise InvalidInput(_l("Reference numbers are recorded for the guardianship and police alert only."))
    item.reference = (reference or "").strip()[:200] or None
    audit.record("checklist.reference", actor=actor, obj=item, region_code=item.case.region_code)
    db.session.flush()


def set_aside(actor, item, reason, note=None, linked_number=None):
    """A conversation [R10.2] or a measure [R11] that cannot or need not happen, with a reason
    the rules allow: the person is the reporter; unknown or unreachable (``note`` says what
    was tried); already done in another case of the region (``linked_number``); another
    reason (``note``). A set-aside item never escalates and is counted apart."""
    check(actor, item.case)
    _check_open(item)
    if item.rule not in SET_ASIDE_RULES:
        raise InvalidInput(_l("Only a conversation or a measure can be set aside."))
    if reason not in SET_ASIDE_REASONS:
        raise InvalidInput(_l("Choose why it is set aside."))
    note = (note or "").strip()
    if reason in SET_ASIDE_NEEDS_TEXT and not note:
        raise InvalidInput(_l("Say what was tried, or why it is set aside."))
    linked = _linked_case(item.case, linked_number) if reason == "done_elsewhere" else None
    item.status, item.set_aside_reason, item.na_reason = "not_applicable", reason, note or None
    item.linked_case, item.done_by_id, item.done_at = linked, actor.id, utcnow()  # who set it aside, and when
    audit.record("checklist.set_aside", actor=actor, obj=item, region_code=item.case.region_code,
                 rule=item.rule, reason=reason)
    db.session.flush()


def _linked_case(case, number):
    """The other case of the region, by its registration number, in which it was done."""
    other = db.session.scalar(select(Case).where(Case.registration_number == (number or "").strip(),
                                                 Case.region_code == case.region_code))
    if other is None or other.id == case.id:
        raise InvalidInput(_l("Give the registration number of the other case of your region in which it was done."))
    return other


def _check_open(item):
    if item.status != "open":
        raise InvalidInput(_l("This item is already closed."))


def _attach(actor, item, files):
    """Evidence files, with the limits of the public's uploads (size, type by content,
    pixels, metadata removed: ``services.files.check_upload``); all are checked before
    any is stored, and a refusal names the file."""
    checked = [check_upload(upload) for upload in files if upload and upload.filename]
    for clean_file in checked:
        db.session.add(ChecklistEvidence(item=item, file=save_file(clean_file, item.case.region_code, actor)))


def placement_organizations(region_code):
    """[R11.7] the organizations a child may be placed in, from the region's directory."""
    return db.session.scalars(select(Organization).where(
        Organization.region_code == region_code, Organization.type.in_(PLACEMENT_TYPES),
        Organization.is_active.is_(True)).order_by(Organization.name_kk)).all()


def open_required(case):
    """The required items the ombudsman has not finished (the automatic alerts, which the
    outbox completes, aside): answering before them needs a reason [R10], [R11]."""
    return [item for item in case.checklist
            if item.required and not item.automatic and item.status == "open"]


def overdue(item, now=None):
    return item.status == "open" and item.due_at is not None and item.due_at < (now or utcnow())
