"""What the tests' stand-in HTTP servers share (the SMSC.kz gateway, the Telegram Bot API).

A ``ThreadingHTTPServer`` on 127.0.0.1 in a daemon thread, on a port the kernel picks at
the first ``start()`` and that every later ``start()`` reuses, so a client configured once
reaches the server again after a ``stop()``. What a stand-in keeps is guarded by the
Condition ``_changed``, which ``wait_for`` waits on. Request lines are never logged: they
hold a password or a bot token.
"""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOST = "127.0.0.1"
POLL = 0.05  # seconds; stop() waits up to one poll, and tests stop servers often


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that prints nothing and answers a body in one call."""

    def send_body(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        """Quiet: a request line holds a secret (a password in a GET query, the bot token)."""


class HttpStandIn:
    """A stand-in server; a subclass gives its handler class and says what ``wait_for`` counts."""

    def __init__(self, handler):
        self.port = 0  # the kernel picks one at the first start; restarts reuse it
        self._handler = handler
        self._failing = 0
        self._changed = threading.Condition()
        self._server = None

    def start(self):
        if self._server is None:
            self._server = self._listen()
            self.port = self._server.server_address[1]
            threading.Thread(target=self._server.serve_forever, args=(POLL,), daemon=True).start()
        return self

    def _listen(self):
        """The server, bound (a subclass may wrap its socket in TLS here)."""
        return ThreadingHTTPServer((HOST, self.port), self._handler)

    def stop(self):
        """Take the server down: connections are refused until ``start()``."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def fail_next(self, count):
        """Answer the next ``count`` requests with the server error of the stand-in."""
        with self._changed:
            self._failing = count

    def _fails_now(self):
        """Whether this request is one that ``fail_next`` asked for; call it holding ``_changed``."""
        if self._failing:
            self._failing -= 1
            return True
        return False

    def wait_for(self, count, timeout=5.0):
        """Wait until ``count`` messages arrived (or ``timeout`` seconds); return them all."""
        with self._changed:
            self._changed.wait_for(lambda: len(self._arrived()) >= count, timeout)
            return list(self._arrived())

    def _arrived(self):
        """The list of messages ``wait_for`` counts."""
        raise NotImplementedError
