"""The alert outbox [R10.1], [R10.3] against a real SMTP server (aiosmtpd) and real Postgres.

Acceptance (issue "Foundation", item 10): an e-mail queued in a transaction that rolls
back is never sent, and one that commits is delivered to the test SMTP server even if
that server was down at first. The last tests run ``flask --app app worker`` as real
processes: killed with SIGKILL mid-send, stopped with SIGTERM, two at once, and cut off
from the database.
"""
import logging
import re
import select as select_module
import shutil
import signal
import ssl
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import psycopg2
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError

from extensions import db
from models.base import utcnow
from models.outbox import OutboxAttempt, OutboxMessage
from services.notifications import NOTIFY_CHANNEL, backoff, deliver_due, deliver_one, queue_email
from tests.outbox_helpers import FAILED, PENDING, SENT, attempts_of, mail_url, reload_message  # noqa: F401
from tests.smtp_server import SmtpServer, smtp_port_down, smtp_server, wait_until  # noqa: F401
from tests.workers import WORKER_APP_NAME, start_worker, worker_log  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent


# --- in-process: deliver_one / deliver_due against the real server --------------------------


def test_backoff_doubles_up_to_thirty_minutes():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [10, 20, 40, 80]
    assert backoff(3, base_seconds=0.2) == timedelta(seconds=0.8)
    assert backoff(30) == timedelta(minutes=30)


@pytest.mark.committed
def test_rolled_back_email_is_never_sent_committed_one_is_delivered(app, smtp_server, mail_url):
    mail_url(smtp_server.url)
    with app.app_context():
        queue_email(["rolled@test.kz"], "Rolled back", "Never sent")
        db.session.rollback()
        kept = queue_email(["c@test.kz", "b@test.kz"], "Committed", "Body text\nline 2")
        db.session.commit()
        assert deliver_due() == 1
        assert deliver_due() == 0
        message = db.session.get(OutboxMessage, kept.id)
        assert (message.status, message.attempts, message.last_error) == (SENT, 1, None)
        assert [(a.succeeded, a.transport) for a in attempts_of(kept.id)] == [(True, "smtp")]
    [got] = smtp_server.messages
    assert got.subject == "Committed"
    assert got.rcpt_tos == ["b@test.kz", "c@test.kz"] and got.to == "b@test.kz, c@test.kz"
    assert got.body == "Body text\nline 2\n"
    assert re.fullmatch(rf"<outbox-{kept.id}\.\d{{20}}@localhost>", got.message_id)


def _notifications(listener, seconds=2.0):
    """The channels notified on ``listener`` (a LISTENing psycopg2 connection) within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not listener.notifies:
        select_module.select([listener], [], [], 0.1)
        listener.poll()
    return [n.channel for n in listener.notifies]


@pytest.mark.committed
def test_a_committed_message_wakes_a_listening_worker_a_rolled_back_one_does_not(app):
    with app.app_context():
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    listener = psycopg2.connect(url)
    listener.autocommit = True
    try:
        listener.cursor().execute(f"LISTEN {NOTIFY_CHANNEL}")
        with app.app_context():
            queue_email(["rolled@test.kz"], "Rolled back", "Never sent")
            db.session.rollback()
            assert _notifications(listener, 0.5) == []
            queue_email(["kept@test.kz"], "Kept", "Sent")
            assert _notifications(listener, 0.3) == []  # not before the commit
            db.session.commit()
        assert _notifications(listener) == [NOTIFY_CHANNEL]
    finally:
        listener.close()


def test_sent_but_not_recorded_is_recorded_not_sent_again(app, app_ctx, smtp_server, mail_url,
                                                          monkeypatch):
    """The mail server accepted the message, then the database went away before "sent" was
    committed: the next pass records it as sent without sending it a second time."""
    mail_url(smtp_server.url)
    message_id = queue_email(["a@test.kz"], "Once", "Body").id
    db.session.commit()
    real_commit = db.session.commit

    def database_gone():
        db.session.rollback()
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))
    monkeypatch.setattr(db.session, "commit", database_gone)
    with pytest.raises(OperationalError):
        deliver_one()
    monkeypatch.setattr(db.session, "commit", real_commit)
    assert reload_message(message_id).status != SENT and len(smtp_server.messages) == 1
    assert deliver_due() == 1
    assert reload_message(message_id).status == SENT
    assert len(smtp_server.messages) == 1


def test_message_id_is_the_same_on_every_retry(app, app_ctx, smtp_server, mail_url, monkeypatch):
    mail_url(smtp_server.url)
    monkeypatch.setitem(app.config, "OUTBOX_RETRY_BASE_SECONDS", 0)
    smtp_server.reject_next(1)  # 451 to the first message: the worker must try it again
    first = queue_email(["a@test.kz"], "First", "1")
    second = queue_email(["a@test.kz"], "Second", "2")
    assert deliver_due() == 3
    [rejected] = smtp_server.rejected
    delivered = {m.subject: m.message_id for m in smtp_server.messages}
    assert rejected.subject == "First" and delivered["First"] == rejected.message_id
    assert delivered["Second"] != delivered["First"]
    assert "451" in attempts_of(first.id)[0].error
    assert reload_message(first.id).status == reload_message(second.id).status == SENT


def test_smtp_down_at_first_backs_off_then_delivers_once(app, app_ctx, smtp_port_down, mail_url):
    mail_url(smtp_port_down.url)  # OUTBOX_RETRY_BASE_SECONDS is 0.2 in TestConfig
    message_id = queue_email(["a@test.kz"], "Down at first", "Body").id
    for attempt, wait in ((1, 0.2), (2, 0.4)):
        before = utcnow()
        assert deliver_one()
        message = reload_message(message_id)
        assert (message.status, message.attempts) == (PENDING, attempt)
        assert "Connection refused" in message.last_error
        assert before + timedelta(seconds=wait) <= message.next_attempt_at <= utcnow() + timedelta(seconds=wait)
        assert not deliver_one(), "retried before its backoff ran out"
        assert wait_until(lambda: utcnow() >= message.next_attempt_at, timeout=2)
    smtp_port_down.start()
    assert deliver_due() == 1
    assert deliver_due() == 0
    assert [m.subject for m in smtp_port_down.messages] == ["Down at first"]
    assert reload_message(message_id).status == SENT
    attempts = attempts_of(message_id)
    assert [a.succeeded for a in attempts] == [False, False, True]
    assert all("Connection refused" in a.error for a in attempts[:2])


def test_dedupe_key_reuse_queues_nothing(app_ctx):
    first = queue_email(["a@test.kz"], "Reminder", "Once", dedupe_key="reminder:case-7:2026-11-25")
    again = queue_email(["a@test.kz"], "Reminder", "Twice", dedupe_key="reminder:case-7:2026-11-25")
    other = queue_email(["a@test.kz"], "Reminder", "Next day", dedupe_key="reminder:case-7:2026-11-26")
    assert first is not None and again is None and other is not None
    keys = select(func.count()).where(OutboxMessage.dedupe_key.like("reminder:case-7:%"))
    assert db.session.scalar(keys) == 2


def test_gives_up_after_max_attempts(app, app_ctx, smtp_port_down, mail_url, monkeypatch):
    mail_url(smtp_port_down.url)
    monkeypatch.setitem(app.config, "OUTBOX_RETRY_BASE_SECONDS", 0)
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 3)
    message_id = queue_email(["a@test.kz"], "Never arrives", "Body").id
    assert deliver_due() == 3
    assert deliver_due() == 0
    message = reload_message(message_id)
    assert (message.status, message.attempts) == (FAILED, 3)
    assert [a.succeeded for a in attempts_of(message_id)] == [False] * 3


def test_log_transport_when_mail_url_is_unset(app, app_ctx, caplog, monkeypatch):
    assert app.config["MAIL_URL"] is None
    # migrations/env.py's fileConfig() disabled the loggers that existed when the
    # session's `upgrade()` ran; a real `flask worker` process does not run it.
    monkeypatch.setattr(logging.getLogger("core.mail"), "disabled", False)
    caplog.set_level(logging.WARNING, logger="core.mail")
    message_id = queue_email(["a@test.kz"], "Шағым тіркелді", "Өтініш №12 қабылданды.").id
    assert deliver_one()
    assert reload_message(message_id).status == SENT
    assert [(a.succeeded, a.transport) for a in attempts_of(message_id)] == [(True, "log")]
    assert "Subject: Шағым тіркелді" in caplog.text and "Өтініш №12 қабылданды." in caplog.text


def test_subject_line_break_and_single_address_string(app_ctx, smtp_server, mail_url):
    mail_url(smtp_server.url)
    message = queue_email("one@test.kz", "Case 7\nBcc: spy@evil.kz", "Body")
    assert message.recipients == ["one@test.kz"] and message.subject == "Case 7 Bcc: spy@evil.kz"
    assert deliver_one()
    [got] = smtp_server.messages
    assert got.rcpt_tos == ["one@test.kz"] and got.message["Bcc"] is None


def test_starttls_and_login(app_ctx, mail_url, monkeypatch, tmp_path):
    cert = _self_signed_certificate(tmp_path)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, tmp_path / "key.pem")
    server = SmtpServer(tls_context=tls, users={"alerts": "p@ss:word"}).start()
    try:
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client checks the certificate
        mail_url(f"smtp://alerts:p%40ss%3Aword@127.0.0.1:{server.port}")
        message_id = queue_email(["a@test.kz"], "Over TLS", "Body").id
        assert deliver_one()
        assert reload_message(message_id).status == SENT, reload_message(message_id).last_error
        [got] = server.messages
        assert got.tls and got.login == "alerts"
    finally:
        server.stop()


def test_password_is_not_sent_without_starttls(app_ctx, smtp_server, mail_url):
    mail_url(f"smtp://alerts:secret@127.0.0.1:{smtp_server.port}")
    message_id = queue_email(["a@test.kz"], "Plain", "Body").id
    assert deliver_one()
    message = reload_message(message_id)
    assert message.status == PENDING and "STARTTLS" in message.last_error
    assert smtp_server.messages == []


def test_refused_recipient_is_recorded_the_others_get_it(app_ctx, smtp_server, mail_url):
    mail_url(smtp_server.url)
    smtp_server.refuse.add("gone@test.kz")
    message_id = queue_email(["gone@test.kz", "here@test.kz"], "Partly", "Body").id
    assert deliver_one()
    assert reload_message(message_id).status == SENT  # a retry would send "here" a second copy
    [attempt] = attempts_of(message_id)
    assert attempt.succeeded and "refused gone@test.kz: 550" in attempt.error
    assert [m.rcpt_tos for m in smtp_server.messages] == [["here@test.kz"]]


def test_worker_command_once_and_production_needs_mail_url(app, app_ctx, runner, smtp_server,
                                                           mail_url, monkeypatch):
    mail_url(smtp_server.url)
    queue_email(["a@test.kz"], "Once", "Body")
    result = runner.invoke(args=["worker", "--once"])
    assert "Delivered 1 message(s)." in result.output and len(smtp_server.messages) == 1
    mail_url(None)
    monkeypatch.setitem(app.config, "APP_ENV", "production")
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code != 0 and "MAIL_URL is not set" in result.output


def _self_signed_certificate(tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("the openssl command is needed to make a test certificate")
    cert = tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(cert),
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert


# --- real worker processes: flask --app app worker ------------------------------------------


def _commit_email(app, subject):
    with app.app_context():
        message = queue_email(["alerts@test.kz"], subject, f"Body of {subject}")
        db.session.commit()
        return message.id


def _message(app, message_id):
    """The row as committed now (a fresh session in a new app context)."""
    with app.app_context():
        return db.session.get(OutboxMessage, message_id)


@pytest.mark.committed
def test_worker_delivers_committed_email_although_smtp_was_down(app, smtp_port_down, start_worker):
    worker = start_worker(smtp_port_down.url)
    with app.app_context():
        queue_email(["alerts@test.kz"], "Rolled back", "Never sent")
        db.session.rollback()
    message_id = _commit_email(app, "Committed while SMTP is down")
    assert wait_until(lambda: _message(app, message_id).attempts >= 1, 10), worker_log(worker)
    failed = _message(app, message_id)
    assert failed.status == PENDING and "Connection refused" in failed.last_error
    smtp_port_down.start()
    assert smtp_port_down.wait_for(1, timeout=10), worker_log(worker)
    assert wait_until(lambda: _message(app, message_id).status == SENT, 5)
    time.sleep(0.3)  # room for a second copy, or the rolled-back message, to show up
    assert [m.subject for m in smtp_port_down.messages] == ["Committed while SMTP is down"]
    assert worker.poll() is None, worker_log(worker)


@pytest.mark.committed
def test_worker_finishes_current_message_on_sigterm(app, smtp_server, start_worker):
    smtp_server.delay = 1.0
    worker = start_worker(smtp_server.url)
    message_id = _commit_email(app, "Sent while stopping")
    assert smtp_server.data_started.wait(10), worker_log(worker)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=10) == 0, worker_log(worker)
    assert [m.subject for m in smtp_server.messages] == ["Sent while stopping"]
    assert _message(app, message_id).status == SENT
    assert "outbox worker stopped" in worker_log(worker)


@pytest.mark.committed
def test_worker_killed_mid_send_leaves_the_message_to_another(app, smtp_server, start_worker):
    smtp_server.delay = 30  # the first worker holds the message, waiting for the reply
    first = start_worker(smtp_server.url, "first")
    message_id = _commit_email(app, "Survives SIGKILL")
    assert smtp_server.data_started.wait(10), worker_log(first)
    first.kill()
    first.wait()
    message = _message(app, message_id)
    assert (message.status, message.attempts) == (PENDING, 0)  # its transaction died with it
    smtp_server.delay = 0
    second = start_worker(smtp_server.url, "second")
    assert smtp_server.wait_for(1, timeout=10), worker_log(second)
    assert wait_until(lambda: _message(app, message_id).status == SENT, 5)
    time.sleep(0.3)
    assert [m.subject for m in smtp_server.messages] == ["Survives SIGKILL"]
    with app.app_context():
        assert [a.succeeded for a in attempts_of(message_id)] == [True]


@pytest.mark.committed
def test_two_workers_deliver_each_message_once(app, smtp_server, start_worker):
    count = 20
    smtp_server.delay = 0.05  # both workers race for the same rows
    start_worker(smtp_server.url, "one")
    start_worker(smtp_server.url, "two")
    _commit_emails(app, [f"Race {i}" for i in range(count)])
    race = sorted(m.subject for m in smtp_server.wait_for(count, timeout=20))
    assert race == sorted(f"Race {i}" for i in range(count)), "missing or duplicate messages"
    # One worker holds a slow message; SKIP LOCKED lets the other deliver the rest meanwhile.
    smtp_server.delay, smtp_server.delays["Slow"] = 0, 3.0
    smtp_server.data_started.clear()
    _commit_emails(app, ["Slow"])
    assert smtp_server.data_started.wait(10)
    _commit_emails(app, [f"Meanwhile {i}" for i in range(count)])
    meanwhile = smtp_server.wait_for(2 * count, timeout=10)
    assert len(meanwhile) == 2 * count and "Slow" not in {m.subject for m in meanwhile}
    received = smtp_server.wait_for(2 * count + 1, timeout=10)
    time.sleep(0.3)  # room for duplicates to show up
    assert len(smtp_server.messages) == 2 * count + 1
    assert len({m.subject for m in received}) == len({m.message_id for m in received}) == 2 * count + 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxAttempt)) == 2 * count + 1
        assert set(db.session.scalars(select(OutboxMessage.status))) == {SENT}


def _commit_emails(app, subjects):
    with app.app_context():
        for i, subject in enumerate(subjects):
            queue_email([f"user{i}@test.kz"], subject, f"Body of {subject}")
        db.session.commit()


@pytest.mark.committed
def test_worker_survives_database_outage(app, smtp_server, start_worker):
    worker = start_worker(smtp_server.url)
    with app.app_context():
        url = db.engine.url
    # From the "postgres" database: a database cannot refuse connections from inside itself.
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{url.database}" ALLOW_CONNECTIONS false'))
        try:
            cut = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                                    " WHERE application_name = :name"), {"name": WORKER_APP_NAME})
            assert cut.scalar() >= 1
            assert wait_until(lambda: "database unavailable" in worker_log(worker), 5), worker_log(worker)
            time.sleep(0.5)  # a few refused reconnections
        finally:
            conn.execute(text(f'ALTER DATABASE "{url.database}" ALLOW_CONNECTIONS true'))
    admin.dispose()
    assert worker.poll() is None, worker_log(worker)
    message_id = _commit_email(app, "After the outage")
    assert smtp_server.wait_for(1, timeout=10), worker_log(worker)
    assert wait_until(lambda: _message(app, message_id).status == SENT, 5)
