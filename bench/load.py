"""A load generator in other processes: one process per connection, each a loop of
requests (``http.client``; gunicorn's sync workers close the connection after each answer,
so each request opens a new one, as wrk's would).

A *scenario* is a class with ``setup(http)`` (not timed: e.g. open the form once) and
``one(http) -> (outcome, key, info)``: ``outcome`` is ``ok`` or ``4xx``/``5xx``/…,
``key`` names the attempt (to find it in the database later), ``info`` what the answer
said (e.g. the new case's id). Connection failures are counted as ``refused``, time-outs
as ``timeout``. All processes start their timed window at the same instant.
"""
from __future__ import annotations

import base64
import http.client
import json
import multiprocessing
import os
import queue
import re
import socket
import time
import uuid
import zlib
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

from bench.common import BENCH_SETTINGS, percentile
from services.intake import start_token_for

OUTCOMES = ("ok", "4xx", "5xx", "refused", "timeout", "other")


class Http:
    """One browser-like client: a connection to 127.0.0.1:port and a cookie jar."""

    def __init__(self, port, timeout=30.0):
        self.port = port
        self.timeout = timeout
        self.cookies = {}
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        """Send a request and return (status, headers as a list, body bytes)."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        headers = dict(headers or {})
        headers.setdefault("User-Agent", "ombudsman-bench/1")
        headers.setdefault("Accept-Language", "ru")
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except BaseException:
            self.close()
            raise
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                jar = SimpleCookie()
                jar.load(value)
                for key, morsel in jar.items():
                    if morsel.value == "" or morsel["max-age"] == "0":
                        self.cookies.pop(key, None)
                    else:
                        self.cookies[key] = morsel.value
        if response.will_close:
            self.close()
        return response.status, response.getheaders(), data

    def get(self, path):
        return self.request("GET", path)

    def post_form(self, path, fields):
        """POST ``fields`` (a list of (name, value)) urlencoded, as a browser posts a plain form."""
        from urllib.parse import urlencode

        return self.request("POST", path, urlencode(fields).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def post_json(self, path, body, headers=None):
        """POST ``body`` as JSON, as a partner's system calls the API."""
        return self.request("POST", path, json.dumps(body, ensure_ascii=False).encode(),
                            {"Content-Type": "application/json", **(headers or {})})

    def post_multipart(self, path, fields, empty_files=()):
        """POST as a browser posts a form with ``enctype="multipart/form-data"``; each of
        ``empty_files`` is a file input left empty (an empty part with ``filename=""``)."""
        boundary = "----benchBoundary" + uuid.uuid4().hex[:16]
        parts = []
        for name, value in fields:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n')
        for name in empty_files:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename=""\r\n'
                         "Content-Type: application/octet-stream\r\n\r\n\r\n")
        body = ("".join(parts) + f"--{boundary}--\r\n").encode()
        return self.request("POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def header(headers, name):
    for key, value in headers:
        if key.lower() == name.lower():
            return value
    return None


def status_outcome(status):
    if 500 <= status:
        return "5xx"
    if 400 <= status:
        return "4xx"
    return "other"


def flask_session(cookie):
    """The (signed, not encrypted) Flask session cookie's data, without checking its signature:
    the bench reads the new case's id from it, as the browser could."""
    if not cookie:
        return {}
    cookie = cookie.strip('"')
    compressed = cookie.startswith(".")
    payload = cookie.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    if compressed:
        raw = zlib.decompress(raw)
    return json.loads(raw)


_CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')
_STARTED = re.compile(rb'name="started"[^>]*value="([^"]+)"')


def hidden(pattern, html):
    match = pattern.search(html)
    return match.group(1).decode() if match else None


# --- scenarios ----------------------------------------------------------------------------

PAYLOAD = ("Floor row: the same size as a public report's form data. " * 20)[:1024]


class FloorScenario:
    """``POST /floor`` with a ~1 KB payload."""

    def __init__(self, index, **_):
        self.index = index

    def setup(self, http_):
        pass

    def one(self, http_):
        status, _headers, _body = http_.post_form("/floor", [("payload", PAYLOAD)])
        return ("ok" if status == 201 else status_outcome(status)), "", ""


DESCRIPTION = ("Older pupils take his lunch and push him every day after school; the class teacher "
               "says it is a game. Yesterday he came home with a torn jacket and a bruise on his arm "
               "and does not want to go to school any more. His mother spoke to the deputy director "
               "but nothing changed.")


class ReportScenario:
    """The public report, as a browser sends it: the form is opened once (its CSRF token,
    session cookie and signed start time), then each attempt POSTs step 2 of ``/report``
    for one child with an answer to every extra question and no file. Success is only the
    redirect to ``/report/done``; the new case's id is read from the session cookie."""

    def __init__(self, index, run_id, regions, answers, **_):
        self.index = index
        self.run_id = run_id
        self.regions = regions
        self.answers = answers  # region code -> [(field name, value)]
        self.sequence = 0
        self.tokens = None

    def setup(self, http_):
        status, _headers, body = http_.get(f"/report?region={self.regions[0]}")
        if status != 200:
            raise RuntimeError(f"GET /report answered {status}")
        self.tokens = {"csrf_token": hidden(_CSRF, body), "started": hidden(_STARTED, body)}

    def fields(self, region, key):
        # A form sends one report: each gets a start token of its own, as if its form was
        # shown MIN_FILL_SECONDS (3 s) ago in another browser (services.intake).
        started = start_token_for(BENCH_SETTINGS["SECRET_KEY"], time.time() - 3.2)
        child = [("child1-age", str(5 + self.sequence % 12)), ("child1-birth_year", ""),
                 ("child1-sex", "boy" if self.sequence % 2 else "girl"), ("child1-name", ""),
                 ("child1-iin", ""), ("child1-school", "School No. 12")]
        for other in ("child2", "child3"):
            child += [(f"{other}-age", ""), (f"{other}-birth_year", ""), (f"{other}-sex", "unspecified"),
                      (f"{other}-name", ""), (f"{other}-iin", ""), (f"{other}-school", "")]
        return [
            ("csrf_token", self.tokens["csrf_token"]), ("started", started),
            ("website", ""), ("danger_now", "no"),
            *child,
            ("categories", "bullying"), ("categories", "education"),
            ("description", f"[{key}] {DESCRIPTION}"),
            ("occurred_when", "Every day this month"), ("occurred_where", "School No. 12"),
            ("responsible", "education_org"), ("responsible_details", ""),
            *self.answers.get(region, []),
            ("reporter_name", ""), ("reporter_phone", ""), ("reporter_email", ""),
        ]

    def one(self, http_):
        self.sequence += 1
        region = self.regions[(self.index + self.sequence) % len(self.regions)]
        key = self.last_key = f"bench-{self.run_id}-{self.index}-{self.sequence}"
        status, headers, _body = http_.post_multipart(
            f"/report?region={region}", self.fields(region, key), empty_files=("attachments",))
        location = header(headers, "Location") or ""
        if status in (302, 303) and location.split("?")[0].endswith("/report/done"):
            return "ok", key, str(flask_session(http_.cookies.get("session")).get("reported_case", ""))
        return status_outcome(status), key, str(status)


# A case as the 111 line's system sends it (POST /api/v1/cases): one child, no personal data.
API_DESCRIPTION = ("Звонок на линию 111: ребёнка бьют дома, соседи по вечерам слышат крики. Мальчик "
                   "боится идти домой после школы, мать не отвечает на звонки классного руководителя.")


def api_case(region, key, sequence=0):
    """The JSON body of one case sent through the API; ``key`` opens its description."""
    return {"region": region, "channel": "line_111", "incoming_number": f"111-{key}", "language": "ru",
            "kind": "appeal", "categories": ["violence"], "responsible": "parent_cohabiting",
            "description": f"[{key}] {API_DESCRIPTION}", "danger_now": False,
            "children": [{"age": 5 + sequence % 12, "sex": "boy" if sequence % 2 else "girl"}]}


class ApiScenario:
    """A partner's system sending cases: ``POST /api/v1/cases`` with the token's secret as
    ``Authorization: Bearer …`` and a fresh ``Idempotency-Key`` (a UUID) per case, the
    regions in turn. Success is only a 201 with a registration number (the ``info``)."""

    path = "/api/v1/cases"

    def __init__(self, index, run_id, regions, secret, **_):
        self.index = index
        self.run_id = run_id
        self.regions = regions
        self.secret = secret
        self.sequence = 0

    def setup(self, http_):
        pass

    def headers(self):
        return {"Authorization": f"Bearer {self.secret}", "Idempotency-Key": str(uuid.uuid4()),
                "Accept": "application/json"}

    def one(self, http_):
        self.sequence += 1
        region = self.regions[(self.index + self.sequence) % len(self.regions)]
        key = self.last_key = f"bench-{self.run_id}-{self.index}-{self.sequence}"
        status, _headers, body = http_.post_json(self.path, api_case(region, key, self.sequence), self.headers())
        try:
            answer = json.loads(body or b"{}")
        except ValueError:
            answer = {}
        if status == 201 and answer.get("registration_number"):
            return "ok", key, answer["registration_number"]
        why = (answer.get("detail") or answer.get("title") or "") if isinstance(answer, dict) else ""
        return status_outcome(status), key, f"{status} {why}"[:120].strip()


class FloorJsonScenario(ApiScenario):
    """The API's floor: the same JSON body and headers to ``POST /floor/json``."""

    path = "/floor/json"

    def __init__(self, index, run_id="floor", regions=("75",), secret="", **_):
        super().__init__(index, run_id, regions, secret)

    def one(self, http_):
        self.sequence += 1
        region = self.regions[(self.index + self.sequence) % len(self.regions)]
        key = f"bench-{self.run_id}-{self.index}-{self.sequence}"
        status, _headers, body = http_.post_json(self.path, api_case(region, key, self.sequence), self.headers())
        return ("ok" if status == 201 and b'"id"' in body else status_outcome(status)), "", ""


_RECEIPT = re.compile(rb'data-testid="receipt-code"[^>]*>([\d ]+)<')


class MixedScenario:
    """A mix of what people do, one request per call, in cycles of 11: public pages, a report
    sent (form, POST, confirmation), the report opened at /status with its receipt code and
    closed, and one of a regional ombudsman's admin pages (logged in once, in its own cookie
    jar), each page in turn."""

    STAFF_PAGES = ("/admin/", "/admin/case/", "/admin/queue/", "/admin/appointment/",
                   "/admin/organization/", "/admin/year_plan/")

    def __init__(self, index, run_id, regions, answers, staff_email, staff_password, region="75", **_):
        self.report = ReportScenario(index, run_id, [region], answers)
        self.index, self.region = index, region
        self.staff_email, self.staff_password = staff_email, staff_password
        self.staff = None
        self.step = 0
        self.case_id = self.code = None

    def setup(self, http_):
        self.report.setup(http_)
        self.staff = Http(http_.port, timeout=http_.timeout)
        status, _headers, body = self.staff.get("/login")
        status, headers, _body = self.staff.post_form("/login", [
            ("csrf_token", hidden(_CSRF, body)), ("email", self.staff_email),
            ("password", self.staff_password), ("next", "")])
        if status not in (302, 303):
            raise RuntimeError(f"staff login answered {status}")

    def _steps(self):
        """One cycle: the public steps, then one staff page (each in turn, case details last)."""
        region = self.region
        staff = [*self.STAFF_PAGES, "/admin/case/details/?id={case}"]
        cycle = self.step // 11
        return [("GET", "/"), ("GET", "/privacy"), ("GET", "/report"), ("GET", f"/report?region={region}"),
                ("REPORT", None), ("GET", "/report/done"), ("GET", "/status"), ("STATUS", None),
                ("GET", "/status"), ("CLOSE", None), ("STAFF", staff[(cycle + self.index) % len(staff)])]

    def one(self, http_):
        steps = self._steps()
        method, path = steps[self.step % len(steps)]
        self.step += 1
        if method == "REPORT":
            outcome, key, info = self.report.one(http_)
            self.case_id, self.code = (int(info), None) if outcome == "ok" else (None, None)
            return outcome, key, info
        if method == "STATUS":
            if not self.code:  # the report failed: look at the form instead
                status, _h, _b = http_.get("/status")
                return ("ok" if status == 200 else status_outcome(status)), "", "/status"
            status, _h, _b = http_.post_form("/status", [("csrf_token", self.report.tokens["csrf_token"]),
                                                          ("code", self.code)])
            return ("ok" if status in (302, 303) else status_outcome(status)), "", ""
        if method == "CLOSE":
            status, _h, body = http_.get("/status")
            token = re.search(rb'name="close-csrf_token"[^>]*value="([^"]+)"', body)
            status, _h, _b = http_.post_form("/status/close", [
                ("close-csrf_token", token.group(1).decode() if token else "")])
            return ("ok" if status in (302, 303) else status_outcome(status)), "", ""
        client = self.staff if method == "STAFF" else http_
        if "{case}" in path and not self.case_id:
            path = "/admin/case/"
        status, _h, body = client.get(path.format(case=self.case_id))
        if path == "/report/done":  # the confirmation shows the code, as a reporter reads it
            found = _RECEIPT.search(body)
            self.code = found.group(1).decode() if found else None
        return ("ok" if status == 200 else status_outcome(status)), "", path


SCENARIOS = {"floor": FloorScenario, "report": ReportScenario, "mixed": MixedScenario, "api": ApiScenario,
             "floor-json": FloorJsonScenario}


# --- the runner ---------------------------------------------------------------------------

@dataclass
class LoadResult:
    connections: int
    duration: float  # from the common start to the last answer
    samples: list = field(default_factory=list)  # (start, latency, outcome, key, info)

    def by_outcome(self):
        counts = {name: 0 for name in OUTCOMES}
        for sample in self.samples:
            counts[sample[2]] = counts.get(sample[2], 0) + 1
        return counts

    def ok(self):
        return [s for s in self.samples if s[2] == "ok"]

    @property
    def rate(self):
        return len(self.ok()) / self.duration if self.duration else 0.0

    def latency_ms(self, p, outcome="ok"):
        values = [s[1] * 1000 for s in self.samples if outcome is None or s[2] == outcome]
        return percentile(values, p)


def _client(scenario, kwargs, index, port, ready, start, start_at, duration, results, timeout, interval,
            max_requests):
    try:
        client = SCENARIOS[scenario](index, **kwargs)
        http_ = Http(port, timeout=timeout)
        client.setup(http_)
    except BaseException as error:  # noqa: BLE001 — reported to the parent
        ready.put((index, f"{type(error).__name__}: {error}"))
        return
    ready.put((index, None))
    start.wait()
    began = start_at.value
    end = began + duration
    while time.time() < began:
        time.sleep(0.001)
    samples = []
    next_at = began + (interval * index / max(1, kwargs.get("connections", 1)) if interval else 0)
    while True:
        if interval:  # paced: one attempt every ``interval`` seconds per connection
            pause = next_at - time.time()
            if pause > 0:
                time.sleep(pause)
            next_at += interval
        now = time.time()
        if now >= end or (max_requests and len(samples) >= max_requests):
            break
        t0 = time.perf_counter()
        try:
            outcome, key, info = client.one(http_)
        except (ConnectionRefusedError, ConnectionResetError, BrokenPipeError,
                http.client.RemoteDisconnected, http.client.BadStatusLine) as error:
            outcome, key, info = "refused", getattr(client, "last_key", ""), type(error).__name__
        except (socket.timeout, TimeoutError):
            outcome, key, info = "timeout", getattr(client, "last_key", ""), ""
        except OSError as error:
            outcome, key, info = "refused", getattr(client, "last_key", ""), type(error).__name__
        latency = time.perf_counter() - t0
        samples.append((now - began, latency, outcome, key, info))
        if outcome == "refused":
            time.sleep(0.01)  # the server is down: do not spin
    results.put((index, samples))


def run(scenario, port, connections, duration, warmup=0.5, timeout=30.0, interval=None, requests=None,
        on_start=None, **kwargs):
    """Run ``connections`` client processes of ``scenario`` for ``duration`` seconds and
    return a LoadResult. ``warmup`` seconds separate the last client's setup from the start.
    With ``interval``, each connection sends one request every ``interval`` seconds (an open
    rate of ``connections / interval``) instead of one as soon as the last was answered.
    With ``requests``, the clients stop after that many requests in all (or ``duration``).
    ``on_start(t)`` is called with the wall-clock time at which the timed window opens."""
    kwargs["connections"] = connections
    ctx = multiprocessing.get_context("spawn")
    ready, results = ctx.Queue(), ctx.Queue()
    start, start_at = ctx.Event(), ctx.Value("d", 0.0)
    procs = [ctx.Process(target=_client, daemon=True,
                         args=(scenario, kwargs, i, port, ready, start, start_at, duration, results, timeout,
                               interval, requests and -(-requests // connections)))
             for i in range(connections)]
    for proc in procs:
        proc.start()
    try:
        errors, waiting, deadline = [], len(procs), time.monotonic() + 120
        while waiting:
            try:
                index, error = ready.get(timeout=1)
            except queue.Empty:
                dead = [p for p in procs if p.exitcode not in (None, 0)]
                if dead or time.monotonic() > deadline:
                    raise RuntimeError("load clients died or hung while starting") from None
                continue
            waiting -= 1
            if error:
                errors.append(f"client {index}: {error}")
        if errors:
            raise RuntimeError("load clients failed to start: " + "; ".join(errors[:3]))
        start_at.value = time.time() + warmup
        start.set()
        if on_start is not None:
            on_start(start_at.value)
        samples = []
        for _ in procs:
            _index, chunk = results.get(timeout=duration + warmup + timeout + 60)
            samples.extend(chunk)
    finally:
        start.set()
        for proc in procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
    last = max((s[0] + s[1] for s in samples), default=duration)
    return LoadResult(connections, max(last, 1e-9), samples)


def cpu_count():
    return os.cpu_count() or 1
