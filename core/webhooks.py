"""Calling a partner's webhook: one signed HTTPS POST of a JSON event.

The signature follows the Standard Webhooks specification (https://www.standardwebhooks.com),
so a partner can check it with that project's libraries or a few lines of its own:

* ``webhook-id``: the message's id, the same on every retry of it (drop a repeat);
* ``webhook-timestamp``: seconds since the epoch when this attempt was sent;
* ``webhook-signature``: ``v1,`` and the base64 HMAC-SHA256 of ``{id}.{timestamp}.{body}``
  under the secret: the bytes of the base64 text after ``whsec_``.

Only ``https://`` addresses are called. A 2xx answer is a delivery; 410 Gone refuses for good
(the partner has taken the address away); any other answer, a timeout or a refused
connection is an error the outbox retries with backoff.
"""
import base64
import hashlib
import hmac
import ssl
import time
import urllib.error
import urllib.request
from http.client import HTTPException

SECRET_PREFIX = "whsec_"
SIGNED_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


class WebhookError(Exception):
    """The partner's server did not take the event this time; the outbox will retry."""


class WebhookRefused(WebhookError):
    """The partner's server refused the event for good (410 Gone)."""


def new_secret(random_bytes):
    """A signing secret as the specification writes it: ``whsec_`` and base64."""
    return SECRET_PREFIX + base64.b64encode(random_bytes).decode()


def signature(secret, message_id, timestamp, body):
    """``v1,<base64 HMAC-SHA256>`` of ``{message_id}.{timestamp}.{body}`` (body: bytes)."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def verify(secret, headers, body, tolerance=300, now=None):
    """True when ``headers`` sign ``body`` under ``secret`` within ``tolerance`` seconds:
    what a partner does on receipt (and the tests' receiver)."""
    message_id, timestamp = headers.get("webhook-id", ""), headers.get("webhook-timestamp", "")
    if not timestamp.isdigit() or abs((now or time.time()) - int(timestamp)) > tolerance:
        return False
    expected = signature(secret, message_id, timestamp, body)
    return any(hmac.compare_digest(expected, given)
               for given in headers.get("webhook-signature", "").split())


def send(url, secret, message_id, body, *, timeout=10.0, ca_file=None):
    """POST ``body`` (JSON bytes) to ``url``, signed; return the HTTP status of a 2xx answer."""
    if not url.startswith("https://"):
        raise WebhookRefused("a webhook address must start with https://")
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "User-Agent": "ombudsman-webhooks/1",
               "webhook-id": message_id, "webhook-timestamp": timestamp,
               "webhook-signature": signature(secret, message_id, timestamp, body)}
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(ca_file)
    try:
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        error = WebhookRefused if exc.code == 410 else WebhookError
        raise error(f"the partner's server answered HTTP {exc.code}") from None
    except (OSError, HTTPException, ValueError) as exc:  # URLError, TLS errors and timeouts are OSErrors
        raise WebhookError(f"the partner's server could not be reached: {type(exc).__name__}: {exc}") from None
