"""Appointing and dismissing regional ombudsmen with the Commissioner's consent [R4].

Acceptance (issue "Appointments and dismissals of regional ombudsmen"): the whole path
through the services — propose → request consent → grant → order → the ombudsman logs
in → request dismissal → consent → dismissal order → locked out at once; every forbidden
step refused with a typed error and a clear sentence; the database's own guards (one
ombudsman in office per region, consent and order data, an append-only timeline), also
against two racing orders; the overview by region; the e-mails reaching an SMTP server.
"""
import re
import threading
import time
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from flask_babel import force_locale
from itsdangerous import TimestampSigner
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, InternalError

from extensions import db
from models import Appointment, AppointmentStep, AuditEvent, OutboxMessage, User
from models.base import utcnow
from services import appointments as service
from services import notifications, password_links
from services.appointments import TRANSITIONS, RegionHasOmbudsman
from core.errors import InvalidInput, PermissionDenied, RegionMismatch
from tests.helpers import csrf_token, gen_user
from tests.smtp_server import smtp_server  # noqa: F401 (fixture)

CANDIDATE = dict(full_name="Айгүл Серікқызы Нұрланова", iin="900101 300017", phone="+7 701 555 01 02",
                 email="aigul.ombudsman@test.kz", workplace="№5 мектеп-гимназия", note="")
CONSENT_DAY, ORDER_DAY = date(2026, 3, 2), date(2026, 3, 5)
DISMISSAL_CONSENT_DAY, DISMISSAL_DAY = date(2027, 5, 10), date(2027, 5, 12)
NEW_PASSWORD = "ombudsman-password-2026"

# The arguments of each step after (actor, appointment), valid in every respect.
ARGS = {
    "withdraw": (),
    "request_consent": (),
    "grant_consent": ("04-12/345", CONSENT_DAY),
    "refuse_consent": ("04-12/346", CONSENT_DAY, "The candidate has no experience with children."),
    "record_order": ("118-ө", ORDER_DAY),
    "request_dismissal": ("Moved to another post.",),
    "grant_dismissal": ("04-12/400", DISMISSAL_CONSENT_DAY),
    "refuse_dismissal": ("04-12/401", DISMISSAL_CONSENT_DAY, "No grounds for a dismissal."),
    "record_dismissal": ("240-ө", DISMISSAL_DAY),
}
# How an appointment reaches each state: (the state before, the step taken).
PATH = {
    "withdrawn": ("draft", "withdraw"),
    "consent_requested": ("draft", "request_consent"),
    "consent_refused": ("consent_requested", "refuse_consent"),
    "consent_granted": ("consent_requested", "grant_consent"),
    "active": ("consent_granted", "record_order"),
    "dismissal_requested": ("active", "request_dismissal"),
    "dismissal_consented": ("dismissal_requested", "grant_dismissal"),
    "dismissed": ("dismissal_consented", "record_dismissal"),
}
STATES = ("draft", *PATH)


def make_staff():
    """Two akimat administrators of Almaty (75), one of Astana (71), and the national roles."""
    return SimpleNamespace(
        akimat75=gen_user("akimat_admin", "75", name="Akimat 75"),
        akimat75b=gen_user("akimat_admin", "75", email="second.akimat.75@test.kz"),
        akimat71=gen_user("akimat_admin", "71"),
        commissioner=gen_user("commissioner"),
        committee=gen_user("committee"),
        superadmin=gen_user("superadmin"),
        ombudsman75=gen_user("ombudsman", "75", email="sitting.ombudsman.75@test.kz"),
    )


@pytest.fixture
def staff(app_ctx):
    return make_staff()


def actor_for(staff, action, akimat=None):
    """Who takes ``action``: the region's akimat administrator or the Commissioner's office."""
    return staff.commissioner if "commissioner" in TRANSITIONS[action].roles else (akimat or staff.akimat75)


def act(staff, action, appointment, actor=None, akimat=None):
    service.ACTIONS[action](actor or actor_for(staff, action, akimat), appointment, *ARGS[action])


def appointment_in(staff, state, akimat=None, **candidate):
    """A new appointment taken by the right people up to ``state``."""
    if state == "draft":
        akimat = akimat or staff.akimat75
        return service.propose(akimat, akimat.region_code, **{**CANDIDATE, **candidate})
    before, action = PATH[state]
    appointment = appointment_in(staff, before, akimat, **candidate)
    act(staff, action, appointment, akimat=akimat)
    assert appointment.state == state
    return appointment


def refused(error_class, call):
    """Run ``call``; it must raise exactly ``error_class`` with one clear sentence, returned."""
    with pytest.raises(error_class) as caught:
        call()
    assert type(caught.value) is error_class
    with force_locale("en"):
        message = str(caught.value)
    assert re.fullmatch(r"[A-Z][^\n%]{15,}\.", message), message
    return message


def steps(appointment):
    return [(s.action, s.from_state, s.to_state, s.actor_id, s.note) for s in db.session.scalars(
        select(AppointmentStep).where(AppointmentStep.appointment_id == appointment.id)
        .order_by(AppointmentStep.id))]


def audit_rows(object_type, object_id):
    return [(e.action, e.actor_id, e.data) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == object_type,
                                 AuditEvent.object_id == str(object_id)).order_by(AuditEvent.id))]


def outbox(topic):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == topic)
                              .order_by(OutboxMessage.id)).all()


def link_path(body):
    """The one set-password link in an e-mail (written once per language), as a local path."""
    tokens = {t.rstrip(".") for t in re.findall(r"/password/set/([\w.-]+)", body)}
    assert len(tokens) == 1, body
    return f"/password/set/{tokens.pop()}"


def without_link(body):
    return re.sub(r"\S*/password/set/\S*", "", body)


def again(obj):
    """The same row in the current app context's session."""
    return db.session.get(type(obj), obj.id)


# --- 1. the whole path ------------------------------------------------------------------------


def test_whole_path_from_proposal_to_lock_out(app, client, auth):
    with app.app_context():
        staff = make_staff()
        akimat, commissioner = staff.akimat75, staff.commissioner
        appointment = service.propose(akimat, "75", **CANDIDATE)
        assert (appointment.state, appointment.iin, appointment.note) == ("draft", "900101300017", None)
        service.request_consent(akimat, appointment, note="Please consent.")
        service.grant_consent(commissioner, appointment, " 04-12/345 ", CONSENT_DAY, note="Agreed.")
        service.record_order(akimat, appointment, "118-ө", ORDER_DAY)
        db.session.commit()

        assert (appointment.state, appointment.consent_number, appointment.consent_date,
                appointment.order_number, appointment.order_date) == (
            "active", "04-12/345", CONSENT_DAY, "118-ө", ORDER_DAY)
        assert steps(appointment) == [
            ("propose", None, "draft", akimat.id, None),
            ("request_consent", "draft", "consent_requested", akimat.id, "Please consent."),
            ("grant_consent", "consent_requested", "consent_granted", commissioner.id, "Agreed."),
            ("record_order", "consent_granted", "active", akimat.id, None),
        ]
        assert audit_rows("appointment", appointment.id) == [
            ("appointment.propose", akimat.id, {}),
            ("appointment.request_consent", akimat.id,
             {"old_state": "draft", "new_state": "consent_requested"}),
            ("appointment.grant_consent", commissioner.id,
             {"old_state": "consent_requested", "new_state": "consent_granted"}),
            ("appointment.record_order", akimat.id, {"old_state": "consent_granted", "new_state": "active"}),
        ]

        user = appointment.user
        assert (user.email, user.role, user.region_code, user.name, user.is_enabled, user.password_hash) == (
            CANDIDATE["email"], "ombudsman", "75", CANDIDATE["full_name"], True, None)
        assert audit_rows("users", user.id) == [("user.create", akimat.id, {"role": "ombudsman"})]

        [asked] = outbox("appointment.consent_requested")
        assert asked.recipients == sorted([app.config["COMMISSIONER_EMAIL"], commissioner.email])
        assert CANDIDATE["full_name"] in asked.body and "Алматы" in asked.subject
        [granted] = outbox("appointment.consent_granted")
        assert granted.recipients == sorted([akimat.email, staff.akimat75b.email])  # not Astana's
        [access] = outbox("ombudsman_access")
        assert access.recipients == [CANDIDATE["email"]]
        assert (access.object_type, access.object_id) == ("appointment", str(appointment.id))
        assert "48" in without_link(access.body)
        assert app.config["PUBLIC_BASE_URL"] + "/password/set/" in access.body
        link = link_path(access.body)
        appointment_id, user_id = appointment.id, user.id

    # The e-mailed link: set a password once, then log in as the ombudsman.
    page = client.get(link + "?lang=en")
    assert page.status_code == 200 and CANDIDATE["email"] in page.get_data(as_text=True)
    response = client.post(link, data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                       "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    used = client.get(link + "?lang=en")
    assert used.status_code == 400 and "already been used" in used.get_data(as_text=True)
    assert auth.login(CANDIDATE["email"], NEW_PASSWORD).headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get(link).status_code == 400  # still refused while logged in

    # Dismissal: reason required, consent, order; the logged-in ombudsman is out at once.
    with app.app_context():
        appointment = db.session.get(Appointment, appointment_id)
        akimat, commissioner = again(staff.akimat75), again(staff.commissioner)
        assert "reason" in refused(InvalidInput, lambda: service.request_dismissal(akimat, appointment, "  "))
        service.request_dismissal(akimat, appointment, " Moved to another post. ")
        service.grant_dismissal(commissioner, appointment, "04-12/400", DISMISSAL_CONSENT_DAY)
        db.session.commit()
    assert client.get("/admin/").status_code == 200  # in office until the dismissal order
    with app.app_context():
        appointment = db.session.get(Appointment, appointment_id)
        service.record_dismissal(again(staff.akimat75), appointment, "240-ө", DISMISSAL_DAY)
        db.session.commit()

        assert (appointment.state, appointment.dismissal_reason, appointment.dismissal_consent_number,
                appointment.dismissal_consent_date, appointment.dismissal_order_number,
                appointment.dismissal_order_date) == (
            "dismissed", "Moved to another post.", "04-12/400", DISMISSAL_CONSENT_DAY, "240-ө", DISMISSAL_DAY)
        assert steps(appointment)[4:] == [
            ("request_dismissal", "active", "dismissal_requested", akimat.id, "Moved to another post."),
            ("grant_dismissal", "dismissal_requested", "dismissal_consented", commissioner.id, None),
            ("record_dismissal", "dismissal_consented", "dismissed", akimat.id, None),
        ]
        [asked] = outbox("appointment.dismissal_requested")
        assert asked.recipients == sorted([app.config["COMMISSIONER_EMAIL"], commissioner.email])
        [granted] = outbox("appointment.dismissal_consented")
        assert granted.recipients == sorted([akimat.email, staff.akimat75b.email])
        user = db.session.get(User, user_id)
        assert not user.is_enabled
        assert [a for a, *_ in audit_rows("users", user_id)] == [
            "user.create", "user.password", "login.password", "login", "user.disable"]

    response = client.get("/admin/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert auth.login(CANDIDATE["email"], NEW_PASSWORD).status_code == 401


def test_set_password_link_is_valid_for_48_hours(app, client, monkeypatch):
    with app.app_context():
        user = gen_user("ombudsman", "75", email="new.ombudsman@test.kz", password=None)
        tokens = {}
        for hours in (47, 49):
            with monkeypatch.context() as patch:  # the token is signed that many hours ago
                patch.setattr(TimestampSigner, "get_timestamp",
                              lambda self, hours=hours: int(time.time()) - hours * 3600)
                tokens[hours] = password_links.make_token(user)
    assert client.get(f"/password/set/{tokens[47]}").status_code == 200
    expired = client.get(f"/password/set/{tokens[49]}?lang=en")
    assert expired.status_code == 400 and "This link has expired." in expired.get_data(as_text=True)
    # Change a character inside the signature: the last base64 character partly holds
    # padding bits, so changing it may leave the decoded signature the same.
    token = tokens[47]
    forged_token = token[:-5] + ("B" if token[-5] == "A" else "A") + token[-4:]
    forged = client.get(f"/password/set/{forged_token}?lang=en")
    assert forged.status_code == 400 and "This link is not valid." in forged.get_data(as_text=True)


def test_set_password_link_hours_come_from_the_config(app, app_ctx, staff, monkeypatch):
    monkeypatch.setitem(app.config, "SET_PASSWORD_LINK_HOURS", 72)
    appointment_in(staff, "active")
    [access] = outbox("ombudsman_access")
    assert "72" in without_link(access.body) and "48" not in without_link(access.body)


def test_reappointed_ombudsman_is_enabled_again_with_a_new_link(staff):
    first = appointment_in(staff, "dismissed")
    user = first.user
    old_link = link_path(outbox("ombudsman_access")[0].body)
    assert not user.is_enabled

    second = appointment_in(staff, "active", full_name="Айгүл Нұрланова")
    assert second.user is user and user.is_enabled and user.name == "Айгүл Нұрланова"
    assert db.session.scalar(select(db.func.count()).select_from(User).where(User.role == "ombudsman")) == 2
    new_link = link_path(outbox("ombudsman_access")[1].body)
    assert password_links.user_for_token(new_link.rsplit("/", 1)[1]) is user
    message = refused(InvalidInput, lambda: password_links.user_for_token(old_link.rsplit("/", 1)[1]))
    assert "no longer valid" in message


def test_refused_dismissal_keeps_the_ombudsman_in_office(staff):
    appointment = appointment_in(staff, "dismissal_requested")
    service.refuse_dismissal(staff.commissioner, appointment, " 04-12/401 ", DISMISSAL_CONSENT_DAY,
                             " No grounds for a dismissal. ")
    assert appointment.state == "active" and appointment.user.is_enabled
    assert steps(appointment)[-1] == (
        "refuse_dismissal", "dismissal_requested", "active", staff.commissioner.id,
        f"04-12/401 ({DISMISSAL_CONSENT_DAY}): No grounds for a dismissal.")
    [told] = outbox("appointment.dismissal_refused")
    assert told.recipients == sorted([staff.akimat75.email, staff.akimat75b.email])
    act(staff, "request_dismissal", appointment)  # the akimat may ask again
    assert appointment.state == "dismissal_requested"


def test_refused_consent_ends_the_appointment_without_an_account(staff):
    appointment = appointment_in(staff, "consent_refused")
    assert appointment.refusal_reason == ARGS["refuse_consent"][2]
    assert steps(appointment)[-1][-1] == ARGS["refuse_consent"][2]
    [told] = outbox("appointment.consent_refused")
    assert told.recipients == sorted([staff.akimat75.email, staff.akimat75b.email])
    assert appointment.user is None and outbox("ombudsman_access") == []


def test_withdrawn_draft_and_draft_correction(staff):
    appointment = appointment_in(staff, "draft")
    service.update_draft(staff.akimat75, appointment, **{**CANDIDATE, "phone": "+7 702 000 00 00"})
    assert appointment.phone == "+7 702 000 00 00"
    service.withdraw(staff.akimat75, appointment, note="Another candidate.")
    assert steps(appointment)[-1] == ("withdraw", "draft", "withdrawn", staff.akimat75.id, "Another candidate.")


# --- 2. refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_only_the_right_role_and_region_may_take_each_step(staff, action):
    state = sorted(TRANSITIONS[action].sources)[0]
    appointment = appointment_in(staff, state)
    right = actor_for(staff, action)
    wrong = [u for u in (staff.akimat75, staff.commissioner, staff.committee, staff.superadmin,
                         staff.ombudsman75) if u.role != right.role]
    before = steps(appointment)
    for actor in wrong:
        assert "role" in refused(PermissionDenied, lambda: act(staff, action, appointment, actor))
        assert action not in service.allowed_actions(appointment, actor)
    if right.role == "akimat_admin":  # an akimat of another region, for a step of its role
        message = refused(RegionMismatch, lambda: act(staff, action, appointment, staff.akimat71))
        assert "another region" in message
        assert service.allowed_actions(appointment, staff.akimat71) == []
    assert (appointment.state, steps(appointment)) == (state, before)
    assert action in service.allowed_actions(appointment, right)
    act(staff, action, appointment, right)
    assert appointment.state == TRANSITIONS[action].target


@pytest.mark.parametrize("state", STATES)
def test_a_step_is_refused_in_a_state_it_does_not_start_from(staff, state):
    appointment = appointment_in(staff, state)
    before = steps(appointment)
    for action, transition in TRANSITIONS.items():
        if state not in transition.sources:
            message = refused(InvalidInput, lambda: act(staff, action, appointment))
            assert "current state" in message, action
    if state != "draft":
        refused(InvalidInput, lambda: service.update_draft(staff.akimat75, appointment, **CANDIDATE))
    assert (appointment.state, steps(appointment)) == (state, before)


def test_nobody_but_an_akimat_administrator_of_the_region_proposes(staff):
    for actor in (staff.commissioner, staff.committee, staff.superadmin, staff.ombudsman75):
        message = refused(PermissionDenied, lambda: service.propose(actor, "75", **CANDIDATE))
        assert "Only an akimat administrator" in message
    assert "own region" in refused(RegionMismatch, lambda: service.propose(staff.akimat71, "75", **CANDIDATE))
    assert db.session.scalars(select(Appointment)).all() == []


@pytest.mark.parametrize("change, words", [
    ({"iin": "900101300018"}, "IIN is not valid"),  # wrong check digit
    ({"iin": "90010130001"}, "IIN is not valid"),
    ({"email": ""}, "e-mail"),
    ({"email": "aigul.test.kz"}, "e-mail"),
    ({"full_name": "  "}, "full name"),
    ({"email": "AKIMAT_ADMIN.71@test.kz"}, "another staff account"),  # Astana's akimat admin
    ({"email": "committee.kz@test.kz"}, "another staff account"),
    ({"email": "sitting.ombudsman.75@test.kz", "full_name": "x"}, None),  # the same person may return
], ids=["iin check digit", "iin length", "no e-mail", "not an e-mail", "no name", "akimat e-mail",
        "committee e-mail", "own region's ombudsman"])
def test_propose_checks_the_candidate(staff, change, words):
    if words is None:
        assert service.propose(staff.akimat75, "75", **{**CANDIDATE, **change}).state == "draft"
        return
    assert words in refused(InvalidInput, lambda: service.propose(staff.akimat75, "75", **{**CANDIDATE, **change}))
    draft = appointment_in(staff, "draft")
    assert words in refused(InvalidInput, lambda: service.update_draft(staff.akimat75, draft,
                                                                       **{**CANDIDATE, **change}))


def test_an_email_taken_by_staff_after_the_proposal_stops_the_order(staff):
    appointment = appointment_in(staff, "consent_granted")
    gen_user("committee", email=CANDIDATE["email"].upper())
    message = refused(InvalidInput, lambda: act(staff, "record_order", appointment))
    assert "another staff account" in message
    assert appointment.state == "consent_granted" and appointment.user is None
    assert outbox("ombudsman_access") == []


BAD_INPUT = {
    "order without a number": ("consent_granted", "record_order", (" ", ORDER_DAY),
                               "number and date of the akim's order"),
    "order without a date": ("consent_granted", "record_order", ("118-ө", None),
                             "number and date of the akim's order"),
    "order dated before the consent": ("consent_granted", "record_order",
                                       ("118-ө", CONSENT_DAY - timedelta(days=1)),
                                       "cannot be dated before the Commissioner's consent"),
    "order dated the day of the consent": ("consent_granted", "record_order", ("118-ө", CONSENT_DAY), None),
    "consent without a letter number": ("consent_requested", "grant_consent", ("", CONSENT_DAY),
                                        "number and date of the Commissioner's letter"),
    "consent without a letter date": ("consent_requested", "grant_consent", ("04-12/345", None),
                                      "number and date of the Commissioner's letter"),
    "refusal without a reason": ("consent_requested", "refuse_consent", ("04-12/346", CONSENT_DAY, " "),
                                 "A refusal needs a reason."),
    "refusal without a letter": ("consent_requested", "refuse_consent", ("", CONSENT_DAY, "No."),
                                 "number and date of the Commissioner's letter"),
    "dismissal request without a reason": ("active", "request_dismissal", ("",), "A dismissal needs a reason."),
    "dismissal refusal without a reason": ("dismissal_requested", "refuse_dismissal",
                                           ("04-12/401", DISMISSAL_CONSENT_DAY, None), "A refusal needs a reason."),
    "dismissal consent without a letter": ("dismissal_requested", "grant_dismissal", ("04-12/400", None),
                                           "number and date of the Commissioner's letter"),
    "dismissal order without a number": ("dismissal_consented", "record_dismissal", ("", DISMISSAL_DAY),
                                         "number and date of the akim's order"),
    "dismissal order dated before the dismissal consent": (
        "dismissal_consented", "record_dismissal", ("240-ө", DISMISSAL_CONSENT_DAY - timedelta(days=1)),
        "cannot be dated before the Commissioner's consent"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_a_step_with_missing_or_wrong_data_is_refused(staff, case):
    state, action, args, words = BAD_INPUT[case]
    appointment = appointment_in(staff, state)
    call = lambda: service.ACTIONS[action](actor_for(staff, action), appointment, *args)  # noqa: E731
    if words is None:
        call()
        assert appointment.state == TRANSITIONS[action].target
        return
    assert words in refused(InvalidInput, call)
    assert appointment.state == state and steps(appointment)[-1][2] == state


def test_a_second_ombudsman_in_office_is_refused(staff):
    sitting = appointment_in(staff, "dismissal_requested")  # still in office until the order
    successor = appointment_in(staff, "consent_granted", email="successor@test.kz", replacement=True)
    message = refused(RegionHasOmbudsman, lambda: act(staff, "record_order", successor))
    assert "already has an ombudsman in office" in message
    assert successor.state == "consent_granted" and outbox("ombudsman_access")[1:] == []
    act(staff, "grant_dismissal", sitting)
    act(staff, "record_dismissal", sitting)
    act(staff, "record_order", successor)  # once the predecessor is dismissed
    assert successor.state == "active" and successor.user.email == "successor@test.kz"


def test_while_an_ombudsman_is_in_office_only_a_replacement_is_proposed(staff):
    """Guard rail [R4]: refused at the proposal, not three steps later at the akim's order."""
    appointment_in(staff, "active")
    message = refused(RegionHasOmbudsman, lambda: appointment_in(staff, "draft", email="next@test.kz"))
    assert CANDIDATE["full_name"] in message and "replacement" in message
    successor = appointment_in(staff, "draft", email="next@test.kz", replacement=True)
    assert steps(successor)[0][0] == "propose" and "A replacement of" in successor.steps[0].note


def test_the_unique_index_refusal_is_a_typed_error_and_leaves_the_session_usable(staff, monkeypatch):
    """When a racing order slips past the service's own check, the index's refusal is typed."""
    appointment_in(staff, "active")
    successor = appointment_in(staff, "consent_granted", email="successor@test.kz", replacement=True)
    monkeypatch.setattr(service, "_refuse_second_ombudsman", lambda appointment: None)
    message = refused(RegionHasOmbudsman, lambda: act(staff, "record_order", successor))
    assert "already has an ombudsman in office" in message
    db.session.refresh(successor)
    assert (successor.state, successor.order_number) == ("consent_granted", None)
    assert steps(successor)[-1][0] == "grant_consent"
    assert db.session.scalar(select(db.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "appointment.record_order")) == 1  # the first one only
    third = appointment_in(staff, "draft", email="third@test.kz", replacement=True)
    act(staff, "withdraw", third)  # the session still works


# --- 3. the database's own guards ------------------------------------------------------------------


def in_office(region="75", state="active", **values):
    return Appointment(region_code=region, state=state, full_name="Ombudsman", email=f"{region}@test.kz",
                       consent_number="04-12/345", consent_date=CONSENT_DAY, order_number="118-ө",
                       order_date=ORDER_DAY, **values)


def test_database_allows_one_ombudsman_in_office_per_region(app_ctx):
    db.session.add(in_office())
    db.session.flush()
    for state in ("active", "dismissal_requested", "dismissal_consented"):
        with pytest.raises(IntegrityError, match="uq_appointment_one_in_office_per_region"), \
                db.session.begin_nested():
            db.session.add(in_office(state=state))
    with pytest.raises(IntegrityError, match="uq_appointment_one_in_office_per_region"), \
            db.session.begin_nested():
        db.session.execute(text(
            "INSERT INTO appointment (region_code, state, full_name, email, consent_number, consent_date,"
            " order_number, order_date) VALUES ('75', 'active', 'Raw', 'raw@test.kz', '1', '2026-03-02',"
            " '2', '2026-03-05')"))
    # Another region, and ended or pending appointments in the same region, are fine.
    db.session.add_all([in_office("71"), in_office(state="dismissed", dismissal_consent_date=CONSENT_DAY,
                                                   dismissal_order_number="9", dismissal_order_date=ORDER_DAY),
                        Appointment(region_code="75", state="consent_requested", full_name="N", email="n@test.kz")])
    db.session.flush()


@pytest.mark.parametrize("sql", [
    "UPDATE appointment SET state = 'active'",
    "UPDATE appointment SET state = 'active', consent_number = '1', consent_date = '2026-03-02'",
    "UPDATE appointment SET state = 'active', consent_number = '1', consent_date = '2026-03-02',"
    " order_number = '2', order_date = '2026-03-01'",  # the order before the consent
    "UPDATE appointment SET state = 'dismissed', consent_number = '1', consent_date = '2026-03-02',"
    " order_number = '2', order_date = '2026-03-05'",  # no dismissal consent or order
    "UPDATE appointment SET state = 'approved'",
], ids=["no consent or order", "no order", "order before consent", "dismissed without order", "unknown"])
def test_database_refuses_a_state_without_its_data(app_ctx, sql):
    db.session.add(Appointment(region_code="75", state="consent_granted", full_name="N", email="n@test.kz"))
    db.session.flush()
    with pytest.raises(IntegrityError, match="ck_appointment_"), db.session.begin_nested():
        db.session.execute(text(sql))


def test_database_refuses_to_change_or_remove_a_step(staff):
    appointment = appointment_in(staff, "consent_requested")
    for sql in ("UPDATE appointment_step SET note = 'rewritten'", "DELETE FROM appointment_step"):
        with pytest.raises(InternalError, match="appointment_step is append-only"), db.session.begin_nested():
            db.session.execute(text(sql))
    step = db.session.scalars(select(AppointmentStep)).first()
    with pytest.raises(InternalError, match="append-only: UPDATE"), db.session.begin_nested():
        step.note = "rewritten through the ORM"
    db.session.expire_all()
    assert [s[0] for s in steps(appointment)] == ["propose", "request_consent"]


# --- 4. two racing orders --------------------------------------------------------------------------


@pytest.mark.committed
@pytest.mark.parametrize("both_pass_the_check", [True, False], ids=["past the check", "started together"])
def test_two_racing_orders_make_one_ombudsman(app, monkeypatch, both_pass_the_check):
    with app.app_context():
        staff = make_staff()
        ids = [appointment_in(staff, "consent_granted", email=f"candidate{n}@test.kz").id for n in (1, 2)]
        db.session.commit()
    barrier = threading.Barrier(2, timeout=10)
    if both_pass_the_check:  # both see no ombudsman in office; the unique index decides
        check = service._refuse_second_ombudsman
        monkeypatch.setattr(service, "_refuse_second_ombudsman", lambda a: (check(a), barrier.wait()))
    results = {}

    def order(appointment_id):
        try:
            with app.app_context():
                appointment = db.session.get(Appointment, appointment_id)
                akimat = db.session.get(User, staff.akimat75.id)
                if not both_pass_the_check:
                    barrier.wait()
                try:
                    service.record_order(akimat, appointment, f"118-{appointment_id}", ORDER_DAY)
                    db.session.commit()
                    results[appointment_id] = "active"
                except RegionHasOmbudsman as error:
                    db.session.rollback()
                    results[appointment_id] = error
        except Exception as error:  # noqa: BLE001 — reported by the assertion below
            results[appointment_id] = error

    threads = [threading.Thread(target=order, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(t.is_alive() for t in threads), "an order is stuck"
    winners = [i for i in ids if results.get(i) == "active"]
    losers = [i for i in ids if isinstance(results.get(i), RegionHasOmbudsman)]
    assert len(winners) == len(losers) == 1, results
    with app.app_context():
        winner, loser = (db.session.get(Appointment, i) for i in (winners[0], losers[0]))
        assert (winner.state, loser.state) == ("active", "consent_granted")
        assert (loser.order_number, loser.user_id, steps(loser)[-1][0]) == (None, None, "grant_consent")
        assert db.session.scalars(select(User.email).where(User.role == "ombudsman")
                                  .order_by(User.id)).all() == [
            "sitting.ombudsman.75@test.kz", winner.email]
        assert [m.recipients for m in outbox("ombudsman_access")] == [[winner.email]]


# --- 5. the overview by region --------------------------------------------------------------------


def test_region_overview_and_commissioners_order(staff):
    akimat = {code: gen_user("akimat_admin", code) for code in ("55", "47")}
    now = utcnow()
    in_office_75 = appointment_in(staff, "active")
    candidate_75 = appointment_in(staff, "consent_requested", email="next@test.kz", replacement=True)
    asked_71 = appointment_in(staff, "consent_requested", akimat=staff.akimat71, email="astana@test.kz")
    leaving_55 = appointment_in(staff, "dismissal_requested", akimat=akimat["55"], email="pavlodar@test.kz")
    appointment_in(staff, "consent_refused", akimat=akimat["47"], email="aktau@test.kz")
    for appointment, days in ((candidate_75, 1), (asked_71, 3), (leaving_55, 10)):
        appointment.state_changed_at = now - timedelta(days=days, hours=2)
    db.session.flush()

    rows = service.region_overview(now=now)
    by_code = {row["region"].code: row for row in rows}
    assert len(rows) == 20 and [row["region"].code for row in rows] == sorted(by_code)
    assert {code: row["ombudsman"] for code, row in by_code.items() if row["ombudsman"]} == {
        "75": in_office_75, "55": leaving_55}
    pending = {code: [(p["appointment"], p["days_waiting"]) for p in row["pending"]]
               for code, row in by_code.items() if row["pending"]}
    assert pending == {"75": [(candidate_75, 1)], "71": [(asked_71, 3)], "55": [(leaving_55, 10)]}
    assert by_code["47"]["ombudsman"] is None and by_code["47"]["pending"] == []  # refused: vacant

    later = {row["region"].code: row for row in service.region_overview(now=now + timedelta(days=2))}
    assert later["55"]["pending"][0]["days_waiting"] == 12

    order = [row["region"].code for row in service.sort_for_commissioner(rows)]
    assert order[:3] == ["55", "71", "75"]  # the longest wait first
    assert order[3:] == sorted(set(by_code) - {"55", "71", "75"})


# --- 6. the e-mails reach an SMTP server ------------------------------------------------------------


def squeezed(subject):
    return re.sub(r"\s", "", subject)


@pytest.mark.committed
def test_consent_and_decision_emails_reach_the_smtp_server(app, client, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_URL", smtp_server.url)
    with app.app_context():
        akimat = gen_user("akimat_admin", "55")  # Pavlodar: its name differs in Kazakh and Russian
        commissioner = gen_user("commissioner")
        appointment = service.propose(akimat, "55", **CANDIDATE)
        service.request_consent(akimat, appointment)
        db.session.commit()
        service.grant_consent(commissioner, appointment, "04-12/345", CONSENT_DAY)
        db.session.commit()
        service.record_order(akimat, appointment, "118-ө", ORDER_DAY)
        db.session.commit()
        sent = {m.topic: m.subject for m in db.session.scalars(select(OutboxMessage))}
        office = tuple(sorted([app.config["COMMISSIONER_EMAIL"], commissioner.email]))
        akimat_email = akimat.email
        assert notifications.deliver_due() == 3  # its last rollback expires the objects above
        assert set(db.session.scalars(select(OutboxMessage.status))) == {"sent"}
    received = {tuple(m.rcpt_tos): m for m in smtp_server.wait_for(3)}
    assert set(received) == {office, (akimat_email,), (CANDIDATE["email"],)}

    request, decision = received[office], received[(akimat_email,)]
    for message, topic in ((request, "appointment.consent_requested"), (decision, "appointment.consent_granted")):
        kazakh, russian = sent[topic].split(" / ")  # as queued: Kazakh, then Russian
        assert "Павлодар облысы" in kazakh and "Павлодарская область" in russian
        # Spaces aside (see test_subject_arrives_with_its_spaces), the subject arrived as queued.
        assert squeezed(message.subject) == squeezed(sent[topic])
    assert CANDIDATE["full_name"] in request.body and "Павлодарская область" in request.body

    access = received[(CANDIDATE["email"],)]
    page = client.get(link_path(access.body))  # the link as the appointee got it
    assert page.status_code == 200 and CANDIDATE["email"] in page.get_data(as_text=True)


def test_subject_arrives_with_its_spaces(app, staff, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_URL", smtp_server.url)
    appointment_in(staff, "consent_requested")
    [queued] = outbox("appointment.consent_requested")
    assert notifications.deliver_due() == 1
    [received] = smtp_server.wait_for(1)
    assert received.subject == queued.subject
