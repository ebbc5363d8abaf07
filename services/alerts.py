"""Every alert to staff and partner organizations, and how it travels: e-mail, SMS, Telegram.

``CATALOGUE`` names each alert: the event, who receives it, what it says (an English
message id, sent in Kazakh and Russian), and whether it is urgent. ``raise_alert`` composes
and queues one; nothing else writes an alert's text. (A message to one person's own
address, such as the reporter's notice or a password link, is an e-mail, not an alert.)

[R10.1] has a violation brought to the Commissioner, the Committee and the akim at once
"by operational means (mobile or electronic)". Each recipient is a ``recipients.Contact``:
the addresses it has (e-mail, a mobile number, a Telegram chat) and the channel it prefers.
An ordinary alert goes by the preferred channel (e-mail when that one is missing or
not configured); an urgent one (``every_channel``) by every channel the recipient has.
E-mail carries the full text, as one message to all its recipients; SMS and Telegram
carry only the short text (the case number, the region, "a child in danger" when so,
and a link: nothing personal), one message per address. Each is queued in the outbox
in the caller's transaction and delivered, retried and recorded per channel.
"""
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable

from core.formats import N_, bilingual, bilingual_subject
from services.links import public_url
from services import notices, notifications, recipients


def send(to, subject, body, short=None, topic=None, obj=None, dedupe_key=None, every_channel=False):
    """Queue an alert to ``to`` (Contacts, or plain e-mail addresses); return its first
    message (the e-mail when there is one), or None when nothing was queued.

    ``short`` is what SMS and Telegram carry (by default the subject and a link to ``obj``).
    With a ``dedupe_key`` already used nothing is queued again, on any channel: each
    channel and address has its own key derived from it.
    """
    by_channel = defaultdict(set)
    for contact in to:
        contact = recipients.Contact(email=contact) if isinstance(contact, str) else contact
        for channel, address in contact.addresses(every_channel):
            by_channel[channel].add(address)
    queued = [notifications.queue_email(by_channel.pop("email", ()), subject, body, topic=topic,
                                        obj=obj, dedupe_key=dedupe_key)]
    text = short or short_text(subject, obj)
    for channel, addresses in sorted(by_channel.items()):
        for address in sorted(addresses):
            queued.append(notifications.queue_message(
                channel, address, text, topic=topic, obj=obj,
                dedupe_key=dedupe_key and f"{dedupe_key}:{channel}:{address}"))
    return next((message for message in queued if message is not None), None)


def short_text(subject, obj):
    """The subject and a link to what it is about, for SMS and Telegram."""
    link = link_to(obj)
    return f"{subject} {link}" if link else subject


def case_text(case):
    """[R10.1] what SMS and Telegram say of a case: its number, its region, whether a child is
    in danger, and the link; in Kazakh and Russian, in at most three SMS parts."""
    message = (N_("Case %(number)s, %(region)s: a child in danger.") if case.danger_now else
               N_("Case %(number)s, %(region)s: a child's rights violated."))
    return f"{bilingual_subject(message, number=case.registration_number, region=case.region)} {link_to(case)}"


# Where each kind of object is opened: a case by its short link (it must fit in an SMS).
_PAGES = {"appointment": "/admin/appointment/details/?id={}", "year_plan": "/admin/year_plan/details/?id={}",
          "cases": "/c/{}"}


def link_to(obj):
    """The staff page of ``obj`` (a checklist item's: its case's), as a full address."""
    if obj is None:
        return ""
    if obj.__tablename__ == "checklist_item":
        obj = obj.case
    page = _PAGES.get(obj.__tablename__)
    if page is None:
        return ""
    return public_url(page.format(obj.id))


# --- the catalogue -------------------------------------------------------------------------

_NEW_CASE_BODY = N_("A new case %(number)s was received in %(region)s. Open it in the system: %(link)s")
_REPORT_BODY = N_("The regional ombudsman of %(region)s submitted the half-year report for "
                  "%(period)s (version %(version)s). Read it: %(link)s")


@dataclass(frozen=True)
class Alert:
    """One kind of alert: its outbox topic, its recipients (from the region's code), its text
    (``compose(**values) -> (subject, body)``), and whether it is urgent (every channel)."""

    topic: str
    to: Callable
    compose: Callable
    urgent: bool = False


def _text(subject, body):
    """A fixed subject and body, filled with the event's values, in Kazakh and Russian."""
    return lambda **values: (bilingual_subject(subject, **values), bilingual(body, **values))


def _violation(rule, identities=False):
    """An official notice of [R10.1] or [R10.3] (services.notices)."""
    return lambda case, **values: notices.violation_notice(case, rule, identities=identities)


def _commissioner(_region_code):
    return recipients.commissioner_office()


def _ombudsman_and_commissioner(region_code):
    return recipients.ombudsman(region_code) + recipients.commissioner_office()


def _overdue_watchers(region_code):
    return _ombudsman_and_commissioner(region_code) + recipients.akimat(region_code)


def _guardianship_and_police(region_code):
    return recipients.organizations(region_code, ("guardianship", "police"))


CATALOGUE = {
    # [R10.1], [R10.3]: the official notices, by every channel; done at the first delivery
    "alert.R10.1": Alert("alert.R10.1", recipients.national_and_akim, _violation("R10.1"), urgent=True),
    "alert.R10.3": Alert("alert.R10.3", _guardianship_and_police, _violation("R10.3", identities=True),
                         urgent=True),
    # a new case; urgent when a child is in danger now [R6.2]
    "case.new": Alert("case.new", recipients.ombudsman, _text(
        N_("New case %(number)s, %(region)s"),
        _NEW_CASE_BODY)),
    "case.new_urgent": Alert("case.new", _ombudsman_and_commissioner, _text(
        N_("URGENT: new case %(number)s, %(region)s"),
        _NEW_CASE_BODY), urgent=True),
    "case.message": Alert("case.message", recipients.ombudsman, _text(
        N_("New message on case %(number)s"),
        N_("The reporter added a message to case %(number)s. Open it in the system: %(link)s"))),
    # reminders and the daily digest of what is overdue (services.escalation)
    "reminder.item": Alert("reminder", recipients.ombudsman, _text(
        N_("Reminder: case %(number)s, an item is due soon"),
        N_("“%(what)s” of case %(number)s is due on %(due)s at %(time)s (Almaty time)."))),
    "reminder.answer": Alert("reminder", recipients.ombudsman, _text(
        N_("Reminder: case %(number)s is due soon"),
        N_("The answer to case %(number)s is due on %(due)s."))),
    "reminder.forward": Alert("reminder", recipients.ombudsman, _text(
        N_("Reminder: case %(number)s, take it up or forward it"),
        N_("Case %(number)s has not been started. If it is outside the office's competence, "
           "forward it by %(due)s."))),
    "digest": Alert("digest", recipients.ombudsman, notices.overdue_digest),
    "digest.escalated": Alert("digest", _overdue_watchers, notices.overdue_digest),
    # [R4] appointing and dismissing the ombudsman
    "appointment.consent_requested": Alert("appointment.consent_requested", _commissioner, _text(
        N_("Consent requested: appointment of the children's ombudsman of %(region)s"),
        N_("The akimat of %(region)s asks the Commissioner's consent to appoint %(name)s as the "
           "regional children's ombudsman. Open the appointment in the system to decide."))),
    "appointment.consent_granted": Alert("appointment.consent_granted", recipients.akimat, _text(
        N_("Consent granted: appointment of the children's ombudsman of %(region)s"),
        N_("The Commissioner consented to the appointment of %(name)s. Record the akim's order "
           "in the system to make the appointment active."))),
    "appointment.consent_refused": Alert("appointment.consent_refused", recipients.akimat, _text(
        N_("Consent refused: appointment of the children's ombudsman of %(region)s"),
        N_("The Commissioner refused consent to the appointment of %(name)s."))),
    "appointment.dismissal_requested": Alert("appointment.dismissal_requested", _commissioner, _text(
        N_("Consent requested: dismissal of the children's ombudsman of %(region)s"),
        N_("The akimat of %(region)s asks the Commissioner's consent to dismiss %(name)s. "
           "Open the appointment in the system to decide."))),
    "appointment.dismissal_consented": Alert("appointment.dismissal_consented", recipients.akimat, _text(
        N_("Consent granted: dismissal of the children's ombudsman of %(region)s"),
        N_("The Commissioner consented to the dismissal of %(name)s. Record the akim's "
           "dismissal order in the system."))),
    "appointment.dismissal_refused": Alert("appointment.dismissal_refused", recipients.akimat, _text(
        N_("Consent refused: dismissal of the children's ombudsman of %(region)s"),
        N_("The Commissioner refused consent to dismiss %(name)s, who stays in office."))),
    # [R6.1] the year plan
    "year_plan.sent": Alert("year_plan.sent", _commissioner, _text(
        N_("Year plan for agreement: %(region)s, %(year)s"),
        N_("The children's ombudsman of %(region)s sent the plan for %(year)s for the "
           "Commissioner's agreement. Open the plan in the system to agree or return it."))),
    "year_plan.agreed": Alert("year_plan.agreed", recipients.region_staff, _text(
        N_("Year plan agreed: %(region)s, %(year)s"),
        N_("The Commissioner agreed the plan of %(region)s for %(year)s. Record its approval "
           "in the system (due by 30 December of the year before)."))),
    "year_plan.returned": Alert("year_plan.returned", recipients.region_staff, _text(
        N_("Year plan returned with remarks: %(region)s, %(year)s"),
        N_("The Commissioner returned the plan of %(region)s for %(year)s with remarks: "
           "%(remarks)s"))),
    # [R6.5] unimpeded access refused or obstructed: the Commissioner's office at once
    "visit.access_impeded": Alert("visit.access_impeded", _commissioner, _text(
        N_("Access refused or obstructed on a visit: %(region)s"),
        N_("The children's ombudsman of %(region)s was refused access, or obstructed, on a visit "
           "to %(organization)s on %(day)s.\n\nBy whom: %(by)s\nWhat was refused: %(what)s\n"
           "Legal basis they cited: %(basis)s\n\nOpen the visit: %(link)s")), urgent=True),
    # [R6.4] recommendations on legislation, to the Commissioner and back
    "recommendation.sent": Alert("recommendation.sent", _commissioner, _text(
        N_("Recommendation on legislation: %(region)s"),
        N_("The children's ombudsman of %(region)s submitted a recommendation on improving "
           "legislation:\n\n%(text)s\n\nRecord the answer in the system: %(link)s"))),
    "recommendation.answered": Alert("recommendation.answered", recipients.region_staff, _text(
        N_("The Commissioner answered a recommendation: %(region)s"),
        N_("The Commissioner's office answered the recommendation on legislation of %(region)s: "
           "%(outcome)s.\n\n%(note)s\n\nThe recommendation: %(text)s\n\n%(link)s"))),
    # [R8] the half-year report
    "half_year_report.submitted": Alert("half_year_report", recipients.national_and_akim, _text(
        N_("Half-year report submitted: %(region)s, %(period)s"), _REPORT_BODY)),
    "half_year_report.corrected": Alert("half_year_report", recipients.national_and_akim, _text(
        N_("Half-year report corrected: %(region)s, %(period)s, version %(version)s"), _REPORT_BODY)),
    "half_year_report.returned": Alert("half_year_report.returned", recipients.region_staff, _text(
        N_("Half-year report returned with remarks: %(region)s, %(period)s"),
        N_("The Commissioner's office returned version %(version)s of the half-year report of "
           "%(region)s for %(period)s with remarks:\n\n%(remarks)s\n\nSubmit a corrected version: %(link)s"))),
    "half_year_report.accepted": Alert("half_year_report.accepted", recipients.region_staff, _text(
        N_("Half-year report accepted: %(region)s, %(period)s"),
        N_("The Commissioner's office accepted version %(version)s of the half-year report of "
           "%(region)s for %(period)s. %(remarks)s\n\n%(link)s"))),
    # [R12] the audit log's checksum of the day before (services.audit_chain)
    "audit_head": Alert("audit_head", _commissioner, _text(
        N_("Audit log checksum for %(day)s"),
        N_("The checksum of the audit log at the end of %(day)s:\n\n%(checksum)s\n\n"
           "Keep this message. The audit log screen shows the checksum of every day; if the "
           "one for this day ever differs from this message, the log was changed after the "
           "message was sent."))),
}


def raise_alert(event, region_code, obj=None, short=None, dedupe_key=None, **values):
    """Compose the catalogue's alert ``event`` and queue it to its recipients in the region;
    return its first message, or None (nobody to tell, or queued before)."""
    alert = CATALOGUE[event]
    subject, body = alert.compose(**values)
    return send(alert.to(region_code), subject, body, short=short, topic=alert.topic, obj=obj,
                dedupe_key=dedupe_key, every_channel=alert.urgent)
