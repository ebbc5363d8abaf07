"""Alert e-mails a real mail server accepts (issue 14, part 4), against aiosmtpd and Postgres.

Every message has ``Date`` and ``Message-ID``; a long Kazakh or Russian subject is folded
into RFC 2047 encoded words on lines of at most 78 characters and reads back exactly;
TLS checks certificates, against ``MAIL_CA_FILE`` when it is set; a message the server
refuses for good (a 5xx reply) is marked failed at once instead of being retried.
"""
import random
import re
from datetime import timedelta
from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime

import ssl

import pytest
import trustme

from core import mail
from services.notifications import deliver_due, deliver_one, queue_email
from tests.outbox_helpers import FAILED, PENDING, SENT, attempts_of, mail_url, reload_message  # noqa: F401
from tests.smtp_server import SmtpServer, smtp_server  # noqa: F401 (fixture)

KAZAKH_SUBJECT = (  # 263 characters: Kazakh letters, spaces, digits, «», — and a registration number
    "Шағым тіркелді: өтініш № 75-2026-000123 «Баланың құқығы бұзылды» — Алматы қ., "
    "Әуезов ауданы; қарау мерзімі 2026-12-01 дейін. Жауапты: Нұрғали Өмірұлы, Қостанай "
    "облысы, Рудный қ.; үшінші тарап: «Ақжол» ЖШС, Һ әрпі, ғимарат 12/3, бөлме 4, "
    "тел. 8-700-123-45-67 (№ 2)"
)
SUBJECTS = [
    KAZAKH_SUBJECT,
    # Python 3.11's own folding turned "ответственный: Нұрғали" into "ответственный:Нұрғали".
    "Новое обращение № 75-2026-000123: ә срок ответа — 10 рабочих дней, ответственный: Нұрғали Ө.",
    # Encoded-word syntax typed as text stays text.
    "Case 75-2026-000123 =?utf-8?q?hidden?= and a long plain ASCII tail that needs folding too",
]
ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")


# --- Date, Message-ID, folding -------------------------------------------------------------


def test_date_and_message_id_are_set_and_stay_the_same_on_a_retry(app, app_ctx, smtp_server,
                                                                  mail_url, monkeypatch):
    mail_url(smtp_server.url)
    monkeypatch.setitem(app.config, "OUTBOX_RETRY_BASE_SECONDS", 0)
    smtp_server.reject_next(1)
    message = queue_email(["a@test.kz"], "Dated", "Body")
    assert deliver_due() == 2
    [rejected], [got] = smtp_server.rejected, smtp_server.messages
    date = parsedate_to_datetime(got.message["Date"])
    assert date.tzinfo is not None and abs(date - message.created_at) < timedelta(seconds=1)
    assert re.fullmatch(rf"<outbox-{message.id}\.\d{{20}}@[^>]+>", got.message_id)
    assert (rejected.message["Date"], rejected.message_id) == (got.message["Date"], got.message_id)


@pytest.mark.parametrize("subject", SUBJECTS, ids=["kazakh-260", "russian-space-at-fold", "ascii-ew"])
def test_long_subject_is_folded_into_encoded_words_and_reads_back_exactly(app_ctx, smtp_server,
                                                                          mail_url, subject):
    mail_url(smtp_server.url)
    queue_email(["a@test.kz"], subject, "Body")
    assert deliver_one()
    [got] = smtp_server.messages
    lines = got.header_lines("Subject")
    assert len(lines) > 1 and all(len(line) <= 78 for line in lines), lines
    words = ENCODED_WORD.findall("\r\n".join(lines))
    assert words and all(len(word) <= 75 for word in words)
    assert all(len(line) <= 78 for line in got.raw.split(b"\r\n"))
    assert got.subject == subject


def test_short_ascii_subject_stays_readable(app_ctx, smtp_server, mail_url):
    mail_url(smtp_server.url)
    queue_email(["a@test.kz"], "Case 75-2026-000123 registered", "Body")
    assert deliver_one()
    [got] = smtp_server.messages
    assert got.header_lines("Subject") == ["Subject: Case 75-2026-000123 registered"]


def test_kazakh_body_travels_as_seven_bit(app_ctx, smtp_server, mail_url):
    mail_url(smtp_server.url)
    body = "Өтініш № 75-2026-000123 тіркелді. Құқық бұзушылық туралы хабар — 3 күн ішінде.\n"
    queue_email(["a@test.kz"], "Шағым", body)
    assert deliver_one()
    [got] = smtp_server.messages
    assert got.raw.isascii() and got.body == body


def test_any_subject_reads_back_exactly():
    """Three thousand subjects of Kazakh, Russian and ASCII characters, spaces, digits and
    punctuation (fixed seed) survive building, serializing and parsing back."""
    chars = "әғқңөұүһіӘҒҚҢӨҰҮҺІабвгдеёжзийклмнопрстуфхцчшщъыьэюяABCxyz0123456789 «»—–-.,;:!?()№/\"'="
    rng = random.Random(14)
    for _ in range(3000):
        subject = " ".join("".join(rng.choices(chars, k=rng.randint(1, 300))).split()) or "x"
        raw = mail.build_message("a@test.kz", ["b@test.kz"], subject, "Body", "key").as_bytes()
        assert all(len(line) <= 78 for line in raw.split(b"\r\n")), subject
        assert message_from_bytes(raw, policy=policy.default)["Subject"] == subject


# --- TLS -----------------------------------------------------------------------------------


@pytest.fixture
def private_ca(monkeypatch):
    """A CA of our own (trustme), which the system store does not know."""
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    return trustme.CA()


@pytest.fixture
def ca_file(private_ca, tmp_path):
    """``private_ca``'s certificate as a PEM file, for ``MAIL_CA_FILE``."""
    path = tmp_path / "relay-ca.pem"
    private_ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
def tls_server(private_ca):
    """Start an SMTP server whose certificate ``private_ca`` issued (for 127.0.0.1 by default)."""
    servers = []

    def start(implicit_tls=False, name="127.0.0.1", users=None):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        private_ca.issue_cert(name).configure_cert(context)
        servers.append(SmtpServer(tls_context=context, implicit_tls=implicit_tls, users=users).start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.mark.parametrize("implicit_tls", [False, True], ids=["starttls", "smtps"])
def test_relay_with_a_private_ca_is_trusted_through_mail_ca_file(app, app_ctx, tls_server,
                                                                 ca_file, mail_url,
                                                                 monkeypatch, implicit_tls):
    server = tls_server(implicit_tls)
    mail_url(server.url)
    monkeypatch.setitem(app.config, "MAIL_CA_FILE", ca_file)
    message_id = queue_email(["a@test.kz"], "Over TLS", "Body").id
    assert deliver_one()
    assert reload_message(message_id).status == SENT, reload_message(message_id).last_error
    [got] = server.messages
    assert got.tls


@pytest.mark.parametrize("implicit_tls", [False, True], ids=["starttls", "smtps"])
def test_unknown_ca_is_refused_and_retried_later(app_ctx, tls_server, mail_url, implicit_tls):
    server = tls_server(implicit_tls)
    mail_url(server.url)
    message_id = queue_email(["a@test.kz"], "Untrusted relay", "Body").id
    assert deliver_one()
    message = reload_message(message_id)
    assert (message.status, message.attempts) == (PENDING, 1)
    assert "CERTIFICATE_VERIFY_FAILED" in message.last_error
    assert [a.succeeded for a in attempts_of(message_id)] == [False]
    assert server.messages == []


def test_mail_ca_file_still_checks_the_host_name(app, app_ctx, tls_server, ca_file, mail_url,
                                                 monkeypatch):
    server = tls_server(name="relay.internal.kz")  # the right CA, another host's certificate
    mail_url(server.url)
    monkeypatch.setitem(app.config, "MAIL_CA_FILE", ca_file)
    message_id = queue_email(["a@test.kz"], "Wrong host", "Body").id
    assert deliver_one()
    message = reload_message(message_id)
    assert message.status == PENDING and "IP address mismatch" in message.last_error
    assert server.messages == []


# --- refused for good, or only for now ----------------------------------------------------


def test_every_recipient_refused_fails_at_once(app, app_ctx, smtp_server, mail_url, monkeypatch):
    mail_url(smtp_server.url)
    monkeypatch.setitem(app.config, "OUTBOX_RETRY_BASE_SECONDS", 0)
    smtp_server.refuse.update({"gone@test.kz", "left@test.kz"})
    message_id = queue_email(["gone@test.kz", "left@test.kz"], "Nobody", "Body").id
    assert deliver_due() == 1
    message = reload_message(message_id)
    assert (message.status, message.attempts) == (FAILED, 1)
    assert message.last_error == ("refused gone@test.kz: 550 5.1.1 No such user; "
                                  "refused left@test.kz: 550 5.1.1 No such user")
    assert [(a.succeeded, a.error) for a in attempts_of(message_id)] == [(False, message.last_error)]


def test_sender_refused_fails_at_once(app, app_ctx, smtp_server, mail_url, monkeypatch):
    mail_url(smtp_server.url)
    monkeypatch.setitem(app.config, "OUTBOX_RETRY_BASE_SECONDS", 0)
    smtp_server.refuse.add(app.config["MAIL_FROM"])
    message_id = queue_email(["a@test.kz"], "From nobody", "Body").id
    assert deliver_due() == 1
    message = reload_message(message_id)
    assert (message.status, message.attempts) == (FAILED, 1)
    assert message.last_error == "553 5.7.1 Sender address rejected"


def test_message_refused_at_data_fails_at_once(app, app_ctx, smtp_server, mail_url, monkeypatch):
    mail_url(smtp_server.url)
    monkeypatch.setitem(app.config, "OUTBOX_RETRY_BASE_SECONDS", 0)
    smtp_server.reject_next(5, "554 5.6.0 Message rejected")
    message_id = queue_email(["a@test.kz"], "Unwanted", "Body").id
    assert deliver_due() == 1
    message = reload_message(message_id)
    assert (message.status, message.attempts) == (FAILED, 1)
    assert message.last_error == "554 5.6.0 Message rejected"
    assert len(smtp_server.rejected) == 1 and smtp_server.messages == []


@pytest.mark.parametrize("credentials", ["", "alerts:wrong@"], ids=["no-login-530", "bad-password-535"])
def test_login_refused_is_retried_not_failed(app, app_ctx, tls_server, ca_file, mail_url,
                                             monkeypatch, credentials):
    server = tls_server(users={"alerts": "right"})
    mail_url(f"smtp://{credentials}127.0.0.1:{server.port}")
    monkeypatch.setitem(app.config, "MAIL_CA_FILE", ca_file)
    message_id = queue_email(["a@test.kz"], "Misconfigured", "Body").id
    assert deliver_one()
    message = reload_message(message_id)
    assert (message.status, message.attempts) == (PENDING, 1)
    assert re.search(r"\b53[05]\b", message.last_error), message.last_error
