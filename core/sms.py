"""Sending one SMS through the SMSC.kz HTTP API, for alerts by mobile means [R10.1].

[R10.1] has a violation brought to the Commissioner, the Committee and the akim "by
operational means (mobile or electronic)": e-mail is the electronic one, this the mobile
one. ``send`` POSTs to ``/sys/send.php`` (https://smsc.kz/api/http/send/), so the password
travels in the body, never in a URL a proxy or the gateway's access log keeps. With
``fmt=3`` the gateway answers JSON: ``{"id": 123, "cnt": 1}``, or, still with HTTP 200,
``{"error": "...", "error_code": N}`` (codes on https://smsc.kz/api/http/senders/senders_answer/).

Also here: ``segments`` (how many SMS parts a text takes, which is what the gateway bills)
and ``normalize_phone`` (a typed Kazakhstan mobile number as E.164, or None).
"""
import json
import urllib.error
import urllib.parse
import urllib.request
from http.client import HTTPException

import phonenumbers


class SmsError(Exception):
    """The gateway did not accept the message this time; the outbox will retry."""


class SmsRefused(SmsError):
    """The gateway refused the number or the text for good: sending again gets the same answer."""


ERRORS = {  # SMSC error_code -> what it means, in the log's language
    1: "parameter error",
    2: "wrong login or password",
    3: "not enough money on the account",
    4: "IP address blocked for a while after too many bad requests",
    5: "wrong date format",
    6: "message forbidden (by its text or sender name)",
    7: "wrong phone number format",
    8: "the message cannot be delivered to this number",
    9: "too many identical requests (rate limit)",
}
REFUSED = {6, 7, 8}  # about this number or this text: no retry changes the answer


def send(url, login, password, phone, text, *, sender=None, timeout=10.0):
    """Send ``text`` to ``phone`` (E.164) and return the gateway's message id.

    SmsRefused when the gateway refuses the number or the text (codes 6, 7, 8); SmsError
    for anything a retry may cure: the other codes (a wrong password or an empty account
    is fixed by a person, then the queued alert goes), HTTP errors, timeouts, a connection
    refused, an answer that is not the JSON we asked for. Messages name the code, never
    the login or the password.
    """
    form = {"login": login, "psw": password, "phones": phone, "mes": text,
            "charset": "utf-8", "fmt": "3"}
    if sender:
        form["sender"] = sender
    data = urllib.parse.urlencode(form).encode("ascii")
    try:
        request = urllib.request.Request(url, data=data, method="POST")  # ValueError: bad url
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        raise SmsError(f"the SMS gateway answered HTTP {exc.code} {exc.reason}") from exc
    except (OSError, HTTPException, ValueError) as exc:  # URLError and timeouts are OSErrors
        raise SmsError("the SMS gateway could not be reached: "
                       f"{type(exc).__name__}: {exc}") from exc
    return _message_id(body)


def _message_id(body):
    """The id in a success answer; the matching error for an error answer or a strange one."""
    try:
        answer = json.loads(body)
    except ValueError:
        raise SmsError("the SMS gateway answered something other than JSON: "
                       f"{body[:80]!r}") from None
    if not isinstance(answer, dict):
        raise SmsError(f"the SMS gateway answered an unexpected JSON value: {body[:80]!r}")
    if "error_code" in answer:
        code = answer["error_code"]
        meaning = ERRORS.get(code, "unknown error code")
        error = SmsRefused if code in REFUSED else SmsError
        raise error(f"SMSC error {code} ({meaning}): {answer.get('error', '')}")
    if "id" not in answer:
        raise SmsError(f"the SMS gateway's answer has no message id: {body[:80]!r}")
    return str(answer["id"])


# GSM 03.38: the default alphabet takes one 7-bit septet a character; the extension table
# takes two (an escape, then the character). Anything else sends the whole text as UCS-2.
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = set("\f^{}\\[~]|€")
GSM_SINGLE, GSM_PART = 160, 153  # a part loses 7 septets to the concatenation header
UCS2_SINGLE, UCS2_PART = 70, 67


def segments(text):
    """How many SMS parts ``text`` takes (at least one).

    GSM 7-bit when every character is in GSM 03.38 (extension characters count double),
    else UCS-2, where a character outside the BMP (an emoji) is two 16-bit units. Phones
    join parts back only whole, so an escape pair or a surrogate pair is never split
    across two parts: a part may hold one unit less than its size.
    """
    if all(char in GSM_BASIC or char in GSM_EXTENSION for char in text):
        widths = [2 if char in GSM_EXTENSION else 1 for char in text]
        return _parts(widths, GSM_SINGLE, GSM_PART)
    widths = [2 if ord(char) > 0xFFFF else 1 for char in text]
    return _parts(widths, UCS2_SINGLE, UCS2_PART)


def _parts(widths, single, part_size):
    if sum(widths) <= single:
        return 1
    parts, room = 1, part_size
    for width in widths:
        if width > room:
            parts, room = parts + 1, part_size
        room -= width
    return parts


MOBILE = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def normalize_phone(value):
    """A Kazakhstan mobile number as E.164 (``+77011234567``) from what a person typed, or None.

    Takes "8 701 123 45 67", "+7 (701) 123-45-67", "87011234567", "7011234567". None for a
    landline (an SMS there is lost), for a number of another country sharing +7 (Russia),
    and for anything with letters: libphonenumber reads letters as a keypad word
    ("8 701 CALLME1" would become +77012255631), which in a typed mobile is a typo, and
    the alert would go to a stranger.
    """
    if not value or any(char.isalpha() for char in value):
        return None
    try:
        number = phonenumbers.parse(value, "KZ")
    except phonenumbers.NumberParseException:
        return None
    if (not phonenumbers.is_valid_number(number)
            or phonenumbers.region_code_for_number(number) != "KZ"
            or phonenumbers.number_type(number) not in MOBILE):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
