"""Figure 6: alert latency. One ``flask --app app worker`` delivers the outbox to a real
SMTP server (aiosmtpd on 127.0.0.1); cases are sent through the public form at a steady
rate, and each case's [R10.1] alert is timed from the case's registration (``received_at``,
written in the transaction just before its commit: a slight over-estimate of the latency)
to the moment the SMTP server accepts the message.
"""
from __future__ import annotations

import re
import subprocess
import time
import uuid

from bench import load
from bench.common import BENCH_LOGS, ROOT, VENV_BIN, Gunicorn, Row, flask_env, percentile, query, say
from bench.submit import last_case_id, require_success

TARGET_P95_S = 2.0
_MESSAGE_KEY = re.compile(r"<outbox-(\d+)\.")


def _smtp_classes():
    from tests.smtp_server import SmtpServer, _Handler

    class StampingHandler(_Handler):
        """Notes when each message was accepted (after the 250 reply is decided)."""

        def __init__(self):
            super().__init__()
            self.accepted = []  # (wall time, outbox id or None, subject)

        async def handle_DATA(self, server, session, envelope):
            before = len(self.messages)
            reply = await super().handle_DATA(server, session, envelope)
            if reply.startswith("250") and len(self.messages) > before:
                message = self.messages[-1]
                match = _MESSAGE_KEY.search(message.message_id or "")
                self.accepted.append((time.time(), int(match.group(1)) if match else None,
                                      message.subject))
            return reply

    return SmtpServer, StampingHandler


def smtp_server(port=None):
    """A stopped SMTP server whose handler stamps acceptance times (``.handler.accepted``)."""
    SmtpServer, StampingHandler = _smtp_classes()
    server = SmtpServer(port=port)
    server.handler = StampingHandler()
    return server


class Worker:
    """``flask --app app worker`` against the bench database, logging to instance/bench-logs."""

    def __init__(self, database_url, mail_url, name="worker", **env):
        self.env = flask_env(database_url, MAIL_URL=mail_url, **env)
        self.path = BENCH_LOGS / f"{name}.log"
        self.proc = None

    def start(self, timeout=30):
        BENCH_LOGS.mkdir(parents=True, exist_ok=True)
        with open(self.path, "wb") as out:
            self.proc = subprocess.Popen([str(VENV_BIN / "flask"), "--app", "app", "worker"], cwd=ROOT,
                                         env=self.env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("the worker exited:\n" + self.log()[-2000:])
            if "outbox worker started" in self.log():
                return self
            time.sleep(0.1)
        raise TimeoutError("the worker did not start")

    def log(self):
        return self.path.read_text(errors="replace") if self.path.exists() else ""

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def park_backlog(database_url):
    """Earlier runs leave thousands of undelivered alerts to fictitious people in the bench
    database; they would be delivered first and hide the latency of new ones. Mark them
    failed (bench data only); return how many."""
    rows = query(database_url,
                 "UPDATE outbox_message SET status = 'failed', last_error = 'bench: backlog not sent' "
                 "WHERE status = 'pending' RETURNING id")
    return len(rows)


def r10_1_alerts(database_url, after_id):
    """{outbox id: (case id, received_at as epoch seconds)} of the [R10.1] alerts of the
    cases stored after ``after_id``."""
    rows = query(database_url, """
        SELECT m.id, c.id, extract(epoch FROM c.received_at)
        FROM cases c
        JOIN checklist_item i ON i.case_id = c.id AND i.rule = 'R10.1'
        JOIN outbox_message m ON m.object_type = 'checklist_item' AND m.object_id = i.id::text
        WHERE c.id > %s""", (after_id,))
    return {message_id: (case_id, float(epoch)) for message_id, case_id, epoch in rows}


def wait_delivered(handler, wanted, timeout):
    """Wait until every outbox id of ``wanted`` was accepted once, or ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = {outbox_id for _t, outbox_id, _s in list(handler.accepted)}
        if set(wanted) <= got:
            return True
        time.sleep(0.1)
    return False


def latencies(handler, alerts):
    """Seconds from registration to first acceptance, per alert; and the duplicates count."""
    first, seen = {}, {}
    for at, outbox_id, _subject in list(handler.accepted):
        if outbox_id in alerts:
            seen[outbox_id] = seen.get(outbox_id, 0) + 1
            first.setdefault(outbox_id, at)
    values = [first[i] - alerts[i][1] for i in first]
    return values, sum(n - 1 for n in seen.values())


def measure(database_url, prepared, duration=20.0, rate=10.0, connections=8):
    """Rows for figure 6: p50 / p95 / max of the [R10.1] alert latency with one worker."""
    parked = park_backlog(database_url)
    if parked:
        say(f"alerts: {parked} undelivered alerts of earlier runs marked failed (bench data)")
    smtp = smtp_server().start()
    kwargs = dict(regions=prepared["regions"], answers=prepared["answers"])
    try:
        with Worker(database_url, smtp.url, name="alerts-worker"), \
                Gunicorn("app:app", flask_env(database_url), name="alerts-app") as server:
            after = last_case_id(database_url)
            say(f"alerts: {rate:g} cases/s for {duration:g} s, one worker")
            result = load.run("report", server.port, connections, duration, warmup=3.2,
                              interval=connections / rate, run_id="alerts-" + uuid.uuid4().hex[:6], **kwargs)
            require_success(result, server)
            alerts = r10_1_alerts(database_url, after)
            complete = wait_delivered(smtp.handler, alerts, timeout=30)
            values, duplicates = latencies(smtp.handler, alerts)
    finally:
        smtp.stop()
    p95 = percentile(values, 95)
    sent = len(result.ok())
    note = (f"{sent} cases in {result.duration:.0f} s ({sent / result.duration:.1f}/s); "
            f"{len(values)} of {len(alerts)} [R10.1] alerts accepted"
            + ("" if complete else " (some not within 30 s)") + f", {duplicates} twice")
    return [
        Row("[R10.1] alert latency p50", percentile(values, 50), "s", note=note),
        Row("[R10.1] alert latency p95", p95, "s", f"≤ {TARGET_P95_S:g}",
            None if p95 is None else p95 <= TARGET_P95_S and complete),
        Row("[R10.1] alert latency max", max(values) if values else None, "s"),
    ]

