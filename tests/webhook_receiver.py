"""A partner's webhook receiver for tests: HTTPS on 127.0.0.1 with a certificate of a CA of
our own (trustme), keeping every event POSTed to ``/hook`` with its headers.

``.stop()`` takes it down (connections are refused) and ``.start()`` brings it back on the
same port; ``fail_next(n)`` answers HTTP 500 to the next ``n`` events.
"""
import ssl
from dataclasses import dataclass

import pytest
import trustme

from tests.http_stand_in import HOST, HttpStandIn, QuietHandler

PATH = "/hook"


@dataclass
class Event:
    headers: dict
    body: bytes


class WebhookReceiver(HttpStandIn):
    def __init__(self, ca):
        super().__init__(_handler_for(self))
        self.events = []
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(HOST).configure_cert(self._context)

    @property
    def url(self):
        return f"https://{HOST}:{self.port}{PATH}"

    def _listen(self):
        server = super()._listen()
        server.socket = self._context.wrap_socket(server.socket, server_side=True)
        return server

    def _arrived(self):
        return self.events

    def receive(self, headers, body):
        with self._changed:
            if self._fails_now():
                return 500
            self.events.append(Event({k.lower(): v for k, v in headers.items()}, body))
            self._changed.notify_all()
            return 204


def _handler_for(receiver):
    class Handler(QuietHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path != PATH:
                return self.send_body(404, b"", "text/plain")
            self.send_response(receiver.receive(dict(self.headers), body))
            self.send_header("Content-Length", "0")
            self.end_headers()

    return Handler


@pytest.fixture
def webhook_ca(tmp_path):
    """(trustme CA, its certificate as a PEM file for WEBHOOK_CA_FILE)."""
    ca = trustme.CA()
    path = tmp_path / "partner-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return ca, str(path)


@pytest.fixture
def webhook_receiver(webhook_ca):
    receiver = WebhookReceiver(webhook_ca[0]).start()
    yield receiver
    receiver.stop()
