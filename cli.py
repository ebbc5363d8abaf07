"""Commands: ``flask --app app create-user | seed-demo | worker | deadlines run | keys rotate |
retention run | audit verify | telegram poll | telegram set-webhook | db grant-runtime-role``."""
import signal
import sys
import threading

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_migrate.cli import db as db_group

from extensions import db
from models import Role
from core import crypto
from core import telegram
from services import (alert_channels, audit, audit_chain, db_roles, demo, escalation, intake,
                      notifications, retention)
from core.errors import DomainError
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
    """Deliver queued alerts (the outbox) by e-mail, SMS and Telegram [R10.1], [R10.3].

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
    """Queue reminders, overdue digests and yesterday's audit log checksum for the
    Commissioner's office, and forget the public forms' start tokens too old to be sent
    again; safe to run twice (a PaaS scheduler runs it)."""
    reminders, digests = escalation.run()
    day = audit_chain.send_daily_head()
    intake.forget_used_tokens()
    db.session.commit()
    click.echo(f"Queued {reminders} reminder(s) and {digests} digest(s).")
    if day is not None:
        click.echo(_("Queued the audit log checksum for %(day)s.", day=day.isoformat()))


@click.group("keys")
def keys_group():
    """The keys of the identities encrypted at rest (core/crypto.py)."""


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


@click.group("audit")
def audit_group():
    """The audit log's hash chain."""


@audit_group.command("verify")
@with_appcontext
def audit_verify_command():
    """Walk the audit log's chain, check the daily checksums sent and the frozen half-year
    reports; exit status 1 at the first entry (or report) that does not match."""
    result = audit_chain.verify()
    for problem in result.problems:
        click.echo(str(problem), err=True)
    if not result.ok:
        sys.exit(1)
    click.echo(_("Audit log verified: %(entries)s entries in one chain, %(heads)s daily checksums "
                 "and %(reports)s half-year report versions match.",
                 entries=result.entries, heads=result.heads, reports=result.reports))


@click.command("grant-runtime-role")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the new role's password from standard input.")
@click.option("--password", help="The new role's password (visible to other users of the machine).")
@with_appcontext
def grant_runtime_role_command(name, password_stdin, password):
    """Create the runtime database role NAME (web and worker) if missing and grant it what
    it needs, as the migration role; run it again after each migration."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    try:
        with db_roles.migration_engine().begin() as conn:
            done = db_roles.grant_runtime_role(conn, name, password)
    except db_roles.RoleError as error:
        raise click.ClickException(str(error)) from None
    for statement in done:
        click.echo(statement)
    click.echo(_("Done: %(name)s may read and write every table, and only read and add to %(kept)s. "
                 "Tables the migrations add later are readable and writable by it at once; run this "
                 "again after each migration.", name=name, kept=", ".join(db_roles.append_only_tables())))


@click.group("telegram")
def telegram_group():
    """The Telegram bot through which staff link their chat for alerts [R10.1]."""


def _bot():
    config = current_app.config
    if not config.get("TELEGRAM_BOT_TOKEN"):
        raise click.ClickException("TELEGRAM_BOT_TOKEN is not set.")
    return config["TELEGRAM_API_URL"], config["TELEGRAM_BOT_TOKEN"]


@telegram_group.command("poll")
@click.option("--once", is_flag=True, help="Handle the updates waiting now, then exit.")
@with_appcontext
def telegram_poll_command(once):
    """Read the bot's messages by getUpdates (when no webhook is set) and link the chats."""
    api_url, token = _bot()
    offset = None
    while True:
        try:
            updates = telegram.get_updates(api_url, token, offset, timeout=0 if once else 25)
        except telegram.TelegramError as error:
            raise click.ClickException(str(error)) from None
        for update in updates:
            alert_channels.handle_update(update)
            db.session.commit()
            offset = update["update_id"] + 1
        if once:
            if offset is not None:  # confirm what was handled, so it is not read again
                telegram.get_updates(api_url, token, offset, timeout=0)
            click.echo(f"Handled {len(updates)} update(s).")
            return


@telegram_group.command("set-webhook")
@with_appcontext
def telegram_set_webhook_command():
    """Have Telegram post the bot's messages to PUBLIC_BASE_URL/telegram/webhook."""
    api_url, token = _bot()
    secret = current_app.config.get("TELEGRAM_WEBHOOK_SECRET")
    if not secret:
        raise click.ClickException("TELEGRAM_WEBHOOK_SECRET is not set.")
    url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/telegram/webhook"
    try:
        telegram.set_webhook(api_url, token, url, secret)
    except telegram.TelegramError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Webhook set: {url}")


def register_commands(app):
    for command in (create_user_command, seed_demo_command, worker_command, deadlines_group,
                    keys_group, retention_group, audit_group, telegram_group):
        app.cli.add_command(command)
    db_group.add_command(grant_runtime_role_command)  # Flask-Migrate's ``flask db``
