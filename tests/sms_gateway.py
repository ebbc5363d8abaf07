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
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

HOST = "127.0.0.1"
POLL = 0.05  # seconds; stop() waits up to one poll, and tests stop servers often
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


class SmsGateway:
    """The stand-in server; ``url``, ``login`` and ``password`` are what a client needs."""

    def __init__(self, login="ombudsman-kz", password="Psw-of-the-gateway-7"):
        self.login, self.password = login, password
        self.port = 0  # the kernel picks one at the first start; restarts reuse it
        self.refuse = set()
        self.messages = []
        self._rate_limited = self._failing = 0
        self._last_id = 5000
        self._changed = threading.Condition()
        self._server = None

    @property
    def url(self):
        return f"http://{HOST}:{self.port}{PATH}"

    def start(self):
        if self._server is None:
            self._server = ThreadingHTTPServer((HOST, self.port), _handler_for(self))
            self.port = self._server.server_address[1]
            threading.Thread(target=self._server.serve_forever, args=(POLL,), daemon=True).start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def rate_limit_next(self, count):
        with self._changed:
            self._rate_limited = count

    def fail_next(self, count):
        with self._changed:
            self._failing = count

    def wait_for(self, count, timeout=5.0):
        """Wait until ``count`` messages were accepted (or ``timeout`` seconds); return them all."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.messages) >= count, timeout)
            return list(self.messages)

    def answer(self, method, params):
        """``(HTTP status, JSON answer or None)`` for one request's parameters."""
        with self._changed:
            if self._failing:
                self._failing -= 1
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
    class Handler(BaseHTTPRequestHandler):
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
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):
            """Quiet: a GET request line would print the password in the test output."""

    return Handler


@pytest.fixture
def sms_gateway():
    """A running stand-in SMSC.kz gateway; ``.stop()`` / ``.start()`` on the same port."""
    gateway = SmsGateway().start()
    yield gateway
    gateway.stop()
