"""The ombudsman's work queue: what needs attention now [R6.2], [R10], [R11].

Four sections, urgent cases first in each, at most ``LIMIT`` rows a part, all filtered
in SQL (never every case loaded to filter in Python):
- overdue: open checklist items past their due time (answered cases included: the
  checklist is work until the case is closed), open cases past their deadline, cases
  not started past their forwarding term (services.terms), and [R10.3] notices delivered
  more than ``REFERENCE_WORKING_DAYS`` ago whose incoming number from the guardianship
  authority or the police is still not recorded;
- due today (Asia/Almaty date): items due later today, cases whose deadline or forwarding
  term is today;
- urgent: open cases where the child is in danger now;
- messages: cases whose reporter wrote last: their message waits for the office's reply;
- new: cases not started yet (received or registered);
and apart from the cases, the letters the office sent that wait for an answer
(``letters_waiting``: [R7], [R11.6] recommendations to restore a child's rights).
The rows carry no identity: registration number, region, categories, due, state.
"""
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import and_, select

from extensions import db
from models import Case, CaseMessage, ChecklistItem, Interaction, Region
from models.case import CaseState
from models.base import utcnow
from services.deadlines import KZ_TZ, calendar, deadline_column

LIMIT = 50
NEW_STATES = ("received", "registered")
REFERENCE_WORKING_DAYS = 3


@dataclass
class Row:
    case_id: int
    number: str
    region: Region
    categories: list
    urgent: bool
    state: str
    due: object  # a datetime (checklist item) or a date (the case's deadline)
    rule: str | None = None  # None: one of the case's own terms
    person: str | None = None
    term: str | None = None  # a case's own term ("answer", "forward"), or "reference" of an [R10.3] notice

    @property
    def sort_key(self):
        due = self.due
        if due is None:
            due = datetime.max.replace(tzinfo=KZ_TZ)
        elif not isinstance(due, datetime):
            due = datetime.combine(due, time(23, 59), tzinfo=KZ_TZ)
        return (not self.urgent, due)


def item_open():
    """A checklist item still to do: open, while the case is worked on (the answer sent or
    not, until it is closed) [R10], [R11]."""
    return and_(ChecklistItem.status == "open", Case.state.in_(CaseState.WORKING))


def item_overdue(now):
    return and_(item_open(), ChecklistItem.due_at < now)


def case_overdue(today):
    """An open case past its deadline (``today`` is the Almaty date) [R6.2]."""
    return and_(Case.state.in_(CaseState.OPEN), deadline_column() < today)


def reporter_waiting():
    """The reporter wrote last (internal notes aside): their message waits for a reply."""
    last_from_reporter = (select(CaseMessage.from_reporter)
                          .where(CaseMessage.case_id == Case.id, CaseMessage.internal.is_(False))
                          .order_by(CaseMessage.id.desc()).limit(1).scalar_subquery())
    return last_from_reporter.is_(True)


def not_started():
    """A case nobody has started yet: it may still have to be forwarded [R6.2]."""
    return Case.state.in_(NEW_STATES)


def forward_overdue(today):
    """A case not started after its forwarding term: it should have been taken up or forwarded."""
    return and_(not_started(), Case.forward_due_on < today)


_CASE_COLUMNS = (Case.id, Case.registration_number, Region, Case.categories, Case.urgent, Case.state)


def _scoped(query, user):
    query = query.join(Region, Region.code == Case.region_code)
    return query if user.sees_all_regions() else query.where(Case.region_code == user.region_code)


def _item_rows(user, *where):
    query = _scoped(select(*_CASE_COLUMNS, ChecklistItem.due_at, ChecklistItem.rule, ChecklistItem.person)
                    .select_from(ChecklistItem).join(Case, Case.id == ChecklistItem.case_id), user)
    # Items stay work to do after the answer, until the case is closed.
    query = query.where(item_open(), *where).order_by(
        Case.urgent.desc(), ChecklistItem.due_at, ChecklistItem.id).limit(LIMIT)
    return [Row(*row) for row in db.session.execute(query)]


def _reference_rows(user, today):
    """[R10.3] notices delivered ``REFERENCE_WORKING_DAYS`` working days ago or earlier, still
    without the incoming number the guardianship authority or the police gave back."""
    since = datetime.combine(calendar().subtract_working_days(today, REFERENCE_WORKING_DAYS - 1), time(0),
                             tzinfo=KZ_TZ)
    query = _scoped(select(*_CASE_COLUMNS, ChecklistItem.done_at, ChecklistItem.rule)
                    .select_from(ChecklistItem).join(Case, Case.id == ChecklistItem.case_id), user)
    query = query.where(ChecklistItem.rule == "R10.3", ChecklistItem.status == "done",
                        ChecklistItem.reference.is_(None), ChecklistItem.done_at < since,
                        Case.state.in_(CaseState.WORKING)).order_by(ChecklistItem.done_at).limit(LIMIT)
    return [Row(*row, term="reference") for row in db.session.execute(query)]


def _case_rows(user, *where, order=None, term="answer"):
    due = Case.forward_due_on if term == "forward" else deadline_column()
    query = _scoped(select(*_CASE_COLUMNS, due), user).where(*where).order_by(
        Case.urgent.desc(), *(order if order is not None else (due, Case.id))).limit(LIMIT)
    return [Row(*row, term=term) for row in db.session.execute(query)]


def letters_waiting(user, today=None):
    """[R7], [R11.6] letters and requests the office sent that still wait for the body's
    answer, the earliest due first (overdue ones at the top); at most ``LIMIT``."""
    query = (select(Interaction).where(Interaction.direction == "outgoing", Interaction.answer_due.is_not(None),
                                       Interaction.answered_on.is_(None))
             .order_by(Interaction.answer_due, Interaction.id).limit(LIMIT))
    if not user.sees_all_regions():
        query = query.where(Interaction.region_code == user.region_code)
    return db.session.scalars(query).all()


def sections(user, now=None):
    """{"overdue", "due_today", "urgent", "messages", "new"} → rows, urgent first."""
    now = now or utcnow()
    local = now.astimezone(KZ_TZ)
    today = local.date()
    tomorrow = datetime.combine(today + timedelta(days=1), time(0), tzinfo=KZ_TZ)
    is_open = Case.state.in_(CaseState.OPEN)
    overdue = (_item_rows(user, ChecklistItem.due_at < now) + _case_rows(user, case_overdue(today))
               + _case_rows(user, forward_overdue(today), term="forward") + _reference_rows(user, today))
    due_today = (_item_rows(user, ChecklistItem.due_at >= now, ChecklistItem.due_at < tomorrow)
                 + _case_rows(user, is_open, deadline_column() == today)
                 + _case_rows(user, not_started(), Case.forward_due_on == today, term="forward"))
    return {
        "overdue": sorted(overdue, key=lambda r: r.sort_key),
        "due_today": sorted(due_today, key=lambda r: r.sort_key),
        "urgent": _case_rows(user, is_open, Case.urgent.is_(True), order=(Case.received_at, Case.id)),
        "messages": _case_rows(user, Case.state.in_(CaseState.UNFINISHED), reporter_waiting(),
                               order=(Case.id,), term="message"),
        "new": _case_rows(user, Case.state.in_(NEW_STATES), order=(Case.received_at, Case.id)),
    }
