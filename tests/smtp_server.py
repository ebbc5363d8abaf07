"""A real SMTP server for tests (aiosmtpd on 127.0.0.1), which can go down and come back.

    from tests.smtp_server import smtp_server, smtp_port_down  # noqa: F401 (fixtures)

    def test_x(smtp_server):
        ...  # send to smtp_server.url
        [received] = smtp_server.wait_for(1)
        assert received.subject == "…"

``smtp_port_down`` is a free port with nothing listening; ``.start()`` brings a server up
on that same port later, ``.stop()`` takes it down again. Received messages are kept
across restarts. To misbehave on purpose: ``delay`` makes the server slow to answer
DATA (``delays[subject]`` for one message; ``data_started`` is set when DATA arrives),
``reject_next(n)`` answers 451 (or ``reply``) to the next ``n`` messages (kept in
``rejected``), and addresses added to ``refuse`` get 550 at RCPT, or 553 at MAIL FROM.
"""
import asyncio
import re
import socket
import sys
import threading
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from importlib import metadata, util
from pathlib import Path

import pytest

HOST = "127.0.0.1"


def _import_aiosmtpd():
    """Import aiosmtpd, which needs PyPI's ``public`` (atpublic) at import time.

    Our citizen-facing blueprint package is also called ``public`` and shadows it, so
    atpublic is loaded from its own files under that name just while aiosmtpd imports,
    then taken out of ``sys.modules`` again for the app's ``public`` to import normally.
    """
    ours = {name: sys.modules.pop(name) for name in list(sys.modules)
            if name == "public" or name.startswith("public.")}
    init = Path(metadata.distribution("atpublic").locate_file("public/__init__.py"))
    spec = util.spec_from_file_location("public", init, submodule_search_locations=[str(init.parent)])
    sys.modules["public"] = atpublic = util.module_from_spec(spec)
    try:
        spec.loader.exec_module(atpublic)
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult
    finally:
        for name in [n for n in sys.modules if n == "public" or n.startswith("public.")]:
            del sys.modules[name]
        sys.modules.update(ours)
    return Controller, AuthResult


Controller, AuthResult = _import_aiosmtpd()


@dataclass
class Received:
    """One message as the server got it: the envelope, the parsed EmailMessage, the bytes."""

    mail_from: str
    rcpt_tos: list
    message: EmailMessage
    login: str | None = None  # the AUTH user name, when the client logged in
    tls: bool = False  # whether the session ran over TLS (STARTTLS or from the start)
    raw: bytes = b""  # the message as it came after DATA, CRLF line ends

    @property
    def to(self):
        return self.message["To"]

    @property
    def subject(self):
        return self.message["Subject"]

    @property
    def body(self):
        """The text body with the wire's CRLF line ends turned back into newlines."""
        return self.message.get_content().replace("\r\n", "\n")

    @property
    def message_id(self):
        return self.message["Message-ID"]

    def header_lines(self, name):
        """The lines of header ``name`` as they crossed the wire: its first and the folded ones."""
        head = self.raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
        return re.search(rf"^{name}:[^\r\n]*(\r\n[ \t][^\r\n]*)*", head, re.M | re.I)[0].split("\r\n")


class _Handler:
    def __init__(self):
        self.messages, self.rejected = [], []
        self.delay = 0.0
        self.delays = {}  # subject -> seconds, instead of ``delay`` for that message
        self.refuse = set()  # addresses answered with 550 at RCPT, 553 at MAIL FROM
        self.data_started = threading.Event()  # set when a DATA arrives, before any delay
        self._rejects, self._reject_reply = 0, None
        self._changed = threading.Condition()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if address in self.refuse:
            return "553 5.7.1 Sender address rejected"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        received = Received(envelope.mail_from, list(envelope.rcpt_tos),
                            message_from_bytes(raw, policy=policy.default), _login(session),
                            server.transport.get_extra_info("ssl_object") is not None, raw)
        self.data_started.set()
        delay = self.delays.get(received.subject, self.delay)
        if delay:
            await asyncio.sleep(delay)  # cancelled if the client goes away meanwhile
        with self._changed:
            if self._rejects:
                self._rejects -= 1
                self.rejected.append(received)
                return self._reject_reply
            self.messages.append(received)
            self._changed.notify_all()
        return "250 2.0.0 OK"

    def reject_next(self, count, reply):
        with self._changed:
            self._rejects, self._reject_reply = count, reply

    def wait_for(self, count, timeout):
        with self._changed:
            self._changed.wait_for(lambda: len(self.messages) >= count, timeout)
            return list(self.messages)


def _login(session):
    login = getattr(session.auth_data, "login", None) if session.authenticated else None
    return login.decode() if isinstance(login, bytes) else login


class SmtpServer:
    """An aiosmtpd server on a fixed free port, started and stopped at will.

    ``tls_context`` turns on STARTTLS (required then), or TLS from the first byte with
    ``implicit_tls`` (``smtps://``); ``users`` ({name: password}) turns on AUTH, required
    before MAIL FROM (530 otherwise), which aiosmtpd only offers over TLS.
    """

    def __init__(self, port=None, tls_context=None, users=None, implicit_tls=False):
        self.port = port or free_port()
        self.handler = _Handler()
        self.tls_context, self.users, self.implicit_tls = tls_context, users, implicit_tls
        self._controller = None

    @property
    def url(self):
        return f"{'smtps' if self.implicit_tls else 'smtp'}://{HOST}:{self.port}"

    @property
    def running(self):
        return self._controller is not None

    @property
    def messages(self):
        return list(self.handler.messages)

    @property
    def rejected(self):
        return list(self.handler.rejected)

    @property
    def delay(self):
        return self.handler.delay

    @delay.setter
    def delay(self, seconds):
        self.handler.delay = seconds

    @property
    def delays(self):
        return self.handler.delays

    @property
    def refuse(self):
        return self.handler.refuse

    @property
    def data_started(self):
        return self.handler.data_started

    def reject_next(self, count, reply="451 4.3.0 Try again later"):
        self.handler.reject_next(count, reply)

    def start(self):
        if self.running:
            return self
        kwargs = {}
        if self.implicit_tls:
            kwargs.update(ssl_context=self.tls_context)
        elif self.tls_context is not None:
            kwargs.update(tls_context=self.tls_context, require_starttls=True)
        if self.users is not None:
            kwargs.update(authenticator=self._authenticate, auth_require_tls=True,
                          auth_required=True)
        self._controller = Controller(self.handler, hostname=HOST, port=self.port, **kwargs)
        self._controller.start()
        return self

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def wait_for(self, count, timeout=5.0):
        """Wait until ``count`` messages arrived (or ``timeout`` seconds); return all received."""
        return self.handler.wait_for(count, timeout)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        login = auth_data.login.decode()
        ok = self.users.get(login) == auth_data.password.decode()
        return AuthResult(success=ok, handled=False, auth_data=auth_data)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on (the kernel's choice)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout=5.0, interval=0.05):
    """Poll ``predicate`` until it returns something truthy; return that, or the last falsy value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


@pytest.fixture
def smtp_server():
    """A running SMTP server; ``.stop()`` / ``.start()`` take it down and back on the same port."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_port_down():
    """A free port with no SMTP server (connections are refused); ``.start()`` brings one up."""
    server = SmtpServer()
    yield server
    server.stop()
