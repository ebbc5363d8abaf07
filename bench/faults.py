"""Figure 8 (``make bench-faults`` / ``python -m bench faults``): faults under load.

16 connections send public reports for 60 s (all traffic on 127.0.0.1) while
  (a) the Postgres server is restarted once (``pg_ctl stop -m fast``, then start),
  (b) the SMTP server is down for 20 s, and
  (c) the SMS gateway (the SMSC.kz stand-in of the tests, over HTTP) is down for 20 s,
with one outbox worker delivering to them; a Committee member has a mobile number, so
every [R10.1] alert also goes by SMS. Then: how many requests were answered successfully /
5xx / refused; whether every success is exactly one stored case; whether every alert of a
stored case was delivered exactly once per channel after the servers came back; and how
soon the app answered normally after Postgres was back (target 5 s, thanks to the pool's
``pool_pre_ping``).

Only the embedded bench Postgres can be restarted: with ``BENCH_DATABASE_URL`` the fault
run refuses to start.
"""
from __future__ import annotations

import argparse
import threading
import time
import uuid

from bench import load
from bench.alerts import Worker, park_backlog, smtp_server
from bench.common import (BenchPostgres, Gunicorn, Row, flask_env, http_get, machine, migrate, query, say,
                          table)
from bench.submit import check_exactly_once, exactly_once_row, last_case_id, prepare
from tests.sms_gateway import SmsGateway

RECOVERY_TARGET_S = 5.0
# The worker's first retry comes this soon (OUTBOX_RETRY_BASE_SECONDS, config; 10 s by
# default, doubling): shorter here so that the run stays bounded in time.
RETRY_BASE_SECONDS = 1
SMS_PHONE = "+77011234567"


class Probe(threading.Thread):
    """GET /healthz every 50 ms: (wall time, status or 0 for no answer)."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port, self.answers = port, []
        self.stop = threading.Event()

    def run(self):
        while not self.stop.wait(0.05):
            try:
                status = http_get(self.port, "/healthz", timeout=2)
            except OSError:
                status = 0
            self.answers.append((time.time(), status))


def case_alerts(database_url, after_id):
    """The outbox messages of the cases stored after ``after_id`` (the case's own alert and
    its checklist items' alerts): {outbox id: (topic, status, channel, address, text)}."""
    rows = query(database_url, """
        SELECT m.id, m.topic, m.status, m.channel, m.recipients[1], m.body FROM outbox_message m
        WHERE (m.object_type = 'cases' AND m.object_id ~ '^[0-9]+$' AND m.object_id::bigint > %s)
           OR (m.object_type = 'checklist_item' AND m.object_id IN (
                SELECT i.id::text FROM checklist_item i WHERE i.case_id > %s))""", (after_id, after_id))
    return {row[0]: row[1:] for row in rows}


def _accepted_counts(handler, gateway, alerts):
    """How many times each outbox message arrived: an e-mail by its Message-ID, an SMS by its
    number and text (each alert's text names its own case)."""
    counts = {}
    for _at, outbox_id, _subject in list(handler.accepted):
        counts[outbox_id] = counts.get(outbox_id, 0) + 1
    received = {}
    for sms in list(gateway.messages):
        received[(sms.phone, sms.text)] = received.get((sms.phone, sms.text), 0) + 1
    for outbox_id, (_topic, _status, channel, address, text) in alerts.items():
        if channel == "sms":
            counts[outbox_id] = received.get((address, text), 0)
    return counts


def _sms_recipient(url):
    """A Committee member with a mobile number: every [R10.1] alert goes to them by SMS too."""
    query(url, """INSERT INTO users (email, name, role, phone, is_enabled)
                  SELECT 'duty.committee@bench.kz', 'Duty officer', 'committee', %s, true
                  WHERE NOT EXISTS (SELECT 1 FROM users WHERE email = 'duty.committee@bench.kz')""",
          (SMS_PHONE,))


def run(pg, prepared, duration=60.0, connections=16, pg_restart_at=15.0, smtp_down_at=30.0,
        smtp_down_for=20.0, sms_down_at=38.0, sms_down_for=20.0, drain_timeout=90.0):
    url = pg.url
    parked = park_backlog(url)
    if parked:
        say(f"faults: {parked} undelivered alerts of earlier runs marked failed (bench data)")
    _sms_recipient(url)
    smtp = smtp_server().start()
    gateway = SmsGateway().start()
    sms_env = {"SMS_URL": gateway.url, "SMS_LOGIN": gateway.login, "SMS_PASSWORD": gateway.password}
    kwargs = dict(regions=prepared["regions"], answers=prepared["answers"])
    events = {}
    started = threading.Event()
    result_box = {}
    try:
        with Worker(url, smtp.url, name="faults-worker", OUTBOX_RETRY_BASE_SECONDS=RETRY_BASE_SECONDS,
                    **sms_env), \
                Gunicorn("app:app", flask_env(url, **sms_env), name="faults-app") as server:
            after = last_case_id(url)
            probe = Probe(server.port)

            def on_start(at):
                events["start"] = at
                started.set()

            def drive():
                result_box["result"] = load.run("report", server.port, connections, duration, warmup=3.2,
                                                timeout=10.0, run_id="faults-" + uuid.uuid4().hex[:6],
                                                on_start=on_start, **kwargs)

            say(f"faults: {connections} connections for {duration:g} s; Postgres restart at "
                f"{pg_restart_at:g} s; SMTP down at {smtp_down_at:g} s for {smtp_down_for:g} s; "
                f"SMS down at {sms_down_at:g} s for {sms_down_for:g} s")
            driver = threading.Thread(target=drive, daemon=True)
            driver.start()
            if not started.wait(180):
                raise RuntimeError("the load did not start")
            probe.start()
            begin = events["start"]
            timeline = sorted([(pg_restart_at, "pg"), (smtp_down_at, "smtp_down"),
                               (smtp_down_at + smtp_down_for, "smtp_up"), (sms_down_at, "sms_down"),
                               (sms_down_at + sms_down_for, "sms_up")])
            for at, what in timeline:
                time.sleep(max(0.0, begin + at - time.time()))
                if what == "pg":
                    events["pg_stop"] = time.time()
                    pg.stop()
                    events["pg_stopped"] = time.time()
                    pg.start_again()
                    events["pg_up"] = time.time()
                    say(f"faults: Postgres restarted ({events['pg_up'] - events['pg_stop']:.1f} s)")
                elif what == "smtp_down":
                    smtp.stop()
                    events["smtp_down"] = time.time()
                    say("faults: SMTP server down")
                elif what == "smtp_up":
                    smtp.start()
                    events["smtp_up"] = time.time()
                    say("faults: SMTP server back")
                elif what == "sms_down":
                    gateway.stop()
                    events["sms_down"] = time.time()
                    say("faults: SMS gateway down")
                else:
                    gateway.start()
                    events["sms_up"] = time.time()
                    say("faults: SMS gateway back")
            driver.join()
            probe.stop.set()
            probe.join()
            result = result_box["result"]
            events["load_end"] = begin + result.duration
            say("faults: waiting for the outbox to drain")
            drained_at = _drain(url, after, drain_timeout)
            check = check_exactly_once(url, result, after)
            alerts = case_alerts(url, after)
            accepted = _accepted_counts(smtp.handler, gateway, alerts)
    finally:
        smtp.stop()
        gateway.stop()
    return _rows(result, check, alerts, accepted, probe.answers, events, drained_at)


def _drain(url, after, timeout):
    """Wait until no alert of the run's cases is pending; return when (or None)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alerts = case_alerts(url, after)
        if alerts and all(status != "pending" for _topic, status, *_rest in alerts.values()):
            return time.time()
        time.sleep(0.5)
    return None


def _rows(result, check, alerts, accepted, probes, events, drained_at):
    counts = result.by_outcome()
    begin, pg_up = events["start"], events.get("pg_up")
    rows = [
        Row("faults: requests answered successfully", counts["ok"], "requests",
            note=f"16 connections, {result.duration:.0f} s"),
        Row("faults: answered 5xx", counts["5xx"], "requests",
            note=f"4xx {counts['4xx']}, time-outs {counts['timeout']}"),
        Row("faults: refused (no answer)", counts["refused"], "requests"),
        exactly_once_row("faults: successes ≠ one stored case", check),
    ]
    if pg_up is not None:
        first_health = next((t for t, status in probes if t >= pg_up and status == 200), None)
        first_ok = next((begin + s[0] + s[1] for s in sorted(result.samples, key=lambda s: s[0] + s[1])
                         if s[2] == "ok" and begin + s[0] >= events["pg_stop"]), None)
        recovery = None if first_ok is None else max(0.0, first_ok - pg_up)
        late_5xx = sum(1 for s in result.samples
                       if s[2] == "5xx" and begin + s[0] > pg_up + RECOVERY_TARGET_S)
        rows += [
            Row("faults: Postgres down (stop → start)", pg_up - events["pg_stop"], "s",
                note=f"stopped at {events['pg_stop'] - begin:.1f} s"),
            Row("faults: first success after Postgres is back", recovery, "s", f"≤ {RECOVERY_TARGET_S:g}",
                None if recovery is None else recovery <= RECOVERY_TARGET_S,
                note="" if first_health is None else f"/healthz 200 after {max(0.0, first_health - pg_up):.2f} s"),
            Row("faults: 5xx later than 5 s after Postgres is back", late_5xx, "requests", "0", late_5xx == 0),
        ]
    expected = set(alerts)
    missing = [i for i in expected if accepted.get(i, 0) == 0]
    twice = [i for i in expected if accepted.get(i, 0) > 1]
    by_channel = {}
    for _topic, _status, channel, *_rest in alerts.values():
        by_channel[channel] = by_channel.get(channel, 0) + 1
    per_channel = ", ".join(f"{channel} {n}" for channel, n in sorted(by_channel.items()))
    after_smtp = events.get("smtp_up")
    drained = (f"outbox drained {drained_at - events['load_end']:.0f} s after the load ended"
               if drained_at else "outbox NOT drained in time")
    rows.append(Row("faults: alerts of stored cases not delivered", len(missing), "alerts", "0",
                    not missing and drained_at is not None,
                    f"{len(expected)} alerts ({per_channel}); {drained}"))
    rows.append(Row("faults: alerts delivered twice", len(twice), "alerts", "0", not twice,
                    "same Message-ID both times (the worker sent, then lost its commit)" if twice else ""))
    if after_smtp:
        rows.append(Row("faults: SMTP down", after_smtp - events["smtp_down"], "s",
                        note=f"from {events['smtp_down'] - begin:.0f} s"))
    if events.get("sms_up"):
        rows.append(Row("faults: SMS gateway down", events["sms_up"] - events["sms_down"], "s",
                        note=f"from {events['sms_down'] - begin:.0f} s"))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench faults", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a 20 s run (smoke check)")
    parser.add_argument("--duration", type=float, default=None)
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the bench database first")
    args = parser.parse_args(argv)
    pg = BenchPostgres()
    pg.start()
    if not pg.restartable:
        raise SystemExit("bench faults restarts Postgres: unset BENCH_DATABASE_URL to use the embedded one")
    if args.fresh:
        pg.reset()
    migrate(pg.url)
    prepared = prepare(pg.url)
    if args.quick:
        settings = dict(duration=20.0, pg_restart_at=5.0, smtp_down_at=9.0, smtp_down_for=6.0,
                        sms_down_at=11.0, sms_down_for=6.0, drain_timeout=60.0)
    else:
        settings = {}
    if args.duration:
        settings["duration"] = args.duration
    began = time.time()
    rows = run(pg, prepared, **settings)
    rows.append(Row("faults: whole run", time.time() - began, "s"))
    print(f"\nFault run on {machine()}\n")
    table(rows)


if __name__ == "__main__":
    main()
