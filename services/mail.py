"""Sending one e-mail over SMTP (``MAIL_URL``), or to the log in development.

``MAIL_URL`` looks like ``smtp://user:pass@host:587`` (STARTTLS when the server offers
it), ``smtps://user:pass@host:465`` (TLS from the start) or ``smtp://host:1025``.
"""
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlparse

log = logging.getLogger(__name__)


class MailError(Exception):
    """The message was not accepted; the outbox will retry."""


def build_message(sender, recipients, subject, body, message_key):
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = subject
    # A stable Message-ID lets mail systems drop a duplicate after a retry.
    msg["Message-ID"] = make_msgid(idstring=message_key, domain=sender.rsplit("@", 1)[-1])
    msg.set_content(body)
    return msg


def send(mail_url, msg, timeout=10.0):
    """Deliver ``msg``; raise MailError when the server is down or refuses it."""
    if not mail_url:
        log.warning("MAIL_URL is not set; e-mail written to the log instead:\n%s", msg)
        return "log"
    url = urlparse(mail_url)
    if url.scheme not in {"smtp", "smtps"}:
        raise MailError(f"unsupported MAIL_URL scheme {url.scheme!r}")
    try:
        if url.scheme == "smtps":
            client = smtplib.SMTP_SSL(url.hostname, url.port or 465, timeout=timeout,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(url.hostname, url.port or 25, timeout=timeout)
        with client:
            if url.scheme == "smtp" and client.has_extn("starttls"):
                client.starttls(context=ssl.create_default_context())
            if url.username:
                client.login(unquote(url.username), unquote(url.password or ""))
            client.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"{type(exc).__name__}: {exc}") from exc
    return "smtp"
