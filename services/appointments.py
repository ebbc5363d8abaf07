"""Appointing and dismissing a regional ombudsman with the Commissioner's consent [R4].

draft → consent_requested → consent_granted | consent_refused → active (akim's order)
→ dismissal_requested → dismissal_consented | back to active → dismissed (order).
Each function checks role, region and state, records the step, audits, queues the
alerts and flushes; the caller commits once.
"""
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models.capabilities import roles_with
from extensions import db
from models import Appointment, AppointmentStep, Role
from models.appointment import ACTION_LABELS, AppointmentState
from models.base import utcnow
from services import alerts, audit, notifications
from core.errors import InvalidInput, PermissionDenied, RegionMismatch
from core.iin import is_valid_iin, normalize_iin
from core.formats import N_, bilingual, bilingual_subject
from services.password_links import set_password_url
from services.users import create_user, find_by_email, set_enabled
from services.workflow import Refusals, Transition, Workflow


class RegionHasOmbudsman(InvalidInput):
    """[R4] one regional ombudsman per region: another is still in office."""


ONE_IN_OFFICE_INDEX = "uq_appointment_one_in_office_per_region"


APPOINTEE_FIELDS = ("full_name", "iin", "phone", "email", "workplace", "note")


AKIMAT, COMMISSIONER = roles_with("appointments_propose"), roles_with("appointments_consent")
WORKFLOW = Workflow(
    "appointment",
    {
        "withdraw": Transition(AKIMAT, {"draft"}, "withdrawn"),
        "request_consent": Transition(AKIMAT, {"draft"}, "consent_requested"),
        "grant_consent": Transition(COMMISSIONER, {"consent_requested"}, "consent_granted"),
        "refuse_consent": Transition(COMMISSIONER, {"consent_requested"}, "consent_refused"),
        "record_order": Transition(AKIMAT, {"consent_granted"}, "active"),
        "request_dismissal": Transition(AKIMAT, {"active"}, "dismissal_requested"),
        "grant_dismissal": Transition(COMMISSIONER, {"dismissal_requested"}, "dismissal_consented"),
        "refuse_dismissal": Transition(COMMISSIONER, {"dismissal_requested"}, "active"),
        "record_dismissal": Transition(AKIMAT, {"dismissal_consented"}, "dismissed"),
    },
    Refusals(role=_l("Your role cannot do this step."),
             region=_l("This appointment belongs to another region."),
             state=_l("This step is not possible in the appointment's current state.")),
    step_model=AppointmentStep, owner="appointment", labels=ACTION_LABELS)
TRANSITIONS = WORKFLOW.transitions


def _clean_appointee(data):
    values = {k: (data.get(k) or "").strip() or None for k in APPOINTEE_FIELDS}
    if not values["full_name"]:
        raise InvalidInput(_l("Enter the appointee's full name."))
    if not values["email"] or "@" not in values["email"]:
        raise InvalidInput(_l("Enter the appointee's e-mail: the ombudsman's login is sent there."))
    if values["iin"]:
        values["iin"] = normalize_iin(values["iin"])
        if not is_valid_iin(values["iin"]):
            raise InvalidInput(_l("The IIN is not valid: check the 12 digits."))
    return values


def _refuse_email_of_other_staff(email, region_code):
    """The ombudsman's login is this e-mail: it cannot be another staff member's account."""
    user = find_by_email(email)
    if user is not None and (user.role != Role.OMBUDSMAN.value or user.region_code != region_code):
        raise InvalidInput(_l("This e-mail belongs to another staff account; use another e-mail."))


def propose(actor, region_code, replacement=False, **appointee):
    """An akimat administrator proposes a candidate: a draft in their own region. [R4] one
    ombudsman per region: while one is in office, only a replacement (their dismissal to
    follow) may be proposed, and it says so."""
    if actor.role != Role.AKIMAT_ADMIN.value:
        raise PermissionDenied(_l("Only an akimat administrator proposes an ombudsman."))
    if actor.region_code != region_code:
        raise RegionMismatch(_l("You can propose an ombudsman only for your own region."))
    values = _clean_appointee(appointee)
    _refuse_email_of_other_staff(values["email"], region_code)
    in_office = _in_office(region_code)
    if in_office is not None and not replacement:
        raise RegionHasOmbudsman(_l("This region has an ombudsman in office, %(name)s: a candidate "
                                    "can be proposed only as their replacement.",
                                    name=in_office.full_name))
    appointment = Appointment(region_code=region_code, state="draft", created_by_id=actor.id, **values)
    db.session.add(appointment)
    db.session.flush()
    note = (str(_l("A replacement of %(name)s, in office now.", name=in_office.full_name))
            if in_office is not None else None)
    db.session.add(AppointmentStep(appointment=appointment, actor_id=actor.id, action="propose",
                                   from_state=None, to_state="draft", note=note))
    audit.record("appointment.propose", actor=actor, obj=appointment)
    db.session.flush()
    return appointment


def update_draft(actor, appointment, **appointee):
    """Correct the candidate's data while the appointment is a draft."""
    WORKFLOW.check(actor, appointment, "request_consent")  # same role, region and state
    values = _clean_appointee(appointee)
    _refuse_email_of_other_staff(values["email"], appointment.region_code)
    for key, value in values.items():
        setattr(appointment, key, value)
    audit.record("appointment.update", actor=actor, obj=appointment,
                 changes=audit.changes(appointment))
    db.session.flush()


def withdraw(actor, appointment, note=None):
    WORKFLOW.check(actor, appointment, "withdraw")
    WORKFLOW.record(appointment, actor, "withdraw", step_note=note)
    db.session.flush()


def request_consent(actor, appointment, note=None):
    """Ask the Commissioner's consent [R4]; the Commissioner's office is alerted."""
    WORKFLOW.check(actor, appointment, "request_consent")
    WORKFLOW.record(appointment, actor, "request_consent", step_note=note)
    _alert(appointment, "consent_requested")
    db.session.flush()


def _require_letter(number, letter_date):
    if not (number or "").strip() or letter_date is None:
        raise InvalidInput(_l("Enter the number and date of the Commissioner's letter."))


def grant_consent(actor, appointment, number, letter_date, note=None, file=None):
    """The Commissioner consents [R4]; the akimat is told."""
    WORKFLOW.check(actor, appointment, "grant_consent")
    _require_letter(number, letter_date)
    appointment.consent_number, appointment.consent_date = number.strip(), letter_date
    appointment.consent_file = file or appointment.consent_file
    WORKFLOW.record(appointment, actor, "grant_consent", step_note=note)
    _alert(appointment, "consent_granted")
    db.session.flush()


def refuse_consent(actor, appointment, number, letter_date, reason, file=None):
    """The Commissioner refuses [R4]; the appointment ends and the akimat is told."""
    WORKFLOW.check(actor, appointment, "refuse_consent")
    _require_letter(number, letter_date)
    if not (reason or "").strip():
        raise InvalidInput(_l("A refusal needs a reason."))
    appointment.consent_number, appointment.consent_date = number.strip(), letter_date
    appointment.refusal_reason = reason.strip()
    appointment.consent_file = file or appointment.consent_file
    WORKFLOW.record(appointment, actor, "refuse_consent", step_note=reason)
    _alert(appointment, "consent_refused")
    db.session.flush()


def record_order(actor, appointment, number, order_date, note=None, file=None):
    """The akim's order makes the appointment active; the ombudsman gets their login [R4]."""
    WORKFLOW.check(actor, appointment, "record_order")
    if not (number or "").strip() or order_date is None:
        raise InvalidInput(_l("Enter the number and date of the akim's order."))
    if order_date < appointment.consent_date:
        raise InvalidInput(_l("The order cannot be dated before the Commissioner's consent."))
    _refuse_email_of_other_staff(appointment.email, appointment.region_code)
    _refuse_second_ombudsman(appointment)
    # A racing order for the same region passes the check above too; the partial unique
    # index then refuses one of them. The savepoint keeps the caller's session usable.
    try:
        with db.session.begin_nested():
            appointment.order_number, appointment.order_date = number.strip(), order_date
            appointment.order_file = file or appointment.order_file
            WORKFLOW.record(appointment, actor, "record_order", step_note=note)
    except IntegrityError as error:
        if getattr(getattr(error.orig, "diag", None), "constraint_name", None) != ONE_IN_OFFICE_INDEX:
            raise
        raise RegionHasOmbudsman(_l("This region already has an ombudsman in office. "
                                    "Record the dismissal first.")) from None
    _give_access(actor, appointment)
    db.session.flush()


def _in_office(region_code):
    """The region's ombudsman in office, or None."""
    return db.session.scalar(select(Appointment).where(
        Appointment.region_code == region_code, Appointment.state.in_(AppointmentState.IN_OFFICE)))


def _refuse_second_ombudsman(appointment):
    other = _in_office(appointment.region_code)
    if other is not None and other.id != appointment.id:
        raise RegionHasOmbudsman(_l("This region already has an ombudsman in office. "
                                    "Record the dismissal first."))


def _give_access(actor, appointment):
    """Create or re-enable the ombudsman's account and e-mail a one-time password link."""
    user = find_by_email(appointment.email)  # another staff member's was refused before the step
    if user is None:
        user = create_user(appointment.email, Role.OMBUDSMAN.value, region_code=appointment.region_code,
                           name=appointment.full_name, actor=actor)
    else:
        set_enabled(user, True, actor=actor)
        user.name = appointment.full_name
    appointment.user = user
    db.session.flush()
    notifications.queue_email(
        [user.email],
        bilingual_subject(N_("Your access as the regional children's ombudsman")),
        bilingual(N_("You have been appointed the children's ombudsman of %(region)s. Set your "
                     "password with this link within %(hours)s hours: %(link)s"),
                  region=appointment.region, hours=current_app.config["SET_PASSWORD_LINK_HOURS"],
                  link=set_password_url(user)),
        topic="ombudsman_access", obj=appointment)


def request_dismissal(actor, appointment, reason):
    """The akimat asks the Commissioner's consent to dismiss [R4]."""
    WORKFLOW.check(actor, appointment, "request_dismissal")
    if not (reason or "").strip():
        raise InvalidInput(_l("A dismissal needs a reason."))
    appointment.dismissal_reason = reason.strip()
    WORKFLOW.record(appointment, actor, "request_dismissal", step_note=reason)
    _alert(appointment, "dismissal_requested")
    db.session.flush()


def grant_dismissal(actor, appointment, number, letter_date, note=None, file=None):
    WORKFLOW.check(actor, appointment, "grant_dismissal")
    _require_letter(number, letter_date)
    appointment.dismissal_consent_number = number.strip()
    appointment.dismissal_consent_date = letter_date
    appointment.dismissal_consent_file = file or appointment.dismissal_consent_file
    WORKFLOW.record(appointment, actor, "grant_dismissal", step_note=note)
    _alert(appointment, "dismissal_consented")
    db.session.flush()


def refuse_dismissal(actor, appointment, number, letter_date, reason, file=None):
    """The Commissioner refuses to consent to a dismissal: the ombudsman stays in office."""
    WORKFLOW.check(actor, appointment, "refuse_dismissal")
    _require_letter(number, letter_date)
    if not (reason or "").strip():
        raise InvalidInput(_l("A refusal needs a reason."))
    WORKFLOW.record(appointment, actor, "refuse_dismissal",
                    step_note=f"{number.strip()} ({letter_date}): {reason.strip()}")
    _alert(appointment, "dismissal_refused")
    db.session.flush()


def record_dismissal(actor, appointment, number, order_date, note=None, file=None):
    """The akim's dismissal order: the ombudsman's account is disabled at once [R4]."""
    WORKFLOW.check(actor, appointment, "record_dismissal")
    if not (number or "").strip() or order_date is None:
        raise InvalidInput(_l("Enter the number and date of the akim's order."))
    if order_date < appointment.dismissal_consent_date:
        raise InvalidInput(_l("The order cannot be dated before the Commissioner's consent."))
    appointment.dismissal_order_number, appointment.dismissal_order_date = number.strip(), order_date
    appointment.dismissal_order_file = file or appointment.dismissal_order_file
    WORKFLOW.record(appointment, actor, "record_dismissal", step_note=note)
    if appointment.user is not None:
        set_enabled(appointment.user, False, actor=actor)
    db.session.flush()


def _alert(appointment, event):
    alerts.raise_alert(f"appointment.{event}", appointment.region_code, obj=appointment,
                       region=appointment.region, name=appointment.full_name)


ACTIONS = {
    "withdraw": withdraw, "request_consent": request_consent, "grant_consent": grant_consent,
    "refuse_consent": refuse_consent, "record_order": record_order,
    "request_dismissal": request_dismissal, "grant_dismissal": grant_dismissal,
    "refuse_dismissal": refuse_dismissal, "record_dismissal": record_dismissal,
}


def allowed_actions(appointment, user):
    """The steps ``user`` may take now: what the admin shows as buttons."""
    return WORKFLOW.allowed_actions(user, appointment)




def region_overview(now=None):
    """For each of the 20 regions: the ombudsman in office (or vacant) and pending requests.

    Returns a list of dicts with ``region``, ``ombudsman`` (an Appointment or None) and
    ``pending`` (Appointments waiting for the Commissioner, with ``days_waiting``: whole
    days since the request, counted up to ``now``, by default the current time).
    """
    from models import Region

    now = now or utcnow()
    regions = db.session.scalars(select(Region).order_by(Region.code)).all()
    rows = {r.code: {"region": r, "ombudsman": None, "pending": []} for r in regions}
    current = db.session.scalars(select(Appointment)
                                 .where(Appointment.state.in_(AppointmentState.IN_OFFICE
                                                              + AppointmentState.WAITING_FOR_CONSENT))
                                 .order_by(Appointment.state_changed_at)).all()
    for appointment in current:
        row = rows[appointment.region_code]
        if appointment.in_office:
            row["ombudsman"] = appointment
        if appointment.state in AppointmentState.WAITING_FOR_CONSENT:
            row["pending"].append({"appointment": appointment,
                                   "days_waiting": (now - appointment.state_changed_at).days})
    return list(rows.values())


def sort_for_commissioner(rows):
    """Regions with requests waiting for consent first, the longest wait on top."""
    def longest_wait(row):
        return max((p["days_waiting"] for p in row["pending"]), default=-1)
    return sorted(rows, key=lambda row: (-longest_wait(row), row["region"].code))
