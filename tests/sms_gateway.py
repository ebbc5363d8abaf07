"""A stand-in SMSC.kz gateway for tests: ``/sys/send.php`` over real HTTP on 127.0.0.1.

    from tests.sms_gateway import sms_gateway  # noqa: F401 (fixture)

    def test_x(sms_gateway):
        sms.send(sms_gateway.url, sms_gateway.login, sms_gateway.password, "+77011234567", "…")
        [received] = sms_gateway.wait_for(1)
        assert received.text == "…"

It takes the request SMSC.kz documents (https://smsc.kz/api/http/send/), as a GET query or
a POST form: ``login``, ``psw``, ``phones`` (one number here), ``mes``, ``charset=utf-8``
and ``fmt=3`` (anything else is error 1), ``sender`` when given. It answers as the gateway
does with ``fmt=3``: HTTP 200 and ``{"id": N, "cnt": 1}``, or HTTP 200 and
``{"error": "...", "error_code": N}`` (with the ``id`` too for codes 6, 7 and 8). A wrong
login or password is error 2; a phone that is not 10 to 15 digits (an optional ``+``) is 7.

Accepted messages are kept in ``messages`` (``Sms``: phone, text, sender, id and the HTTP
method), across restarts. To misbehave on purpose: phones added to ``refuse`` get error 8,
``rate_limit_next(n)`` answers error 9 to the next ``n`` requests, ``fail_next(n)`` answers
HTTP 500 to them; ``.stop()`` takes the server down (connections are refused) and
``.start()`` brings it back on the same port.
"""
import json
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.http_stand_in import HOST, HttpStandIn, QuietHandler

PATH = "/sys/send.php"
PHONE = re.compile(r"\+?\d{10,15}")
ERRORS = {1: "parameters error", 2: "authorise error", 7: "invalid number",
          8: "can't deliver", 9: "duplicate request, wait a minute"}


@dataclass
class Sms:
    """One message the gateway accepted."""

    phone: str
    text: str
    sender: str | None
    id: int
    method: str  # "POST", or "GET" (the password then sits in the URL, in access logs)


class SmsGateway(HttpStandIn):
    """The stand-in server; ``url``, ``login`` and ``password`` are what a client needs."""

    def __init__(self, login="ombudsman-kz", password="Psw-of-the-gateway-7"):
        super().__init__(_handler_for(self))
        self.login, self.password = login, password
        self.refuse = set()
        self.messages = []
        self._rate_limited = 0
        self._last_id = 5000

    @property
    def url(self):
        return f"http://{HOST}:{self.port}{PATH}"

    def rate_limit_next(self, count):
        with self._changed:
            self._rate_limited = count

    def _arrived(self):
        return self.messages  # the accepted ones

    def answer(self, method, params):
        """``(HTTP status, JSON answer or None)`` for one request's parameters."""
        with self._changed:
            if self._fails_now():
                return 500, None
            if params.get("charset") != "utf-8" or params.get("fmt") != "3":
                return 200, _error(1)
            if (params.get("login"), params.get("psw")) != (self.login, self.password):
                return 200, _error(2)
            if self._rate_limited:
                self._rate_limited -= 1
                return 200, _error(9)
            phone, text = params.get("phones", ""), params.get("mes", "")
            if not phone or not text:
                return 200, _error(1)
            self._last_id += 1
            if not PHONE.fullmatch(phone):
                return 200, _error(7, self._last_id)
            if phone in self.refuse:
                return 200, _error(8, self._last_id)
            self.messages.append(Sms(phone, text, params.get("sender"), self._last_id, method))
            self._changed.notify_all()
            return 200, {"id": self._last_id, "cnt": 1}


def _error(code, message_id=None):
    answer = {"error": ERRORS[code], "error_code": code}
    if message_id is not None:
        answer["id"] = message_id
    return answer


def _handler_for(gateway):
    class Handler(QuietHandler):
        def do_GET(self):
            self._reply(urlsplit(self.path).query)

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            self._reply(self.rfile.read(length).decode("latin-1"))

        def _reply(self, query):
            if urlsplit(self.path).path != PATH:
                return self._send(404, b"Not Found", "text/plain")
            try:
                params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True,
                                                       encoding="utf-8", errors="strict").items()}
            except UnicodeDecodeError:
                params = {}  # not UTF-8 although charset=utf-8 said so: error 1 below
            status, answer = gateway.answer(self.command, params)
            if answer is None:
                return self._send(status, b"<h1>500 Internal Server Error</h1>", "text/html")
            self._send(status, json.dumps(answer, ensure_ascii=False).encode(), "application/json")

        def _send(self, status, body, content_type):
            self.send_body(status, body, f"{content_type}; charset=utf-8")

    return Handler


@pytest.fixture
def sms_gateway():
    """A running stand-in SMSC.kz gateway; ``.stop()`` / ``.start()`` on the same port."""
    gateway = SmsGateway().start()
    yield gateway
    gateway.stop()
