"""Cases sent and followed by a partner's system through the API [R7], [R6.2].

A case sent by the 111 line, an e-Otinish operator or a partner organization is created
exactly as a case entered by staff from another channel (``services.cases.submit_case``):
registered at once, its terms, [R10] checklist and alerts started. The partner stands where
the staff member would: it records the reporter's consent to the processing of personal
data it passes on (Law No. 94-V), and when the case arrived. An ``Idempotency-Key`` makes a
retried request give the first one's case, never a second.

What the partner reads back is what the reporter reads at /status: the state, the due date
and the office's answers meant for the reporter; never staff names, internal notes, nor a
case another token sent.
"""
import hashlib
import json

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from core.errors import DomainError, InvalidInput, NotFound
from extensions import db
from models import ApiIdempotencyKey, Case
from models.case import CASE_STATE_LABELS
from services import api_tokens
from services.cases import STATE_EXPLANATIONS, ConsentRequired, has_personal_data, reporter_messages, submit_case
from services.questionnaires import validate_answers, version_for_region


class KeyReused(DomainError):
    """The Idempotency-Key was used before with another request body."""


class CaseNotFound(NotFound):
    """No case of this token has this registration number."""


def request_digest(body):
    """SHA-256 of a request's JSON body, keys sorted: the same request sent again matches."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def create(token, body, idempotency_key):
    """The case ``body`` describes, sent with ``token``: (Case, created). A key already used
    with the same body gives its case again (created False); with another body, KeyReused.
    The caller commits."""
    api_tokens.require_scope(token, "cases:create")
    digest = request_digest(body)
    earlier = _earlier(token, idempotency_key, digest)
    if earlier is not None:
        return earlier, False
    api_tokens.require_region(token, body["region"])
    report, children, consent = _report(body, token.organization), body["children"], body.get("consent", False)
    if not consent and has_personal_data(report, children):  # Law No. 94-V, as staff entry records it
        raise ConsentRequired(_l("Names, an IIN or contacts were given: record the reporter's consent, "
                                 "or leave them out."))
    version = version_for_region(body["region"])
    case, _code = submit_case(report, children, _answers(version, body.get("answers") or {}), version=version,
                              consent=consent, received_at=body.get("received_at"), api_token=token)
    if not _keep_key(token, idempotency_key, digest, case):
        # The same key was sent twice at once: the other request made the case first.
        db.session.rollback()
        return _earlier(token, idempotency_key, digest), False
    return case, True


def _earlier(token, key, digest):
    """The case an earlier request with ``key`` created, or None; KeyReused for another body."""
    kept = db.session.scalar(select(ApiIdempotencyKey).where(
        ApiIdempotencyKey.token_id == token.id, ApiIdempotencyKey.key == key))
    if kept is None:
        return None
    if kept.request_digest != digest:
        raise KeyReused(_l("This Idempotency-Key was already used for another request. "
                           "Use a new key for a new case."))
    return db.session.get(Case, kept.case_id)


def _keep_key(token, key, digest, case):
    """Keep the key with the case; False when a concurrent request kept it first."""
    kept = db.session.execute(insert(ApiIdempotencyKey).values(
        token_id=token.id, key=key, request_digest=digest, case_id=case.id)
        .on_conflict_do_nothing().returning(ApiIdempotencyKey.id)).first()
    return kept is not None


def _report(body, partner):
    """The Case fields of a request, as the staff entry form gives them. The body that sent
    it on is the partner, unless the request names another (staff see where it came from)."""
    reporter = body.get("reporter") or {}
    language = body.get("language", "kk")
    sender = body.get("sender") or partner.localized_name(language)
    return {"region_code": body["region"], "channel": body["channel"], "language": language,
            "kind": body["kind"], "incoming_number": body.get("incoming_number"), "sender": sender,
            "complaint_target": body.get("complaint_target") if body["kind"] == "complaint" else None,
            "categories": list(body["categories"]), "description": body["description"].strip(),
            "occurred_when": body.get("occurred_when"), "occurred_where": body.get("occurred_where"),
            "responsible": body["responsible"], "responsible_details": body.get("responsible_details"),
            "danger_now": bool(body.get("danger_now")), "reporter_type": reporter.get("type"),
            "reporter_name": reporter.get("name"), "reporter_phone": reporter.get("phone"),
            "reporter_email": reporter.get("email")}


def _answers(version, given):
    """The extra answers given, checked against the region's questions. As at staff entry,
    a question left out is not required; a question the region does not ask is refused."""
    definition = version.definition if version else None
    known = {question["key"] for question in (definition or {}).get("questions", [])}
    unknown = sorted(set(given) - known)
    if unknown:
        raise InvalidInput(_l("The region asks no question %(key)s.", key=unknown[0]))
    answers, errors = validate_answers(definition, given)
    errors = {key: error for key, error in errors.items() if key in given}
    if errors:
        key, error = next(iter(errors.items()))
        raise InvalidInput(f"{key}: {error}")
    return answers


def find(token, registration_number):
    """The case of this token with ``registration_number``; CaseNotFound for any other
    (another token's case is not found either: its existence is not given away)."""
    api_tokens.require_scope(token, "cases:read")
    case = db.session.scalar(select(Case).where(Case.registration_number == registration_number,
                                                Case.api_token_id == token.id))
    if case is None:
        raise CaseNotFound(_l("No case with this number was sent with this token."))
    return case


def partner_view(case):
    """What the partner may read of its case: what the reporter reads at /status."""
    return {
        "registration_number": case.registration_number,
        "region": case.region_code,
        "state": case.state,
        "state_label": str(CASE_STATE_LABELS[case.state]),
        "state_explanation": str(STATE_EXPLANATIONS[case.state]),
        "received_at": case.received_at,
        "due_on": case.deadline,
        "answered_at": case.answered_at,
        "closed_at": case.closed_at,
        "messages": [{"sent_at": message.created_at, "from_reporter": message.from_reporter,
                      "final_answer": message.is_final_answer, "text": message.body}
                     for message in reporter_messages(case)],
    }

