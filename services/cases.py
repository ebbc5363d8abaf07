"""Cases: appeals and complaints about a child's rights [R6.2].

``submit_case`` takes a report from the public form (or from staff, for other
channels) and, in the caller's transaction, creates the case with its children,
answers and files, gives it a gapless registration number and a receipt code, and
queues the alerts: to the ombudsman of the region, and when the child is in danger now
also to the Commissioner's office [R10.1]. Nothing is committed here: a failure
anywhere leaves no half-saved case. Files are read, checked and cleaned
(``services.files.check_upload``) before anything is written, so the slow part is never
done while the region's counter row is locked.
"""
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, text

from extensions import db
from models import Case, CaseAttachment, CaseChild, CaseMessage, Region
from models.base import utcnow
from models.case import CATEGORIES, KINDS, PUBLIC_KINDS, REPORTER_TYPES, RESPONSIBLE, SEXES
from services.links import public_url
from services import alerts, audit, case_workflow, terms
from core.errors import InvalidInput
from services.files import PUBLIC_TYPES, check_upload, save_file
from services.deadlines import KZ_TZ
from core.iin import age_flag, is_valid_iin, normalize_iin
from core.receipts import new_receipt_code, receipt_hash

MAX_ATTACHMENTS = 5
MAX_MESSAGE = 5000
MAX_RECEIPT_AGE = timedelta(days=366)
CHILD_FIELDS = ("age", "birth_year", "sex", "name", "iin", "school")
PUBLIC_TYPES_MESSAGE = _l("This file type is not accepted. Send PDF, JPEG, PNG, DOCX, MP3, M4A, OGG or MP4 files.")

# What each state means, for the reporter at /status: one plain line each [R3, transparency].
STATE_EXPLANATIONS = {
    "received": _l("Your report has arrived. The ombudsman's office will look at it soon."),
    "registered": _l("Your report is registered. The ombudsman's office is checking what happened."),
    "in_progress": _l("The ombudsman's office is working on your report."),
    "answered": _l("The ombudsman's office has answered you. Read the messages below."),
    "closed": _l("The work on your report is finished."),
    "forwarded": _l("Your report was sent to another body that can deal with it. "
                    "The messages below say which one."),
    "rejected": _l("The ombudsman cannot deal with this report. The messages below say why."),
    "withdrawn": _l("The report was withdrawn."),
}


# [R6.2]: a complaint is about a decision, action or inaction of a local executive body,
# an organization or an official; any other report of a violation is an appeal.
COMPLAINT_ABOUT = ("education_org", "health_org", "social_org", "local_executive")
UNSORTED_CATEGORY = "other"   # a public report whose reporter chose no category


def public_kind(responsible, details=None):
    """(kind, complaint_target) of a public report [R6.2], read from "who did something
    wrong?": the reporter, often a child, is not asked to tell an appeal from a complaint.
    A complaint names its target: what the reporter wrote about them, else the kind of body
    they chose. Staff correct both at registration (admin/case_corrections.py)."""
    if responsible not in COMPLAINT_ABOUT:
        return "appeal", None
    return "complaint", (details or "").strip() or str(RESPONSIBLE[responsible])


class ConsentRequired(InvalidInput):
    """Personal data was given without consent to its processing."""


class AttachmentRefused(InvalidInput):
    """A file sent with a report or a message was refused (type, size, unreadable)."""


def next_registration_number(region_code, year):
    """``<region>-<year>-<sequence>``, without gaps: the counter row is locked until the
    transaction ends, and a rollback gives the number back."""
    sequence = db.session.execute(text(
        "INSERT INTO case_counter (region_code, year, last) VALUES (:region, :year, 1) "
        "ON CONFLICT (region_code, year) DO UPDATE SET last = case_counter.last + 1 "
        "RETURNING last"), {"region": region_code, "year": year}).scalar_one()
    return f"{region_code}-{year}-{sequence:06d}"


def _check_report(report, children, kinds):
    if db.session.get(Region, report.get("region_code") or "") is None:
        raise InvalidInput(_l("Choose a region."))
    if report.get("kind") not in kinds:
        raise InvalidInput(_l("Choose what you are reporting."))
    if report["kind"] == "complaint" and not (report.get("complaint_target") or "").strip():
        # [R6.2]: a complaint is against a decision, action or inaction of someone named.
        raise InvalidInput(_l("Say which body, organization or official the complaint is about."))
    if not report.get("categories") or not set(report["categories"]) <= set(CATEGORIES):
        raise InvalidInput(_l("Choose at least one category."))
    if report.get("responsible") not in RESPONSIBLE:
        raise InvalidInput(_l("Say who is responsible, or choose “I do not know”."))
    if report.get("reporter_type") and report["reporter_type"] not in REPORTER_TYPES:
        raise InvalidInput(_l("Choose who you are."))
    if not 20 <= len(report.get("description") or "") <= 10000:
        raise InvalidInput(_l("The description must be 20 to 10,000 characters long."))
    if not children:
        raise InvalidInput(_l("Tell us about at least one child."))
    for child in children:
        if child.get("age") is None and child.get("birth_year") is None:
            raise InvalidInput(_l("Give each child's age or year of birth."))
        if child.get("iin") and not is_valid_iin(child["iin"]):
            raise InvalidInput(_l("The IIN is not valid: check the 12 digits."))
        if child.get("sex", "unspecified") not in SEXES:
            raise InvalidInput(_l("Choose the child's sex or “not specified”."))


def flag_iin(child, received_at):
    """Mark a child whose IIN says they were an adult, or another age, when the case arrived:
    accepted, with a warning to the reporter and a flag for staff (core.iin.age_flag)."""
    child.iin_flag = age_flag(child.iin, child.age, child.birth_year, received_at.astimezone(KZ_TZ).date())
    return child


def has_personal_data(report, children):
    """True when a report names someone: a child's name or IIN, or the reporter's name,
    phone or e-mail. Only then is consent to processing asked for (Law No. 94-V); an
    anonymous report about a child in danger needs none (KZ-FACTS.md, "Personal data")."""
    return any(report.get(k) for k in ("reporter_name", "reporter_phone", "reporter_email")) or any(
        child.get("name") or child.get("iin") for child in children)


def check_consent(report, children, consent):
    """A public report that names anyone needs consent to the processing of personal data
    (Law No. 94-V); raise ConsentRequired otherwise."""
    if not consent and has_personal_data(report, children):
        raise ConsentRequired(_l("You gave a name, an IIN or contacts: please agree to the processing "
                                 "of personal data (tick the box), or remove them."))


def _checked_uploads(uploads):
    """Every upload read, checked and cleaned (CleanFile), nothing written yet; at most
    MAX_ATTACHMENTS. AttachmentRefused names the file refused."""
    uploads = [u for u in uploads if u is not None and getattr(u, "filename", None)]
    if len(uploads) > MAX_ATTACHMENTS:
        raise AttachmentRefused(_l("You can attach at most %(n)s files.", n=MAX_ATTACHMENTS))
    try:
        return [check_upload(upload, allowed=PUBLIC_TYPES, message=PUBLIC_TYPES_MESSAGE) for upload in uploads]
    except InvalidInput as error:
        raise AttachmentRefused(str(error)) from None


def _attach(case, checked, actor=None, message=None):
    """Store one checked upload (CleanFile) on ``case`` (and ``message``)."""
    stored = save_file(checked, case.region_code, actor)
    attachment = CaseAttachment(file=stored, from_reporter=actor is None, message=message)
    case.attachments.append(attachment)
    return attachment


def submit_case(report, children, answers=None, uploads=(), version=None, actor=None, consent=False,
                received_at=None, api_token=None):
    """Create a case from a checked report; return (case, receipt_code).

    ``report`` holds the Case fields, ``children`` a list of dicts of CaseChild fields,
    ``answers`` the validated extra answers of questionnaire ``version``, ``uploads``
    Werkzeug files. The receipt code is returned once and stored only as a hash.
    A public report (no ``actor``) that names anyone needs ``consent`` (Law No. 94-V).
    A case entered from another channel, by staff (``actor``) or by a partner's system
    through the API (``api_token``), may be of any kind; whoever enters it checks the
    consent they record, and gives ``received_at``, when it arrived (its terms count from
    then), if not just now.
    """
    entered = actor is not None or api_token is not None
    _check_report(report, children, KINDS if entered else PUBLIC_KINDS)
    personal = has_personal_data(report, children)
    if not entered:
        check_consent(report, children, consent)
    files = _checked_uploads(uploads)  # before the counter's lock below
    now = utcnow()
    received_at = _received_at(received_at, now) if entered else now
    code = new_receipt_code()
    # The number last: its counter row stays locked until the commit.
    case = Case(**report, received_at=received_at, answers=answers or {}, questionnaire_version=version,
                receipt_hash=receipt_hash(code), urgent=bool(report.get("danger_now")),
                registration_number=next_registration_number(report["region_code"], now.year),
                entered_by_id=getattr(actor, "id", None), api_token_id=getattr(api_token, "id", None))
    terms.set_due_dates(case)
    if personal and consent:
        case.consent_given_at = now
    for child in children:
        values = {k: child.get(k) for k in CHILD_FIELDS}
        values["iin"] = normalize_iin(values["iin"]) or None
        case.children.append(flag_iin(CaseChild(**values), received_at))
    db.session.add(case)
    db.session.flush()
    for checked in files:
        _attach(case, checked, actor)
    audit.record("case.submit", actor=actor, obj=case, channel=case.channel, urgent=case.urgent,
                 **({"token": api_token.label} if api_token else {}))
    # Registered at once: [R10.1] says "immediately", so its alerts leave with this commit.
    case_workflow.register(case, actor)
    _alert_new_case(case)
    return case, code


def _received_at(received_at, now):
    """When a case entered by staff arrived: not in the future, nor over a year ago."""
    received_at = received_at or now
    if received_at > now:
        raise InvalidInput(_l("The date received cannot be in the future."))
    if received_at < now - MAX_RECEIPT_AGE:
        raise InvalidInput(_l("The date received is more than a year ago: check it."))
    return received_at


def _staff_link(case):
    """The case's page in the admin, for staff e-mails."""
    return public_url(f"/admin/case/details/?id={case.id}")


def _alert_new_case(case):
    """The ombudsman of the region learns of every new case; the Commissioner's office
    too when the child is in danger now, then by every channel they have [R10.1]. No child's
    identity goes into an e-mail, an SMS or a Telegram message."""
    alerts.raise_alert("case.new_urgent" if case.urgent else "case.new", case.region_code, obj=case,
                       short=alerts.case_text(case), number=case.registration_number,
                       region=case.region, link=_staff_link(case))


def find_by_receipt(code):
    """The case a receipt code opens, or None."""
    return db.session.scalar(select(Case).where(Case.receipt_hash == receipt_hash(code)))


def add_reporter_message(case, body, uploads=()):
    """The reporter adds information at /status with the receipt code, without an account
    [R3: accessibility, transparency]; up to 5 files, checked and cleaned like the report's,
    all before the message is written.

    The ombudsman of the region is told by e-mail, without the message's content (it may
    name a child). Only flushes: the caller commits, so a refused file saves nothing.
    """
    body = (body or "").strip()
    if not 1 <= len(body) <= MAX_MESSAGE:
        raise InvalidInput(_l("Write a message of 1 to %(n)s characters.", n=MAX_MESSAGE))
    files = _checked_uploads(uploads)
    message = CaseMessage(case=case, from_reporter=True, body=body)
    db.session.add(message)
    db.session.flush()
    for checked in files:
        _attach(case, checked, message=message)
    audit.record("case.reporter_message", obj=case, message_id=message.id, files=len(files))
    alerts.raise_alert("case.message", case.region_code, obj=case, number=case.registration_number,
                       link=_staff_link(case))
    db.session.flush()
    return message


def reporter_attachment(case, attachment_id):
    """A file of the message exchange on ``case`` the reporter may download, or None.

    Only files sent with messages the reporter can read (the office's answers and the
    reporter's own); files kept on the case itself or on internal notes are internal."""
    attachment = db.session.get(CaseAttachment, attachment_id)
    if attachment is None or attachment.case_id != case.id or attachment.message_id is None \
            or attachment.message.internal:
        return None
    return attachment


def reporter_messages(case):
    """What the reporter reads at /status: every message except the office's internal notes."""
    return [message for message in case.messages if not message.internal]
