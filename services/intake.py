"""Guards of the public form and of /status.

The form must stay open to anyone, a child included [R3: accessibility], so there is no
CAPTCHA. Robots are kept out by a honeypot field, a minimum time to fill the form (a
signed, unique start token put in the form when it is shown: it expires after a day and
sends one report only), and a per-address limit on reports sent; receipt codes cannot be
guessed because wrong codes are counted per address.
"""
import hashlib
import hmac
import secrets
import time
from datetime import datetime, timedelta, timezone

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from itsdangerous import BadSignature, TimestampSigner
from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert

from extensions import db
from models import Case, UsedFormToken
from services import settings
from services.cases import find_by_receipt
from core.errors import DomainError, InvalidInput
from core.receipts import normalize_receipt
from core.throttle import Throttle


class Refused(DomainError):
    """The report looks automated; it is shown again, nothing saved."""


class Throttled(DomainError):
    """Too many attempts from one address; ``str(error)`` says how long to wait."""


class WrongReceipt(InvalidInput):
    """The code opens no case."""


MAX_FORM_AGE = 24 * 3600  # seconds a shown form may wait before it is sent


def _signer(secret_key=None):
    return TimestampSigner(secret_key or current_app.secret_key, salt="public-report-started")


def started_token():
    """A signed timestamp for a freshly shown form, unique to it."""
    return start_token_for(current_app.secret_key)


def start_token_for(secret_key, shown_at=None):
    """A start token signed with ``secret_key``, as if the form was shown at ``shown_at`` (epoch
    seconds, now by default): the benchmark mints one per report, as many browsers would."""
    signer = _signer(secret_key)
    if shown_at is not None:
        signer.get_timestamp = lambda: int(shown_at)
    return signer.sign(f"report:{secrets.token_hex(8)}").decode()


def token_is_fresh(token):
    """True for a valid start token younger than a day."""
    elapsed = seconds_since_start(token)
    return elapsed is not None and elapsed <= MAX_FORM_AGE


def claim_once(key):
    """True the first time ``key`` is claimed: it is kept (as a hash) in the caller's
    transaction, so a form sent twice acts once. The caller commits, or rolls back and frees it."""
    taken = db.session.execute(insert(UsedFormToken).values(token_hash=hashlib.sha256(key.encode()).hexdigest())
                               .on_conflict_do_nothing().returning(UsedFormToken.token_hash)).first()
    return taken is not None


def use_start_token(token):
    """A form sends one report: its token is claimed with the report's transaction, and a
    second report with it is refused."""
    if not claim_once(token):
        raise Refused(_l("This form was already sent: your report is registered. To send another "
                         "report, open the form again."))


def forget_used_tokens():
    """Used start tokens older than any form that could still be sent are no longer kept
    (run by the scheduler with the deadlines); returns how many went."""
    cutoff = datetime.now(timezone.utc) - timedelta(seconds=2 * MAX_FORM_AGE)
    return db.session.execute(delete(UsedFormToken).where(UsedFormToken.used_at < cutoff)).rowcount


def seconds_since_start(token):
    """Seconds since ``token`` was made, or None when it is missing or forged."""
    try:
        _value, signed_at = _signer().unsign(token or "", return_timestamp=True)
    except (BadSignature, ValueError, TypeError, UnicodeError):
        return None
    return time.time() - signed_at.timestamp()


def check_not_a_robot(honeypot, token):
    """Refuse a report whose hidden field was filled, or sent sooner than
    ``MIN_FILL_SECONDS`` after the form was shown (or with no valid timestamp)."""
    if honeypot:
        raise Refused(_l("We could not accept this report. Please check it and send it again."))
    elapsed = seconds_since_start(token)
    if elapsed is not None and elapsed > MAX_FORM_AGE:
        raise Refused(_l("The form was open for more than a day, so it had to be renewed. Your answers "
                         "are kept below: please check them and send the form again."))
    if elapsed is None or elapsed < current_app.config["MIN_FILL_SECONDS"]:
        raise Refused(_l("You sent the form very quickly, so we could not tell you from a robot. "
                         "Please check your answers and send the form again."))


def _wait_message(minutes):
    return lazy_ngettext("Too many attempts from your connection. Please wait %(num)s minute and try again.",
                         "Too many attempts from your connection. Please wait %(num)s minutes and try again.",
                         minutes)


def _submissions():
    return Throttle("public-report", max(1, settings.get("submissions_per_hour")), 60)


def check_submission_limit(address):
    """At most ``submissions_per_hour`` reports from one address (an admin setting)."""
    throttle = _submissions()
    if not throttle.allows(address):
        raise Throttled(_wait_message(throttle.minutes_until_allowed(address)))


def count_submission(address):
    """Count a report against the hourly limit: one that was saved, and one refused for
    its files. Checking up to five files is the costly part of a report (reading, parsing,
    cleaning), and a robot sending files that are always refused (a decompression bomb,
    say) would otherwise never be counted; a person told which file was refused and why
    sends it again well within the limit. A report refused for a form error (a missing
    field, no consent) is not counted: none of its files was read, and a child who forgot
    a field must be able to send again at once [R3: accessibility]."""
    _submissions().count(address)


def _messages():
    """Messages from reporters at /status, per case and per address, per hour (a setting)."""
    per_hour = max(1, settings.get("status_messages_per_hour"))
    return Throttle("status-message-case", per_hour, 60), Throttle("status-message-address", per_hour, 60)


def check_message_limit(case, address):
    """At most ``status_messages_per_hour`` messages a receipt, and an address, may send per
    hour: a stolen or shared code cannot flood the office."""
    for throttle, key in zip(_messages(), (str(case.id), address)):
        if not throttle.allows(key):
            raise Throttled(_wait_message(throttle.minutes_until_allowed(key)))


def count_message(case, address):
    """Count a message that was saved, or refused for its files: as ``count_submission``."""
    for throttle, key in zip(_messages(), (str(case.id), address)):
        throttle.count(key)


def _receipt_attempts():
    return Throttle("receipt-code", max(1, current_app.config["RECEIPT_ATTEMPTS_PER_MINUTE"]), 1)


def open_by_receipt(text, address):
    """The case a receipt code opens. Spaces and dashes are ignored; a wrong code is
    counted against ``address``, and past ``RECEIPT_ATTEMPTS_PER_MINUTE`` even the right
    one waits, so codes cannot be guessed."""
    throttle = _receipt_attempts()
    if not throttle.allows(address):
        raise Throttled(_wait_message(throttle.minutes_until_allowed(address)))
    code = normalize_receipt(text)
    if code is None:
        raise WrongReceipt(_l("A receipt code has 16 digits. Check it and try again."))
    case = find_by_receipt(code)
    if case is None:
        throttle.count(address)
        raise WrongReceipt(_l("No report has this code. Check the digits and try again."))
    return case


def case_for_session(case_id, receipt_hash):
    """The case a reporter opened earlier in this browser session, or None."""
    if not isinstance(case_id, int) or not isinstance(receipt_hash, str):
        return None
    case = db.session.get(Case, case_id)
    if case is None or not hmac.compare_digest(case.receipt_hash, receipt_hash):
        return None
    return case
