"""An audit log that proves itself (PRODUCT.md, "Trust"; issue 16).

**One chain.** When a transaction that wrote audit rows commits, the database links each
row after the chain's last (migration 0022): ``seq`` 1, 2, 3 … with no gap, and ``hash`` =
SHA-256 of the row and of the previous row's hash. One chain rather than one a day:
every checksum e-mailed vouches for the whole log before it, so a day whose e-mail went
missing is still covered by the next one, and ``verify`` is one walk in one order.

**What is hashed** (fixed for good; the migration's ``audit_event_checksum`` computes the
same): the JSON array ``[seq, id, time, action, actor, object type, object id, region,
IP address, data, previous hash]`` written as PostgreSQL's jsonb writes it (``", "``
between items, the data with its keys in jsonb's order), the time in UTC to the
microsecond (``2027-05-05T10:11:12.123456Z``), the first row's previous hash ``null``.
``verify`` computes it here again, from the columns as stored, trusting no code in the
database.

**What proves it later.** Someone with superuser rights can switch the triggers off and
rewrite rows and hashes consistently. So every day the checksum of the chain's last row of
the day before is e-mailed to the Commissioner's office (``send_daily_head``, from
``flask --app app deadlines run``) and recorded in the log (``audit.head``); the audit
screen shows the checksums sent. A rewrite after that shows as a checksum on the screen
that differs from the e-mail, or as a recorded checksum the log no longer matches.

**Frozen half-year reports** [R8] are sealed into the same chain: the audit row of each
submitted version (``half_year_report.submit``, or ``half_year_report.seal`` for versions
older than the chain) holds the digest of its figures and files; ``verify`` recomputes it.
"""
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import Text, cast, select, text

from extensions import db
from models import AuditEvent, HalfYearReport
from services import alerts, audit
from services.deadlines import KZ_TZ, now_local

HEAD_ACTION = "audit.head"
SEAL_ACTION = "half_year_report.seal"
SEAL_ACTIONS = ("half_year_report.submit", SEAL_ACTION)
BATCH = 5000
SCREEN_HEADS = 14


@dataclass(frozen=True)
class Problem:
    """The first thing ``verify`` found wrong in one of its checks, said in words."""

    message: str

    def __str__(self):
        return str(self.message)


@dataclass(frozen=True)
class Verification:
    entries: int
    heads: int
    reports: int
    problems: list

    @property
    def ok(self):
        return not self.problems


@dataclass(frozen=True)
class SentHead:
    """A checksum sent, and the one its row holds now (``None``: the row is gone)."""

    day: date
    seq: int
    sent: str
    stored: str | None

    @property
    def matches(self):
        return self.sent == self.stored


# --- the serialization ---------------------------------------------------------------------------

def _json(value):
    """A scalar as jsonb writes it: ``json.dumps`` escapes exactly the characters PostgreSQL's
    ``escape_json`` does (quote, backslash, controls) and keeps the rest as it is."""
    return "null" if value is None else json.dumps(value, ensure_ascii=False)


def _array(*items):
    """A JSON array of items already written as JSON, as jsonb writes it."""
    return "[" + ", ".join(items) + "]"


def _sha256(text_or_bytes):
    data = text_or_bytes.encode("utf-8") if isinstance(text_or_bytes, str) else bytes(text_or_bytes)
    return hashlib.sha256(data).hexdigest()


def utc_text(at):
    """A time in UTC to the microsecond, as migration 0022's ``to_char`` writes it."""
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def checksum(seq, row, data_text, previous):
    """The hash of an audit row at place ``seq`` after ``previous`` (module docstring).
    ``data_text`` is the row's data as jsonb writes it (``CAST(data AS text)``)."""
    return _sha256(_array(
        _json(seq), _json(row.id), _json(utc_text(row.at)), _json(row.action), _json(row.actor_id),
        _json(row.object_type), _json(row.object_id), _json(row.region_code), _json(row.ip_address),
        data_text, _json(previous)))


# --- the frozen half-year reports ---------------------------------------------------------------

_REPORT = text("SELECT id, region_code, year, half, version, correction_reason, submitted_at, "
               "submitted_by_id, CAST(figures AS text) AS figures FROM half_year_report WHERE id = :id")
_REPORT_FILES = text("SELECT f.format, f.language, s.data FROM half_year_report_file f "
                     "JOIN stored_file s ON s.id = f.file_id WHERE f.report_id = :id "
                     "ORDER BY f.format, f.language")
_UNSEALED = text("SELECT r.id, r.version FROM half_year_report r WHERE NOT EXISTS ("
                 "SELECT 1 FROM audit_event e WHERE e.action = ANY(:actions) "
                 "AND e.object_type = 'half_year_report' AND e.object_id = CAST(r.id AS text) "
                 "AND e.data ? 'digest') ORDER BY r.id")


def report_digest(conn, report_id):
    """SHA-256 of a submitted version as stored [R8]: ``[id, region, year, half, version,
    reason, time, submitted by, figures, [[format, language, SHA-256 of the file] …]]``,
    written as ``checksum`` writes a row. ``conn`` is a session or a connection (the
    migration that seals older versions computes it too)."""
    report = conn.execute(_REPORT, {"id": report_id}).one()
    files = [_array(_json(fmt), _json(language), _json(_sha256(data)))
             for fmt, language, data in conn.execute(_REPORT_FILES, {"id": report_id})]
    return _sha256(_array(
        _json(report.id), _json(report.region_code), _json(report.year), _json(report.half),
        _json(report.version), _json(report.correction_reason), _json(utc_text(report.submitted_at)),
        _json(report.submitted_by_id), report.figures, _array(*files)))


def unsealed_reports(conn):
    """(id, version) of the submitted versions no audit row seals."""
    return conn.execute(_UNSEALED, {"actions": list(SEAL_ACTIONS)}).all()


def seal(report):
    """The digest of a version being submitted, for its ``half_year_report.submit`` row
    (its files are written first)."""
    db.session.flush()
    return report_digest(db.session, report.id)


# --- verification -------------------------------------------------------------------------------

def verify():
    """Walk the chain, then check the checksums sent and the sealed report versions."""
    entries, chain_problem = walk_chain()
    heads, head_problem = check_heads()
    reports, report_problem = check_reports()
    problems = [p for p in (chain_problem, head_problem, report_problem) if p is not None]
    return Verification(entries, heads, reports, problems)


def _local(at):
    return at.astimezone(KZ_TZ).isoformat(timespec="seconds")


def walk_chain():
    """(rows that match, the first that does not or ``None``), in the chain's order."""
    rows = db.session.execute(
        select(AuditEvent.id, AuditEvent.seq, AuditEvent.hash, AuditEvent.at, AuditEvent.action,
               AuditEvent.actor_id, AuditEvent.object_type, AuditEvent.object_id,
               AuditEvent.region_code, AuditEvent.ip_address, cast(AuditEvent.data, Text).label("data_text"))
        .order_by(AuditEvent.seq).execution_options(yield_per=BATCH))
    matched, previous = 0, None
    for row in rows:
        problem = _row_problem(row, matched + 1, previous)
        if problem is not None:
            rows.close()
            return matched, problem
        matched, previous = matched + 1, row.hash
    return matched, None


def _row_problem(row, seq, previous):
    where = dict(id=row.id, time=_local(row.at))
    if row.seq is None:
        return Problem(_l("Audit entry %(id)s of %(time)s is not in the chain: it was written with "
                          "the database's triggers switched off.", **where))
    if row.seq != seq:
        return Problem(_l("Audit entry %(id)s of %(time)s is not where the chain expects it: "
                          "entries before it are missing.", **where))
    if checksum(row.seq, row, row.data_text, previous) != row.hash:
        return Problem(_l("Audit entry %(id)s of %(time)s does not match its checksum: it was "
                          "changed after it was written.", **where))
    return None


def check_heads():
    """(checksums sent, the first the log no longer matches or ``None``)."""
    heads = db.session.scalars(select(AuditEvent).where(AuditEvent.action == HEAD_ACTION)
                               .order_by(AuditEvent.id)).all()
    stored = _stored_hashes(head.data.get("seq") for head in heads)
    for head in heads:
        if stored.get(head.data.get("seq")) != head.data.get("hash"):
            return len(heads), Problem(_l(
                "The checksum of %(day)s recorded in audit entry %(id)s no longer matches the log: "
                "the log was rewritten after it was sent.", day=head.data.get("day"), id=head.id))
    return len(heads), None


def _stored_hashes(seqs):
    seqs = [seq for seq in seqs if isinstance(seq, int)]
    return dict(db.session.execute(select(AuditEvent.seq, AuditEvent.hash)
                                   .where(AuditEvent.seq.in_(seqs))).all()) if seqs else {}


def check_reports():
    """(report versions checked, the first that no longer matches its seal or ``None``)."""
    seals = defaultdict(set)
    for object_id, digest in db.session.execute(
            select(AuditEvent.object_id, AuditEvent.data["digest"].astext)
            .where(AuditEvent.action.in_(SEAL_ACTIONS), AuditEvent.object_type == "half_year_report")):
        if digest:
            seals[object_id].add(digest)
    reports = db.session.scalars(select(HalfYearReport).order_by(HalfYearReport.id)).all()
    for report in reports:
        found = seals.get(str(report.id))
        where = dict(report=str(report), id=report.id)
        if not found:
            return len(reports), Problem(_l(
                "Half-year report %(report)s (number %(id)s) is not sealed in the audit log.", **where))
        if found != {report_digest(db.session, report.id)}:
            return len(reports), Problem(_l(
                "Half-year report %(report)s (number %(id)s) does not match its seal in the audit "
                "log: it was changed after it was submitted.", **where))
    return len(reports), None


# --- the daily checksum -------------------------------------------------------------------------

def day_head(day):
    """(seq, hash) of the chain's last row written before the end of the local ``day``."""
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=KZ_TZ)
    return db.session.execute(
        select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.seq.is_not(None), AuditEvent.at < end)
        .order_by(AuditEvent.seq.desc()).limit(1)).first()


def send_daily_head(today=None):
    """E-mail yesterday's checksum to the Commissioner's office once (a dedupe key per day)
    and record it in the log; return the day, or ``None`` when nothing was queued. The
    caller commits."""
    day = (today or now_local().date()) - timedelta(days=1)
    head = day_head(day)
    if head is None:
        return None
    message = alerts.raise_alert("audit_head", None, dedupe_key=f"audit-head:{day.isoformat()}",
                                 day=day, checksum=head.hash)
    if message is None:
        return None
    audit.record(HEAD_ACTION, day=day, seq=head.seq, hash=head.hash)
    return day


def recent_heads(limit=SCREEN_HEADS):
    """The last checksums sent, newest first, each beside the one its row holds now."""
    heads = db.session.scalars(select(AuditEvent).where(AuditEvent.action == HEAD_ACTION)
                               .order_by(AuditEvent.at.desc()).limit(limit)).all()
    stored = _stored_hashes(head.data.get("seq") for head in heads)
    return [SentHead(day=date.fromisoformat(head.data["day"]), seq=head.data["seq"],
                     sent=head.data["hash"], stored=stored.get(head.data["seq"])) for head in heads]
