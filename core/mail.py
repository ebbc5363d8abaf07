"""Sending one e-mail over SMTP (``MAIL_URL``), or to the log in development.

``MAIL_URL`` looks like ``smtp://user:pass@host:587`` (STARTTLS; with a user name it is
required, so a password never crosses the network in clear), ``smtps://user:pass@host:465``
(TLS from the start) or ``smtp://host:1025`` (STARTTLS when the server offers it).
Certificates and the host name are always checked: against ``MAIL_CA_FILE`` when it is set
(a relay with a private CA), else against the system store (``SSL_CERT_FILE`` overrides it).

Messages follow RFC 5322 (``Date``, ``Message-ID``, CRLF, lines of at most 78 characters),
RFC 2047 (a non-ASCII subject as encoded words) and are 7-bit (a Kazakh body is encoded),
so a strict relay accepts them without 8BITMIME, which smtplib never announces for us.
"""
import base64
import email.policy
import logging
import smtplib
import ssl
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from urllib.parse import unquote, urlparse

log = logging.getLogger(__name__)
SEVEN_BIT_SMTP = email.policy.SMTP.clone(cte_type="7bit")  # CRLF, 78 columns, no 8-bit body


class MailError(Exception):
    """The message was not accepted; the outbox will retry."""


class MailRefused(MailError):
    """The server refused the message for good: sending it again would get the same answer."""


def build_message(sender, recipients, subject, body, message_key, date=None):
    """An EmailMessage whose Message-ID depends on ``message_key`` only, dated ``date`` (now).

    The same key gives the same Message-ID on every retry, so a mail system that got the
    message just before the worker lost the reply can drop the second copy.
    """
    msg = EmailMessage(policy=SEVEN_BIT_SMTP)
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = _Subject(subject)
    msg["Date"] = format_datetime((date or datetime.now(timezone.utc)).astimezone())
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    msg["Message-ID"] = f"<{message_key}@{domain}>"
    msg.set_content(body)
    return msg


class _Subject(str):
    """The subject text, folded by us: whole encoded words whose spaces stay inside them.

    Python 3.11's own folding can leave the space before a folded encoded word outside
    it, where RFC 2047 §6.2 has every reader drop it (a subject ending "ответственный:
    Нұрғали Ө." arrived as "ответственный:Нұрғали Ө."; CPython gh-144156), and it decodes
    ``=?…?=`` typed in a subject. The policy keeps a value that has a ``name`` as it is
    and calls its ``fold``.
    """

    name = "Subject"

    def fold(self, *, policy):
        """``Subject: text`` when it is short printable ASCII, else encoded words, one a line."""
        label = f"{self.name}: "
        plain = self.isascii() and self.isprintable() and "=?" not in self
        if plain and len(label + self) <= policy.max_line_length:
            return label + self + policy.linesep
        words = _encoded_words(self, first_room=policy.max_line_length - len(label))
        return label + (policy.linesep + " ").join(words) + policy.linesep


MAX_ENCODED_WORD = 75  # RFC 2047 §2
_UTF8_B = "=?utf-8?b?{}?="


def _encoded_words(text, first_room):
    """``text`` as base64 encoded words of whole characters, each at most 75 characters.

    The first fits in ``first_room`` (the rest of the header's first line); each further
    one goes on its own folded line. Spaces are encoded inside the words, so the folding
    white space between two words is the only white space a reader drops.
    """
    words, chunk, room = [], "", min(first_room, MAX_ENCODED_WORD)
    for char in text:
        if chunk and len(_encoded_word(chunk + char)) > room:
            words.append(_encoded_word(chunk))
            chunk, room = "", MAX_ENCODED_WORD
        chunk += char
    return words + [_encoded_word(chunk)]


def _encoded_word(text):
    return _UTF8_B.format(base64.b64encode(text.encode()).decode("ascii"))


def send(mail_url, msg, timeout=10.0, ca_file=None):
    """Deliver ``msg`` and return ``(transport, refused)``; raise MailError when not accepted.

    ``refused`` maps the recipients the server refused to its reply, when it accepted
    the others (retrying would send the message twice to those). MailRefused when the
    server refused the whole message for good; ``ca_file`` is ``MAIL_CA_FILE``.
    """
    if not mail_url:
        log.warning("MAIL_URL is not set; e-mail written to the log instead:\n%s", _readable(msg))
        return "log", {}
    url = urlparse(mail_url)
    if url.scheme not in {"smtp", "smtps"}:
        raise MailError(f"unsupported MAIL_URL scheme {url.scheme!r}")
    try:
        tls = ssl.create_default_context(cafile=ca_file)  # only ca_file's CAs when it is set
        client = _connect(url, timeout, tls)
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        raise MailError(f"{type(exc).__name__}: {exc}") from exc
    try:
        _secure_and_login(client, url, tls)
        refused = client.send_message(msg)
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        refusal = _refusal(exc)
        if refusal:
            raise MailRefused(refusal) from exc
        raise MailError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        _quit_quietly(client)
    return "smtp", {rcpt: _reply(code, text) for rcpt, (code, text) in refused.items()}


def _connect(url, timeout, tls):
    if url.scheme == "smtps":
        return smtplib.SMTP_SSL(url.hostname, url.port or 465, timeout=timeout, context=tls)
    return smtplib.SMTP(url.hostname, url.port or 25, timeout=timeout)


def _secure_and_login(client, url, tls):
    if url.scheme == "smtp":
        client.ehlo()  # has_extn() only knows what EHLO announced
        if client.has_extn("starttls"):
            client.starttls(context=tls)
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


AUTHENTICATION_REQUIRED = 530  # RFC 4954 §6


def _refusal(exc):
    """The server's reply when it refused the message for good, else None.

    For good means a 5xx reply to MAIL FROM, to DATA or to every RCPT (RFC 5321 §4.2.1).
    Everything else is retried: a 4xx reply, a lost connection, a TLS failure, and a
    refused or missing login (530 at MAIL FROM, RFC 4954 §6) too, for then the message
    was not refused, the operator's ``MAIL_URL`` was, and once it is fixed the waiting
    alerts go out.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        if all(_permanent(code) for code, _ in exc.recipients.values()):
            return "; ".join(f"refused {rcpt}: {_reply(code, text)}"
                             for rcpt, (code, text) in exc.recipients.items())
    elif isinstance(exc, (smtplib.SMTPSenderRefused, smtplib.SMTPDataError)):
        if _permanent(exc.smtp_code):
            return _reply(exc.smtp_code, exc.smtp_error)
    return None


def _permanent(code):
    return 500 <= code <= 599 and code != AUTHENTICATION_REQUIRED


def _reply(code, text):
    return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"


def _readable(msg):
    """Headers and the decoded body: the log shows Kazakh and Russian text, not base64."""
    headers = "".join(f"{name}: {value}\n" for name, value in msg.items()
                      if name.lower() not in {"content-type", "content-transfer-encoding",
                                              "mime-version"})
    return f"{headers}\n{msg.get_content()}"
