"""A stand-in Telegram Bot API for tests: real HTTP on 127.0.0.1.

    from tests.telegram_server import telegram_api  # noqa: F401 (fixture)

    def test_x(telegram_api):
        telegram_api.user_writes(4242, "/start", username="aigerim")
        telegram.send_message(telegram_api.url, telegram_api.token, 4242, "…")
        [sent] = telegram_api.wait_for(1)
        assert sent.text == "…"

Routes ``/bot<token>/sendMessage``, ``/getUpdates`` and ``/setWebhook``
(https://core.telegram.org/bots/api), with parameters as a GET query, a form or a JSON
body, answering as Telegram does: ``{"ok": true, "result": ...}``, or ``{"ok": false,
"error_code": N, "description": "..."}`` with HTTP status N. Another token gets 401
"Unauthorized", another method 404 "Not Found".

As with the real bot, a chat is known once its person wrote to it: ``user_writes`` queues
that message as an update for ``getUpdates`` (which confirms and forgets the updates
before ``offset``, and holds the request up to ``timeout`` seconds when there is none) and
makes the chat known; ``sendMessage`` to an unknown chat is 400 "Bad Request: chat not
found". ``getUpdates`` is 409 while a webhook is set.

Sent messages are kept in ``sent`` (``Sent``: chat_id, text, message_id and all the
parameters), every call in ``calls``, both across restarts. To misbehave on purpose: chat
ids added to ``blocked`` get 403 "Forbidden: bot was blocked by the user",
``rate_limit_next(n, retry_after)`` answers 429 to the next ``n`` messages, ``fail_next(n)``
answers 502 (an HTML page, as a proxy in front would) to the next ``n`` calls; ``.stop()``
takes the server down (connections are refused) and ``.start()`` brings it back on the
same port.
"""
import json
import re
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.http_stand_in import HOST, HttpStandIn, QuietHandler

ROUTE = re.compile(r"/bot([^/]+)/(\w+)")
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
MAX_TEXT = 4096
JSON_PARAMS = {"link_preview_options", "allowed_updates"}  # JSON-serialized in a form or query
BOT = {"id": 123456, "is_bot": True, "first_name": "Ombudsman alerts",
       "username": "ombudsman_kz_bot"}


@dataclass
class Sent:
    """One message the bot sent."""

    chat_id: int | str
    text: str
    message_id: int
    params: dict  # every parameter of the call, e.g. link_preview_options


class TelegramApi(HttpStandIn):
    """The stand-in server; ``url`` (the API base) and ``token`` are what a client needs."""

    def __init__(self, token="123456:TEST-token"):
        super().__init__(_handler_for(self))
        self.token = token
        self.blocked = set()
        self.chats = {}  # chat id -> the chat object of the person who wrote to the bot
        self.updates = []  # not yet confirmed by an offset
        self.sent, self.calls = [], []
        self.webhook = None  # {"url", "secret_token"} once set
        self._last_update_id, self._last_message_id = 700000, 0
        self._rate_limited, self._retry_after = 0, 0

    @property
    def url(self):
        return f"http://{HOST}:{self.port}"

    def rate_limit_next(self, count, retry_after=5):
        with self._changed:
            self._rate_limited, self._retry_after = count, retry_after

    def _arrived(self):
        return self.sent  # by the bot, to the chats

    def user_writes(self, chat_id, text, username=None, first_name="Aigerim"):
        """A person writes ``text`` to the bot from a private chat; return the queued update."""
        person = {"id": chat_id, "first_name": first_name}
        if username:
            person["username"] = username
        with self._changed:
            self.chats[chat_id] = {**person, "type": "private"}
            self._last_update_id += 1
            self._last_message_id += 1
            update = {"update_id": self._last_update_id, "message": {
                "message_id": self._last_message_id, "from": {**person, "is_bot": False},
                "chat": self.chats[chat_id], "date": int(time.time()), "text": text}}
            self.updates.append(update)
            self._changed.notify_all()
        return update

    def answer(self, token, method, params):
        """``(HTTP status, JSON answer or None)`` for one call."""
        with self._changed:
            self.calls.append((method, params))
            if self._fails_now():
                return 502, None
            if token != self.token:
                return _error(401, "Unauthorized")
            methods = {"sendMessage": self._send_message, "getUpdates": self._get_updates,
                       "setWebhook": self._set_webhook}
            if method not in methods:
                return _error(404, "Not Found")
            return methods[method](params)

    def _send_message(self, params):
        chat_id, text = _chat_id(params.get("chat_id")), params.get("text") or ""
        if self._rate_limited:
            self._rate_limited -= 1
            return _error(429, f"Too Many Requests: retry after {self._retry_after}",
                          parameters={"retry_after": self._retry_after})
        if not text:
            return _error(400, "Bad Request: message text is empty")
        if len(text) > MAX_TEXT:
            return _error(400, "Bad Request: message is too long")
        if chat_id in self.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        if chat_id not in self.chats:
            return _error(400, "Bad Request: chat not found")
        self._last_message_id += 1
        self.sent.append(Sent(chat_id, text, self._last_message_id, params))
        self._changed.notify_all()
        return _ok({"message_id": self._last_message_id, "from": BOT, "chat": self.chats[chat_id],
                    "date": int(time.time()), "text": text})

    def _get_updates(self, params):
        if self.webhook:
            return _error(409, "Conflict: can't use getUpdates method while webhook is active; "
                               "use deleteWebhook to delete the webhook first")
        offset = params.get("offset")
        if offset is not None:
            offset = int(offset)
            # A negative offset keeps the last -offset updates and forgets the earlier ones.
            self.updates = self.updates[offset:] if offset < 0 else [
                u for u in self.updates if u["update_id"] >= offset]
        self._changed.wait_for(lambda: self.updates, float(params.get("timeout") or 0))
        return _ok(self.updates[:int(params.get("limit") or 100)])

    def _set_webhook(self, params):
        url, secret = params.get("url", ""), params.get("secret_token")
        if url and not url.startswith("https://"):
            return _error(400, "Bad Request: bad webhook: "
                               "An HTTPS URL must be provided for webhook")
        if secret is not None and not SECRET_TOKEN.fullmatch(secret):
            return _error(400, "Bad Request: secret token contains unallowed characters")
        self.webhook = {"url": url, "secret_token": secret} if url else None
        return _ok(True)


def _ok(result):
    return 200, {"ok": True, "result": result}


def _error(code, description, **extra):
    return code, {"ok": False, "error_code": code, "description": description, **extra}


def _chat_id(value):
    """Chat ids come as numbers in JSON and as digit strings in a form or a query."""
    return int(value) if isinstance(value, str) and re.fullmatch(r"-?\d+", value) else value


def _handler_for(api):
    class Handler(QuietHandler):
        def do_GET(self):
            self._reply(lambda: _form(urlsplit(self.path).query))

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.headers.get_content_type() == "application/json":
                self._reply(lambda: json.loads(body))
            else:
                self._reply(lambda: _form(body.decode("latin-1")))

        def _reply(self, parse):
            route = ROUTE.fullmatch(urlsplit(self.path).path)
            if route is None:
                return self._send(*_error(404, "Not Found"))
            try:
                params = parse()
            except ValueError:
                return self._send(*_error(400, "Bad Request: can't parse JSON"))
            self._send(*api.answer(route[1], route[2], params))

        def _send(self, status, answer):
            if answer is None:  # what a proxy in front answers
                body, content_type = b"<html><h1>502 Bad Gateway</h1></html>", "text/html"
            else:
                body = json.dumps(answer, ensure_ascii=False).encode()
                content_type = "application/json"
            self.send_body(status, body, content_type)

    return Handler


def _form(query):
    """A query or form as a dict, its JSON-serialized parameters decoded."""
    params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
    return {k: json.loads(v) if k in JSON_PARAMS else v for k, v in params.items()}


@pytest.fixture
def telegram_api():
    """A running stand-in Telegram Bot API; ``.stop()`` / ``.start()`` on the same port."""
    api = TelegramApi().start()
    yield api
    api.stop()
