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

from extensions import db
from models import Appointment, AppointmentStep, Role
from models.appointment import IN_OFFICE, TRANSITIONS
from models.base import utcnow
from services import audit, notifications, recipients
from core.errors import InvalidInput, PermissionDenied, RegionMismatch
from core.iin import is_valid_iin, normalize_iin
from core.formats import N_, bilingual, bilingual_subject
from services.password_links import set_password_url
from services.users import create_user, find_by_email, set_enabled


class RegionHasOmbudsman(InvalidInput):
    """[R4] one regional ombudsman per region: another is still in office."""


ONE_IN_OFFICE_INDEX = "uq_appointment_one_in_office_per_region"


APPOINTEE_FIELDS = ("full_name", "iin", "phone", "email", "workplace", "note")


def _check_actor(actor, appointment, action):
    transition = TRANSITIONS[action]
    if actor.role != transition.role:
        raise PermissionDenied(_l("Your role cannot do this step."))
    if actor.role_enum.is_regional and actor.region_code != appointment.region_code:
        raise RegionMismatch(_l("This appointment belongs to another region."))
    if appointment.state not in transition.sources:
        raise InvalidInput(_l("This step is not possible in the appointment's current state."))


def _step(appointment, actor, action, note=None):
    """Move to the action's target state and record who, when, from, to and why."""
    transition = TRANSITIONS[action]
    old = appointment.state
    appointment.state = transition.target
    appointment.state_changed_at = utcnow()
    db.session.add(AppointmentStep(appointment=appointment, actor_id=actor.id, action=action,
                                   from_state=old, to_state=transition.target,
                                   note=(note or "").strip() or None))
    audit.record(f"appointment.{action}", actor=actor, obj=appointment, old_state=old,
                 new_state=transition.target)


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


def propose(actor, region_code, **appointee):
    """An akimat administrator proposes a candidate: a draft in their own region."""
    if actor.role != Role.AKIMAT_ADMIN.value:
        raise PermissionDenied(_l("Only an akimat administrator proposes an ombudsman."))
    if actor.region_code != region_code:
        raise RegionMismatch(_l("You can propose an ombudsman only for your own region."))
    values = _clean_appointee(appointee)
    _refuse_email_of_other_staff(values["email"], region_code)
    appointment = Appointment(region_code=region_code, state="draft", created_by_id=actor.id, **values)
    db.session.add(appointment)
    db.session.flush()
    db.session.add(AppointmentStep(appointment=appointment, actor_id=actor.id, action="propose",
                                   from_state=None, to_state="draft"))
    audit.record("appointment.propose", actor=actor, obj=appointment)
    db.session.flush()
    return appointment


def update_draft(actor, appointment, **appointee):
    """Correct the candidate's data while the appointment is a draft."""
    _check_actor(actor, appointment, "request_consent")  # same role, region and state
    values = _clean_appointee(appointee)
    _refuse_email_of_other_staff(values["email"], appointment.region_code)
    for key, value in values.items():
        setattr(appointment, key, value)
    audit.record("appointment.update", actor=actor, obj=appointment,
                 changes=audit.changes(appointment))
    db.session.flush()


def withdraw(actor, appointment, note=None):
    _check_actor(actor, appointment, "withdraw")
    _step(appointment, actor, "withdraw", note)
    db.session.flush()


def request_consent(actor, appointment, note=None):
    """Ask the Commissioner's consent [R4]; the Commissioner's office is alerted."""
    _check_actor(actor, appointment, "request_consent")
    _step(appointment, actor, "request_consent", note)
    _alert(recipients.commissioner_office(), appointment, "consent_requested",
           N_("Consent requested: appointment of the children's ombudsman of %(region)s"),
           N_("The akimat of %(region)s asks the Commissioner's consent to appoint %(name)s as the "
              "regional children's ombudsman. Open the appointment in the system to decide."))
    db.session.flush()


def _require_letter(number, letter_date):
    if not (number or "").strip() or letter_date is None:
        raise InvalidInput(_l("Enter the number and date of the Commissioner's letter."))


def grant_consent(actor, appointment, number, letter_date, note=None, file=None):
    """The Commissioner consents [R4]; the akimat is told."""
    _check_actor(actor, appointment, "grant_consent")
    _require_letter(number, letter_date)
    appointment.consent_number, appointment.consent_date = number.strip(), letter_date
    appointment.consent_file = file or appointment.consent_file
    _step(appointment, actor, "grant_consent", note)
    _alert(recipients.akimat(appointment.region_code), appointment, "consent_granted",
           N_("Consent granted: appointment of the children's ombudsman of %(region)s"),
           N_("The Commissioner consented to the appointment of %(name)s. Record the akim's order "
              "in the system to make the appointment active."))
    db.session.flush()


def refuse_consent(actor, appointment, number, letter_date, reason, file=None):
    """The Commissioner refuses [R4]; the appointment ends and the akimat is told."""
    _check_actor(actor, appointment, "refuse_consent")
    _require_letter(number, letter_date)
    if not (reason or "").strip():
        raise InvalidInput(_l("A refusal needs a reason."))
    appointment.consent_number, appointment.consent_date = number.strip(), letter_date
    appointment.refusal_reason = reason.strip()
    appointment.consent_file = file or appointment.consent_file
    _step(appointment, actor, "refuse_consent", reason)
    _alert(recipients.akimat(appointment.region_code), appointment, "consent_refused",
           N_("Consent refused: appointment of the children's ombudsman of %(region)s"),
           N_("The Commissioner refused consent to the appointment of %(name)s."))
    db.session.flush()


def record_order(actor, appointment, number, order_date, note=None, file=None):
    """The akim's order makes the appointment active; the ombudsman gets their login [R4]."""
    _check_actor(actor, appointment, "record_order")
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
            _step(appointment, actor, "record_order", note)
    except IntegrityError as error:
        if getattr(getattr(error.orig, "diag", None), "constraint_name", None) != ONE_IN_OFFICE_INDEX:
            raise
        raise RegionHasOmbudsman(_l("This region already has an ombudsman in office. "
                                    "Record the dismissal first.")) from None
    _give_access(actor, appointment)
    db.session.flush()


def _refuse_second_ombudsman(appointment):
    other = db.session.scalar(select(Appointment.id).where(
        Appointment.region_code == appointment.region_code, Appointment.state.in_(IN_OFFICE),
        Appointment.id != appointment.id))
    if other is not None:
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
    _check_actor(actor, appointment, "request_dismissal")
    if not (reason or "").strip():
        raise InvalidInput(_l("A dismissal needs a reason."))
    appointment.dismissal_reason = reason.strip()
    _step(appointment, actor, "request_dismissal", reason)
    _alert(recipients.commissioner_office(), appointment, "dismissal_requested",
           N_("Consent requested: dismissal of the children's ombudsman of %(region)s"),
           N_("The akimat of %(region)s asks the Commissioner's consent to dismiss %(name)s. "
              "Open the appointment in the system to decide."))
    db.session.flush()


def grant_dismissal(actor, appointment, number, letter_date, note=None, file=None):
    _check_actor(actor, appointment, "grant_dismissal")
    _require_letter(number, letter_date)
    appointment.dismissal_consent_number = number.strip()
    appointment.dismissal_consent_date = letter_date
    appointment.dismissal_consent_file = file or appointment.dismissal_consent_file
    _step(appointment, actor, "grant_dismissal", note)
    _alert(recipients.akimat(appointment.region_code), appointment, "dismissal_consented",
           N_("Consent granted: dismissal of the children's ombudsman of %(region)s"),
           N_("The Commissioner consented to the dismissal of %(name)s. Record the akim's "
              "dismissal order in the system."))
    db.session.flush()


def refuse_dismissal(actor, appointment, number, letter_date, reason, file=None):
    """The Commissioner refuses to consent to a dismissal: the ombudsman stays in office."""
    _check_actor(actor, appointment, "refuse_dismissal")
    _require_letter(number, letter_date)
    if not (reason or "").strip():
        raise InvalidInput(_l("A refusal needs a reason."))
    _step(appointment, actor, "refuse_dismissal", f"{number.strip()} ({letter_date}): {reason.strip()}")
    _alert(recipients.akimat(appointment.region_code), appointment, "dismissal_refused",
           N_("Consent refused: dismissal of the children's ombudsman of %(region)s"),
           N_("The Commissioner refused consent to dismiss %(name)s, who stays in office."))
    db.session.flush()


def record_dismissal(actor, appointment, number, order_date, note=None, file=None):
    """The akim's dismissal order: the ombudsman's account is disabled at once [R4]."""
    _check_actor(actor, appointment, "record_dismissal")
    if not (number or "").strip() or order_date is None:
        raise InvalidInput(_l("Enter the number and date of the akim's order."))
    if order_date < appointment.dismissal_consent_date:
        raise InvalidInput(_l("The order cannot be dated before the Commissioner's consent."))
    appointment.dismissal_order_number, appointment.dismissal_order_date = number.strip(), order_date
    appointment.dismissal_order_file = file or appointment.dismissal_order_file
    _step(appointment, actor, "record_dismissal", note)
    if appointment.user is not None:
        set_enabled(appointment.user, False, actor=actor)
    db.session.flush()


def _alert(to, appointment, topic, subject, body):
    values = dict(region=appointment.region, name=appointment.full_name)
    notifications.queue_email(to, bilingual_subject(subject, **values), bilingual(body, **values),
                              topic=f"appointment.{topic}", obj=appointment)


ACTIONS = {
    "withdraw": withdraw, "request_consent": request_consent, "grant_consent": grant_consent,
    "refuse_consent": refuse_consent, "record_order": record_order,
    "request_dismissal": request_dismissal, "grant_dismissal": grant_dismissal,
    "refuse_dismissal": refuse_dismissal, "record_dismissal": record_dismissal,
}


def allowed_actions(appointment, user):
    """The steps ``user`` may take now: what the admin shows as buttons."""
    if user.role_enum.is_regional and user.region_code != appointment.region_code:
        return []
    return [action for action in TRANSITIONS if appointment.can(action, user.role)]


PENDING = ("consent_requested", "dismissal_requested")


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
                                 .where(Appointment.state.in_(IN_OFFICE + PENDING))
                                 .order_by(Appointment.state_changed_at)).all()
    for appointment in current:
        row = rows[appointment.region_code]
        if appointment.in_office:
            row["ombudsman"] = appointment
        if appointment.state in PENDING:
            row["pending"].append({"appointment": appointment,
                                   "days_waiting": (now - appointment.state_changed_at).days})
    return list(rows.values())


def sort_for_commissioner(rows):
    """Regions with requests waiting for consent first, the longest wait on top."""
    def longest_wait(row):
        return max((p["days_waiting"] for p in row["pending"]), default=-1)
    return sorted(rows, key=lambda row: (-longest_wait(row), row["region"].code))
