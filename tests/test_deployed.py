"""The service as deployed: the Procfile's processes in production mode, behind a TLS proxy,
driven by a real browser.

The ``release``, ``web`` and ``worker`` lines are read from the Procfile (never copied) and
run as a platform runs them: through ``sh -c``, with only the environment a platform gives
(``DATABASE_URL`` as ``postgres://…`` to a fresh database, the production settings, ``PORT``).
Debian's nginx terminates TLS with a certificate from a CA the test makes (trustme) and
forwards ``X-Forwarded-For`` and ``X-Forwarded-Proto`` as a PaaS router does. Mail goes to an
SMTP server that requires STARTTLS with a certificate of that same CA, which the worker
trusts through ``MAIL_CA_FILE``. Chromium trusts the proxy's certificate by its public key.

Without nginx the browser test says so and skips, except under ``CI=true`` (``.ci/run``
installs it), where it fails.
"""
import base64
import email.utils
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg2
import pyotp
import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from playwright.sync_api import expect

from config import PRODUCTION_SETTINGS
from tests.browser import _on_ci, browser, launch_another, shot  # noqa: F401
from tests.helpers import PRODUCTION_ENV, paas_url
from tests.smtp_server import SmtpServer, free_port, wait_until

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "ombudsman_deployed"
OMBUDSMAN = "ombudsman.75@ombudsman.test.kz"
OMBUDSMAN_PASSWORD = "a-long-password-for-production"
STORY = "Көршінің баласы үш күннен бері мектепке бармайды, үйде жалғыз қалады. Сосед бьёт его."
ANSWER = "Құрметті өтініш беруші! Қамқоршылық органы мен полиция баланың үйіне барды."
NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def procfile():
    """The Procfile's processes: {name: command}."""
    lines = (ROOT / "Procfile").read_text().splitlines()
    return {name.strip(): command.strip() for name, _, command in
            (line.partition(":") for line in lines if line.strip() and not line.startswith("#"))}


def platform_env(**settings):
    """What a platform gives a process: a PATH with the app's programs, a locale and the
    settings; nothing of the test run's own environment."""
    return {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8", **settings}


def run_line(name, env, **kwargs):
    return subprocess.run(["sh", "-c", procfile()[name]], cwd=ROOT, env=env, capture_output=True,
                          text=True, **kwargs)


class Process:
    """A long-running line (web, worker, nginx) in its own session, its output in a file."""

    def __init__(self, args, env, log_path):
        self.log_path = log_path
        with open(log_path, "wb") as log:
            self.popen = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                          start_new_session=True)

    def log(self):
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()


def listening(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def http_status(url, context=None):
    try:
        with urllib.request.urlopen(url, timeout=3, context=context) as response:
            return response.status
    except OSError:
        return None


# --- the web process refuses to start without its settings -----------------------------------

@pytest.mark.parametrize("missing", [*PRODUCTION_SETTINGS, "DATABASE_URL"])
def test_the_web_process_refuses_to_start_without_each_production_setting(missing, tmp_path):
    port = free_port()
    settings = dict(PRODUCTION_ENV, DATABASE_URL="postgres://postgres@127.0.0.1:1/none", PORT=str(port))
    del settings["APP_ENV"], settings[missing]
    started = time.monotonic()
    result = run_line("web", platform_env(**settings), timeout=60)
    assert result.returncode == 3, result.stdout + result.stderr  # a boot error: gunicorn does not respawn
    assert time.monotonic() - started < 30
    refusals = [line for line in result.stderr.splitlines() if line.startswith("Refusing to start:")]
    assert [line.split()[3] for line in refusals] == [missing], result.stderr
    assert "Booting worker" not in result.stderr and "Listening at" not in result.stderr
    assert not listening(port)


def test_the_worker_refuses_to_start_without_a_mail_server():
    settings = dict(PRODUCTION_ENV, DATABASE_URL="postgres://postgres@127.0.0.1:1/none")
    del settings["APP_ENV"]
    result = run_line("worker", platform_env(**settings), timeout=60)
    assert result.returncode != 0 and "MAIL_URL is not set" in result.stderr


# --- the whole service behind the proxy, in a browser --------------------------------------------

@pytest.fixture
def nginx():
    if NGINX is None:
        if _on_ci():
            pytest.fail("nginx is missing (CI=true: .ci/run installs Debian's nginx-light)", pytrace=False)
        pytest.skip("no TLS proxy: install Debian's nginx (apt-get install nginx-light) to run this test")
    return NGINX


@pytest.fixture
def tls(tmp_path):
    """A CA of the test's own; one certificate of it for both the proxy and the SMTP server."""
    ca = trustme.CA()
    certificate = ca.issue_cert("localhost", "127.0.0.1")
    paths = {name: tmp_path / f"{name}.pem" for name in ("ca", "cert", "key")}
    ca.cert_pem.write_to_path(paths["ca"])
    certificate.cert_chain_pems[0].write_to_path(paths["cert"])
    certificate.private_key_pem.write_to_path(paths["key"])
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(server_context)
    leaf = x509.load_pem_x509_certificate(certificate.cert_chain_pems[0].bytes())
    spki = leaf.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    return {**paths, "server_context": server_context,
            "spki": base64.b64encode(hashlib.sha256(spki).digest()).decode()}


@pytest.fixture
def fresh_database(database_url):
    """A new, empty database on the test run's server, named as a platform names it."""
    admin = psycopg2.connect(paas_url(database_url, "postgres").replace("postgres://", "postgresql://", 1))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {DATABASE}")
    yield paas_url(database_url, DATABASE)
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    admin.close()


@pytest.fixture
def deployment(nginx, tls, fresh_database, tmp_path):
    """release, then web and worker from the Procfile, and nginx in front; yields the site's
    https address and the SMTP server."""
    web_port, proxy_port = free_port(), free_port()
    site = f"https://localhost:{proxy_port}"
    smtp = SmtpServer(tls_context=tls["server_context"]).start()
    settings = dict(PRODUCTION_ENV, DATABASE_URL=fresh_database, PUBLIC_BASE_URL=site, PORT=str(web_port),
                    MAIL_URL=smtp.url, MAIL_CA_FILE=str(tls["ca"]), TWO_FACTOR_FOR_ALL="true")
    del settings["APP_ENV"]  # the Procfile's lines say production themselves
    env = platform_env(**settings)
    release = run_line("release", env, timeout=300)
    assert release.returncode == 0, release.stderr[-3000:]
    _create_ombudsman(env)

    processes = [Process(["sh", "-c", procfile()["web"]], env, tmp_path / "web.log"),
                 Process(["sh", "-c", procfile()["worker"]], env, tmp_path / "worker.log"),
                 Process([nginx, "-p", str(tmp_path), "-c", str(_nginx_conf(tmp_path, tls, proxy_port, web_port)),
                          "-e", str(tmp_path / "nginx-start.log")], env, tmp_path / "nginx.log")]
    try:
        # A platform's health check: plain HTTP to the process itself, no redirect to https.
        assert wait_until(lambda: http_status(f"http://127.0.0.1:{web_port}/healthz") == 200, 60), \
            processes[0].log()
        assert wait_until(lambda: listening(proxy_port), 30), processes[2].log()
        assert wait_until(lambda: "outbox worker started" in processes[1].log(), 30), processes[1].log()
        yield {"site": site, "smtp": smtp, "env": env}
    finally:
        for process in processes:
            process.stop()
            print(f"--- {process.log_path.name}\n{process.log()[-4000:]}")  # shown when the test fails
        smtp.stop()


def _create_ombudsman(env):
    """The README's way to create an account on a deployment: the create-user command."""
    command = [sys.executable, "-m", "flask", "--app", "app", "create-user", OMBUDSMAN, "--role", "ombudsman",
               "--region", "75", "--name", "Айгүл Серікқызы", "--password-stdin"]
    created = subprocess.run(command, cwd=ROOT, env=env, input=OMBUDSMAN_PASSWORD + "\n", capture_output=True,
                             text=True, timeout=120)
    assert created.returncode == 0, created.stderr


def _nginx_conf(folder, tls, port, upstream):
    user = "user root root;" if os.geteuid() == 0 else ""
    temp = "\n".join(f"  {kind}_temp_path {folder}/{kind};" for kind in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = folder / "nginx.conf"
    conf.write_text(f"""
{user}
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log;
events {{ worker_connections 128; }}
http {{
  access_log {folder}/nginx-access.log;
{temp}
  client_max_body_size 60m;
  server {{
    listen 127.0.0.1:{port} ssl;
    server_name localhost;
    ssl_certificate {tls["cert"]};
    ssl_certificate_key {tls["key"]};
    location / {{
      proxy_pass http://127.0.0.1:{upstream};
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }}
  }}
}}
""")
    return conf


@pytest.fixture
def tls_browser(browser, tls):  # noqa: F811 (the shared chromium must run first)
    """A chromium that trusts the proxy's certificate (by its public key), as if a public CA
    had signed it: no certificate error is ignored."""
    chromium = launch_another([f"--ignore-certificate-errors-spki-list={tls['spki']}"])
    yield chromium
    chromium.close()


@pytest.mark.browser
def test_report_status_login_answer_and_alert_as_deployed(deployment, tls_browser, tls):
    site, smtp = deployment["site"], deployment["smtp"]
    assert http_status(f"{site}/healthz", ssl.create_default_context(cafile=str(tls["ca"]))) == 200

    reporter = tls_browser.new_context(locale="ru-RU")
    page = reporter.new_page()
    number, receipt = _report_a_child_in_danger(page, site)
    _read_status(page, site, receipt)
    expect(page.locator("[data-testid=case-state]")).to_be_visible()

    # The ombudsman learns of the case by e-mail, with a link to it on the deployed site.
    [notice] = wait_until(lambda: [m for m in smtp.messages if OMBUDSMAN in m.to and number in m.subject], 30)
    link = re.search(rf"{re.escape(site)}/admin/case/details/\?id=\d+", notice.body).group(0)
    staff = tls_browser.new_context(locale="kk-KZ")
    desk = staff.new_page()
    _log_in_enrolling_two_factor(desk, site)
    desk.goto(link)
    _start_and_answer(desk)

    page.context.clear_cookies()
    _read_status(page, site, receipt)
    expect(page.locator(".message-office .message-body").last).to_have_text(ANSWER)
    shot(page, "deployed-4-status-answer-ru")

    _assert_r10_1_alert_is_a_proper_email(smtp, number)
    reporter.close()
    staff.close()
    _partner_sends_and_follows_a_case(site, deployment["env"], tls)


# A partner's token issued through the service on the deployment, as the admin screen does.
ISSUE_TOKEN = """
import sys
from datetime import timedelta
from sqlalchemy import select
from app import app
from extensions import db
from models import Organization, User
from services import api_tokens
from services.deadlines import now_local
with app.app_context():
    admin = db.session.scalar(select(User).where(User.role == "superadmin"))
    line = Organization(type="ngo", name_kk="111 желісі", name_ru="Линия 111")
    db.session.add(line)
    _token, secret, _ = api_tokens.issue(admin, line, "111", ["cases:create", "cases:read"], ["75"],
                                         now_local().date() + timedelta(days=30))
    db.session.commit()
    sys.stdout.write(secret)
"""


def _partner_sends_and_follows_a_case(site, env, tls):
    """The partner API in production behind TLS: a case sent, retried, followed; errors as problems."""
    command = [sys.executable, "-m", "flask", "--app", "app", "create-user", "root@ombudsman.test.kz",
               "--role", "superadmin", "--password-stdin"]
    created = subprocess.run(command, cwd=ROOT, env=env, input=OMBUDSMAN_PASSWORD + "\n", capture_output=True,
                             text=True, timeout=120)
    assert created.returncode == 0, created.stderr
    issued = subprocess.run([sys.executable, "-c", ISSUE_TOKEN], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert issued.returncode == 0, issued.stderr
    context = ssl.create_default_context(cafile=str(tls["ca"]))
    headers = {"Authorization": f"Bearer {issued.stdout.strip()}", "Idempotency-Key": "deployed-1",
               "Content-Type": "application/json", "Accept-Language": "ru"}
    body = json.dumps({"region": "75", "channel": "line_111", "kind": "appeal", "categories": ["neglect"],
                       "description": STORY, "responsible": "unknown", "children": [{"age": 7}]}).encode()
    sent = [_call(f"{site}/api/v1/cases", context, headers, body) for _attempt in range(2)]
    assert [status for status, _h, _b in sent] == [201, 200], sent
    number = sent[0][2]["registration_number"]
    assert sent[1][2]["registration_number"] == number and "Set-Cookie" not in sent[0][1]
    assert sent[0][1]["Strict-Transport-Security"]
    status, _headers, case = _call(f"{site}/api/v1/cases/{number}", context, headers)
    assert (status, case["state"], case["state_label"]) == (200, "registered", "Зарегистрировано")
    status, response_headers, problem = _call(f"{site}/api/v1/cases/{number}", context,
                                              {"Accept-Language": "kk"})
    assert status == 401 and response_headers["Content-Type"] == "application/problem+json"
    assert problem["detail"].startswith("API токеніңізді")


def _call(url, context, headers, body=None):
    """(status, headers, JSON body) of one HTTPS call."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST" if body else "GET")
    try:
        with urllib.request.urlopen(request, timeout=10, context=context) as response:
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.loads(error.read())


def _report_a_child_in_danger(page, site):
    page.goto(f"{site}/report?region=75&lang=ru")
    opened = time.monotonic()
    page.check("#danger_now-0")
    page.fill("#description", STORY)
    page.fill("#child1-age", "9")
    for section in ("section-children", "section-what", "section-who"):   # the optional parts
        page.locator(f"#{section}-summary").click()
    page.check("#child1-sex-0")
    page.check("#categories-0")
    page.check("#responsible-2")
    time.sleep(max(0.0, 3.2 - (time.monotonic() - opened)))  # MIN_FILL_SECONDS: not a robot
    page.locator("form.report-form button[type=submit]").click()
    expect(page).to_have_url(f"{site}/report/done")
    shot(page, "deployed-1-report-done-ru")
    number = page.locator("[data-testid=registration-number]").inner_text().strip()
    receipt = page.locator("[data-testid=receipt-code]").inner_text().strip()
    assert re.fullmatch(r"75-\d{4}-\d{6}", number), number
    return number, receipt


def _read_status(page, site, receipt):
    page.goto(f"{site}/status")
    page.fill("#code", receipt)
    page.locator('form[action="/status"] button[type=submit]').click()
    expect(page).to_have_url(f"{site}/status")


def _log_in_enrolling_two_factor(page, site):
    page.goto(f"{site}/login")
    page.fill("input[name=email]", OMBUDSMAN)
    page.fill("input[name=password]", OMBUDSMAN_PASSWORD)
    page.locator("form.stacked-form [type=submit]").click()
    expect(page).to_have_url(f"{site}/account/two-factor")
    shot(page, "deployed-2-two-factor-enrolment-kk")
    secret = page.locator("[data-testid=totp-secret]").inner_text().strip()
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.locator("form.stacked-form [type=submit]").click()
    expect(page.locator("[data-testid=recovery-codes] li")).to_have_count(10)
    page.locator("a.button-primary").click()
    expect(page).to_have_url(f"{site}/admin/")
    assert any(cookie["secure"] for cookie in page.context.cookies())


def _start_and_answer(page):
    expect(page.locator("[data-testid=state]")).to_have_attribute("data-state", "registered")
    page.locator('[data-testid=step-buttons] [data-action="start"]').click()
    page.locator("[data-testid=step-form] [data-testid=confirm-step]").click()
    expect(page.locator("[data-testid=state]")).to_have_attribute("data-state", "in_progress")
    page.locator('[data-testid=step-buttons] [data-action="answer"]').click()
    page.locator("[data-testid=step-form] #body").fill(ANSWER)
    # The conversations [R10.2] are still to hold: the answer goes with the reason.
    page.locator("[data-testid=step-form] #open_items_reason").fill("Әңгімелер жауаптан кейін өтеді.")
    page.locator("[data-testid=step-form] [data-testid=confirm-step]").click()
    expect(page.locator("[data-testid=state]")).to_have_attribute("data-state", "answered")
    shot(page, "deployed-3-answered-kk")


def _assert_r10_1_alert_is_a_proper_email(smtp, number):
    """[R10.1] reached the Commissioner's office and the Committee over STARTTLS with Date,
    Message-ID and a subject folded into encoded words of at most 75 characters on lines of
    at most 78."""
    commissioner, committee = PRODUCTION_ENV["COMMISSIONER_EMAIL"], PRODUCTION_ENV["COMMITTEE_EMAIL"]
    [alert] = wait_until(lambda: [m for m in smtp.messages if number in m.subject
                                  and {commissioner, committee} <= set(m.to.split(", "))], 30)
    assert alert.tls
    sent = email.utils.parsedate_to_datetime(alert.message["Date"])
    assert abs(datetime.now(timezone.utc) - sent) < timedelta(minutes=5)
    assert re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", alert.message["Message-ID"])
    subject_lines = alert.header_lines("Subject")
    assert len(subject_lines) > 1  # a Kazakh and Russian subject does not fit on one line
    assert all(len(line) <= 78 for line in subject_lines), subject_lines
    assert all(len(word) <= 75 for line in subject_lines for word in re.findall(r"=\?[^?]+\?[bBqQ]\?[^?]*\?=", line))
    assert "=?" not in alert.subject and number in alert.subject
