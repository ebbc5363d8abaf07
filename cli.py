"""Commands: ``flask --app app create-user | seed-demo | worker``."""
import signal
import sys
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from extensions import db
from models import Role
from services import demo, escalation, notifications
from services.errors import DomainError
from services.users import create_user


@click.command("create-user")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--region", "region_code", help="Region code (two digits), for regional roles.")
@click.option("--name", default="", help="Full name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_user_command(email, role, region_code, name, password_stdin):
    """Create a staff user; asks for the password twice."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(email, role, password, region_code=region_code, name=name)
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {user.email} ({user.role}{', region ' + user.region_code if user.region_code else ''}).")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Load demo data (idempotent). Refused when APP_ENV=production."""
    if current_app.config["APP_ENV"] == "production":
        raise click.ClickException("seed-demo refuses to run when APP_ENV=production.")
    logins = demo.seed_demo()
    db.session.commit()
    click.echo("Demo logins (password: %s):" % demo.DEMO_PASSWORD)
    for email in logins:
        click.echo(f"  {email}")


@click.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@with_appcontext
def worker_command(once):
    """Deliver queued alerts (the outbox) over SMTP [R10.1], [R10.3].

    Runs until SIGTERM or Ctrl-C, which let the message being sent finish first
    (a second signal stops at once).
    """
    if current_app.config["APP_ENV"] == "production" and not current_app.config.get("MAIL_URL"):
        raise click.ClickException("MAIL_URL is not set: in production alerts must go out "
                                   "over SMTP, not to the log.")
    if once:
        click.echo(f"Delivered {notifications.deliver_due()} message(s).")
        return
    stop = threading.Event()

    def request_stop(signum, frame):
        stop.set()
        signal.signal(signum, signal.SIG_DFL)

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    notifications.run_worker(stop=stop)


@click.group("deadlines")
def deadlines_group():
    """Reminders and escalation of what falls due."""


@deadlines_group.command("run")
@with_appcontext
def deadlines_run_command():
    """Queue reminders and overdue digests; safe to run twice (a PaaS scheduler runs it)."""
    reminders, digests = escalation.run()
    db.session.commit()
    click.echo(f"Queued {reminders} reminder(s) and {digests} digest(s).")


def register_commands(app):
    for command in (create_user_command, seed_demo_command, worker_command, deadlines_group):
        app.cli.add_command(command)
