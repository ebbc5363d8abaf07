"""Sending one e-mail over SMTP (``MAIL_URL``), or to the log in development.

``MAIL_URL`` looks like ``smtp://user:pass@host:587`` (STARTTLS; with a user name it is
required, so a password never crosses the network in clear), ``smtps://user:pass@host:465``
(TLS from the start) or ``smtp://host:1025`` (STARTTLS when the server offers it).
Certificates are checked against the system store (``SSL_CERT_FILE`` overrides it).
"""
import email.policy
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import parseaddr
from urllib.parse import unquote, urlparse

log = logging.getLogger(__name__)


class MailError(Exception):
    """The message was not accepted; the outbox will retry."""


def build_message(sender, recipients, subject, body, message_key):
    """An EmailMessage whose Message-ID depends on ``message_key`` only.

    The same key gives the same Message-ID on every retry, so a mail system that got the
    message just before the worker lost the reply can drop the second copy.
    """
    # No folding of long headers: Python's folding drops the spaces between encoded
    # (Cyrillic) words of a subject.
    msg = EmailMessage(policy=email.policy.default.clone(max_line_length=998))
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = subject
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    msg["Message-ID"] = f"<{message_key}@{domain}>"
    msg.set_content(body)
    return msg


def send(mail_url, msg, timeout=10.0):
    """Deliver ``msg`` and return ``(transport, refused)``; raise MailError when not accepted.

    ``refused`` maps the recipients the server refused to its reply, when it accepted
    the others (retrying would send the message twice to those).
    """
    if not mail_url:
        log.warning("MAIL_URL is not set; e-mail written to the log instead:\n%s", _readable(msg))
        return "log", {}
    url = urlparse(mail_url)
    if url.scheme not in {"smtp", "smtps"}:
        raise MailError(f"unsupported MAIL_URL scheme {url.scheme!r}")
    try:
        client = _connect(url, timeout)
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        raise MailError(f"{type(exc).__name__}: {exc}") from exc
    try:
        _secure_and_login(client, url)
        refused = client.send_message(msg)
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        raise MailError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        _quit_quietly(client)
    return "smtp", {rcpt: _reply(code, text) for rcpt, (code, text) in refused.items()}


def _connect(url, timeout):
    if url.scheme == "smtps":
        return smtplib.SMTP_SSL(url.hostname, url.port or 465, timeout=timeout,
                                context=ssl.create_default_context())
    return smtplib.SMTP(url.hostname, url.port or 25, timeout=timeout)


def _secure_and_login(client, url):
    if url.scheme == "smtp":
        client.ehlo()  # has_extn() only knows what EHLO announced
        if client.has_extn("starttls"):
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        elif url.username:
            raise MailError("the SMTP server does not offer STARTTLS; "
                            "refusing to send the password in clear")
    if url.username:
        client.login(unquote(url.username), unquote(url.password or ""))


def _quit_quietly(client):
    """QUIT after the message was accepted must not turn a delivery into a retry."""
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()


def _reply(code, text):
    return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"


def _readable(msg):
    """Headers and the decoded body: the log shows Kazakh and Russian text, not base64."""
    headers = "".join(f"{name}: {value}\n" for name, value in msg.items()
                      if name.lower() not in {"content-type", "content-transfer-encoding",
                                              "mime-version"})
    return f"{headers}\n{msg.get_content()}"
