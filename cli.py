"""Commands: ``flask --app app create-user | seed-demo | worker | deadlines run | keys rotate |
retention run``."""
import signal
import sys
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from extensions import db
from models import Role
from services import audit, crypto, demo, escalation, notifications, retention
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


@click.group("keys")
def keys_group():
    """The keys of the identities encrypted at rest (services/crypto.py)."""


@keys_group.command("rotate")
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(1, 100_000),
              help="Rows re-encrypted per transaction.")
@with_appcontext
def keys_rotate_command(batch_size):
    """Re-encrypt every encrypted value under the first key of DATA_KEYS (and recompute the
    IIN hashes under IIN_HASH_KEY); safe to run again, or to resume after an interruption."""
    read = rewritten = 0
    try:
        for table, batch_read, batch_rewritten in crypto.rotate_stored(batch_size):
            read, rewritten = read + batch_read, rewritten + batch_rewritten
            click.echo(f"{table}: {batch_read} row(s) read, {batch_rewritten} re-encrypted "
                       f"({read} read, {rewritten} re-encrypted so far).")
    except crypto.UndecryptableValue as error:
        raise click.ClickException(f"{error} Put the key it was written with back into DATA_KEYS "
                                   "and run the command again.") from None
    audit.record("keys.rotate", rows=read, rewritten=rewritten)
    db.session.commit()
    click.echo(f"Done: {rewritten} of {read} row(s) re-encrypted under the first key.")


@click.group("retention")
def retention_group():
    """Removal of personal data once the retention period of a case has passed."""


@retention_group.command("run")
@click.option("--dry-run", is_flag=True, help="Only count the cases due, change nothing.")
@click.option("--batch-size", default=100, show_default=True, type=click.IntRange(1, 10_000),
              help="Cases per transaction.")
@with_appcontext
def retention_run_command(dry_run, batch_size):
    """Remove the identities and files of cases ended more than ``retention_years`` ago,
    keeping what the reports count; safe to run again (a scheduler runs it daily)."""
    try:
        if dry_run:
            click.echo(f"{retention.count_due()} case(s) are due; nothing was changed (--dry-run).")
            return
        done = 0
        for batch in retention.run(batch_size):
            done += batch
            click.echo(f"Removed the personal data of {batch} case(s) ({done} so far).")
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Done: {done} case(s).")


def register_commands(app):
    for command in (create_user_command, seed_demo_command, worker_command, deadlines_group,
                    keys_group, retention_group):
        app.cli.add_command(command)
