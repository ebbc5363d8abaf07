"""Telegram Bot API calls for alerts by messenger [R10.1] (https://core.telegram.org/bots/api).

A bot can write only to a chat whose person wrote to it first, so linking a person is:
they send the bot a message, ``get_updates`` (or a webhook set with ``set_webhook``) gives
us their chat id, and alerts go there with ``send_message``.

Every call is a POST of JSON to ``{api_url}/bot{token}/{method}``; the answer is
``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": N, "description": "..."}``
with the HTTP status N. The token is the bot's password and sits in that URL, so it is
replaced by ``<token>`` in every message this module raises, and the underlying
exception (whose text or ``url`` can hold the URL) is not chained.
"""
import json
import urllib.error
import urllib.request
from http.client import HTTPException

WEBHOOK_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # carries set_webhook's secret_token
REFUSED = {400, 403}  # "chat not found", "bot was blocked by the user", "message is too long"…


class TelegramError(Exception):
    """Telegram did not take the call this time; the outbox will retry.

    ``retry_after`` is the seconds Telegram asked us to wait (its flood control, HTTP 429).
    """

    def __init__(self, message, retry_after=None):
        super().__init__(message)
        self.retry_after = retry_after


class TelegramRefused(TelegramError):
    """Telegram refused the call for good (HTTP 400 or 403): sending again gets the same answer."""


def send_message(api_url, token, chat_id, text, *, timeout=10.0):
    """Send ``text`` to ``chat_id`` as plain text, without a link preview; return the message id."""
    message = _call(api_url, token, "sendMessage", {
        "chat_id": chat_id, "text": text, "link_preview_options": {"is_disabled": True},
    }, timeout)
    return str(message["message_id"])


def get_updates(api_url, token, offset=None, *, timeout=0, http_timeout=None):
    """The messages people sent the bot since ``offset`` (which confirms all before it).

    ``timeout`` is Telegram's long polling: it holds the request up to that many seconds
    while there is nothing new, so the HTTP timeout (``http_timeout``) is longer by default.
    """
    payload = {"timeout": timeout, "allowed_updates": ["message"]}
    if offset is not None:
        payload["offset"] = offset
    return _call(api_url, token, "getUpdates", payload,
                 http_timeout if http_timeout is not None else timeout + 10.0)


def set_webhook(api_url, token, url, secret_token, *, timeout=10.0):
    """Have Telegram POST each new message to ``url`` with ``secret_token`` in
    WEBHOOK_SECRET_HEADER, so the receiving view can tell Telegram from anyone else."""
    _call(api_url, token, "setWebhook",
          {"url": url, "secret_token": secret_token, "allowed_updates": ["message"]}, timeout)


def _call(api_url, token, method, payload, timeout):
    """The ``result`` of one Bot API call, or the matching TelegramError."""
    try:
        request = urllib.request.Request(  # a malformed api_url fails here, quoting the URL
            f"{api_url.rstrip('/')}/bot{token}/{method}", data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as exc:  # Telegram's errors come with their JSON answer
        status, body = exc.code, _read_quietly(exc)
    except (OSError, HTTPException, ValueError) as exc:  # URLError and timeouts are OSErrors
        raise TelegramError(_scrub(f"{method}: Telegram could not be reached: "
                                   f"{type(exc).__name__}: {exc}", token)) from None
    return _result(method, status, body, token)


def _read_quietly(exc):
    """The error's body; a body cut off midway is none, and ``_result`` says so."""
    try:
        return exc.read()
    except (OSError, HTTPException):
        return b""


def _result(method, status, body, token):
    try:
        answer = json.loads(body)
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or "ok" not in answer:
        raise TelegramError(f"{method}: Telegram answered HTTP {status} without its JSON: "
                            f"{_scrub(repr(body[:80]), token)}")
    if answer["ok"]:
        return answer["result"]
    code = answer.get("error_code", status)
    text = _scrub(f"{method}: Telegram error {code}: {answer.get('description', '')}", token)
    retry_after = (answer.get("parameters") or {}).get("retry_after")
    if retry_after is not None:
        raise TelegramError(f"{text} (retry after {retry_after} s)", retry_after=retry_after)
    raise (TelegramRefused if code in REFUSED else TelegramError)(text)


def _scrub(text, token):
    return text.replace(token, "<token>") if token else text
