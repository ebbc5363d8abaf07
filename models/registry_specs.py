"""Every registry ([R6.4]–[R6.11], [R9], [R12], [R13]) declared once, for all its readers.

One ``RegistrySpec`` per registry says what the rest of the system needs to know about it:
its label, rule, main date, the column naming a row, how its rows are scoped and hidden,
what it counts in the half-year report, the compliance check it feeds. The admin views
(``admin.registries``), the report builder's data sets, the year plan's record links, the
half-year report and its layout, compliance and the tests iterate ``REGISTRY_SPECS``; none
keeps a list of its own. Adding a registry is its model, its spec here, its migration and its
catalogues.

A spec that lacks what a reader needs is refused when it is built (``RegistrySpec`` checks
itself), and this module refuses to load when a registry model has no spec, when two specs
share an endpoint, a table or a figure of the report, or when ``REPORT_ORDER`` (where each
registry's lines stand in the report) leaves one out.
"""
import re
from dataclasses import dataclass, field
from typing import Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Date, and_, or_

from models.registry import (ADVISORY_BASES, CAMPAIGN_KINDS, CLOSED_SESSION_ROLES, COMMISSIONS,
                             INTERACTION_DIRECTIONS, INTERACTION_KINDS, RECOMMENDATION_OUTCOMES,
                             RECOMMENDATION_STATES, VISIT_ACCESS,
                             VISIT_TYPES, AdvisoryBody, Briefing, Campaign, CommissionMeeting,
                             CommissionMembership, CourtHearing, DocumentRequest, Event,
                             Interaction, LegislativeRecommendation, Memorandum, Publication,
                             RegionalRecord, Visit)

# The columns every record has (``RegionalRecord``): labelled once by the admin, not per spec.
COMMON_COLUMNS = frozenset({"id", "region_code", "created_by_id", "created_at", "note"})
RULE = re.compile(r"R\d+(\.\d+)?")


class RegistrySpecError(ValueError):
    """A registry's declaration lacks something a reader needs."""


@dataclass(frozen=True)
class Figure:
    """One count of the half-year report [R8], kept under ``activities.<key>``.

    It counts the region's rows whose date ``on`` (the main date unless named) falls in the
    half-year, or, with ``counts``, the rows ``counts(period)`` selects (a
    ``services.reports.Period``: ``start``, ``end``, ``holds_day``).
    """

    key: str
    label: object
    on: str | None = None
    counts: Callable | None = None


@dataclass(frozen=True)
class Turnaround:
    """Rows asked on ``start``, done on ``done`` and due by ``due``: the report builder's
    median days and share done on time."""

    start: str
    done: str
    due: str


@dataclass(frozen=True)
class RegistrySpec:
    """One registry, as every reader sees it.

    - ``model``: a ``RegionalRecord``, so scoped by its own ``region_code`` [R3]: a regional
      user reads and writes their region's rows only (admin, builder, plan, report);
    - ``endpoint``: its admin screen, ``/admin/<endpoint>/``;
    - ``rule``: the rule it records, e.g. ``"R6.8"``; its report lines cite it;
    - ``label`` (plural: the menu, the builder's data set) and ``record_label`` (one row:
      a year plan item's linked record);
    - ``date``: the main date: the admin's default sort and Year filter, the builder's
      period, the plan's year, the report's half-year;
    - ``title``: the column naming a row in the plan's record links (a coded column shows
      its label from ``choices``);
    - ``labels``: the label of every column of its own (the admin, the builder, CSV);
    - ``report``: what it counts in the half-year report (at least one ``Figure``);
    - ``choices``: coded columns and their catalogues (the admin's select and filter, the
      builder's group-by); its yes/no columns are group-bys too;
    - ``turnaround``: its answer times, if it has any (the builder's measures);
    - ``closed``: a yes/no column whose rows only ``CLOSED_SESSION_ROLES`` see [R6.7];
    - ``duty``: the compliance check it feeds (``services.compliance.CHECKS``), if any.
    """

    model: type
    endpoint: str
    rule: str
    label: object
    record_label: object
    date: str
    title: str
    labels: dict
    report: tuple
    choices: dict = field(default_factory=dict)
    turnaround: Turnaround | None = None
    closed: str | None = None
    duty: str | None = None

    def __post_init__(self):
        name = getattr(self.model, "__tablename__", self.model)
        if not (isinstance(self.model, type) and issubclass(self.model, RegionalRecord)):
            raise RegistrySpecError(f"{name}: a registry is a RegionalRecord (scoped by its region)")
        columns = self.model.__table__.c
        problems = []
        for what in ("endpoint", "label", "record_label"):
            if not getattr(self, what):
                problems.append(f"no {what}")
        if not (isinstance(self.rule, str) and RULE.fullmatch(self.rule)):
            problems.append(f"rule {self.rule!r} is not like R6.8")
        if not self._is(self.date, Date):
            problems.append(f"main date {self.date!r} is not a date column")
        if not (isinstance(self.title, str) and self.title in columns):
            problems.append(f"title {self.title!r} is not a column (the year plan names rows by it)")
        unlabelled = [c for c in self.own_columns if c not in (self.labels or {})]
        if unlabelled:
            problems.append(f"no label for {', '.join(unlabelled)}")
        if not self.report or not all(isinstance(f, Figure) for f in self.report):
            problems.append("no figure of the half-year report")
        for figure in (f for f in self.report or () if isinstance(f, Figure)):
            if not figure.key or not figure.label:
                problems.append("a figure of the half-year report without a key or a label")
            if figure.on is not None and not self._is(figure.on, Date):
                problems.append(f"figure {figure.key!r} counts by {figure.on!r}, not a date column")
        for column, catalogue in self.choices.items():
            if column not in columns or not catalogue:
                problems.append(f"choices of {column!r}: not a column, or an empty catalogue")
        if self.turnaround is not None:
            dates = (self.turnaround.start, self.turnaround.done, self.turnaround.due)
            if not all(self._is(column, Date) for column in dates):
                problems.append("turnaround names a column that is not a date")
        if self.closed is not None and not self._is(self.closed, Boolean):
            problems.append(f"closed {self.closed!r} is not a yes/no column")
        if problems:
            raise RegistrySpecError(f"registry {name}: " + "; ".join(problems))

    def _is(self, column, kind):
        found = self.model.__table__.c.get(column) if isinstance(column, str) else None
        return found is not None and isinstance(found.type, kind)

    @property
    def table(self):
        return self.model.__tablename__

    @property
    def own_columns(self):
        """Its columns besides those every record has and the keys of links, in model order."""
        return tuple(c.key for c in self.model.__table__.columns
                     if c.key not in COMMON_COLUMNS and not c.foreign_keys)

    @property
    def flags(self):
        """Its yes/no columns."""
        return tuple(c for c in self.own_columns if self._is(c, Boolean))

    @property
    def date_column(self):
        return getattr(self.model, self.date)

    @property
    def date_label(self):
        return self.labels[self.date]

    @property
    def region_column(self):
        return self.model.region_code

    def visible_to(self, role):
        """The condition on the rows ``role`` may see, or None when it sees them all."""
        if self.closed is None or role in CLOSED_SESSION_ROLES:
            return None
        return getattr(self.model, self.closed).is_(False)

    def hides(self, row, role):
        """``row`` is one ``role`` may not see (a closed court session [R6.7])."""
        return self.visible_to(role) is not None and bool(getattr(row, self.closed))

    def title_of(self, value):
        """A row's title as shown: a coded title by its label."""
        return self.choices.get(self.title, {}).get(value, value)

    def condition(self, figure, period):
        """The rows ``figure`` counts in ``period``."""
        if figure.counts is not None:
            return figure.counts(period)
        return period.holds_day(getattr(self.model, figure.on or self.date))


# --- what stands at the end of a half-year ------------------------------------------------------

def _memoranda_in_force(period):
    """[R6.8] signed by the end of the half-year, neither expired nor terminated then."""
    end = period.end
    return and_(Memorandum.signed_on <= end,
                or_(Memorandum.valid_until.is_(None), Memorandum.valid_until >= end),
                or_(Memorandum.terminated_on.is_(None), Memorandum.terminated_on > end))


def _advisory_bodies_joined(period):
    """[R6.9] joined by the end of the half-year (or since a day not recorded)."""
    return or_(AdvisoryBody.member_since.is_(None), AdvisoryBody.member_since <= period.end)


def _memberships_at_end(period):
    """[R9] the akimat's commissions the ombudsman is a member of on the last day."""
    end = period.end
    return and_(CommissionMembership.member_from <= end,
                or_(CommissionMembership.member_to.is_(None), CommissionMembership.member_to >= end))


def _access_impeded(period):
    """[R6.5] visits in the half-year whose access was refused or obstructed."""
    return and_(period.holds_day(Visit.visited_on), Visit.access.in_(("refused", "obstructed")))


def _letters(**where):
    """[R7] letters and requests dated in the half-year, of one direction or kind."""
    def condition(period):
        return and_(period.holds_day(Interaction.dated_on),
                    *(getattr(Interaction, column) == value for column, value in where.items()))
    return condition


def _meetings_attended(period):
    """[R9] held in the half-year and attended."""
    return and_(period.holds_day(CommissionMeeting.held_on), CommissionMeeting.attended)


# --- the registries, in menu order --------------------------------------------------------------

REGISTRY_SPECS = (
    RegistrySpec(
        model=Memorandum, endpoint="memorandum", rule="R6.8",
        label=_l("Memoranda"), record_label=_l("Memorandum"), date="signed_on", title="title",
        labels={"title": _l("Title"), "parties": _l("Parties"), "subject": _l("Subject"),
                "programmes": _l("Joint programmes and projects"), "signed_on": _l("Signed on"),
                "valid_until": _l("Valid until"), "terminated_on": _l("Terminated on")},
        report=(Figure("memoranda_signed", _l("Memoranda signed [R6.8]")),
                Figure("memoranda_in_force", _l("Memoranda in force at the end [R6.8]"),
                       counts=_memoranda_in_force)),
        duty="memoranda"),
    RegistrySpec(
        model=CommissionMeeting, endpoint="commission_meeting", rule="R9",
        label=_l("Commission meetings"), record_label=_l("Commission meeting"), date="held_on",
        title="commission",
        labels={"commission": _l("Commission"), "held_on": _l("Held on"), "attended": _l("Attended"),
                "agenda": _l("Agenda"), "decisions": _l("Decisions"), "cases": _l("Cases")},
        choices={"commission": COMMISSIONS},
        report=(Figure("commission_meetings", _l("Commission meetings [R9]")),
                Figure("commission_meetings_attended", _l("Commission meetings attended [R9]"),
                       counts=_meetings_attended)),
        duty="meetings"),
    RegistrySpec(
        model=CommissionMembership, endpoint="commission_membership", rule="R9",
        label=_l("Commission memberships"), record_label=_l("Commission membership"),
        date="decision_date", title="commission",
        labels={"commission": _l("Commission"), "decision_number": _l("Akimat decision number"),
                "decision_date": _l("Decision date"), "member_from": _l("Member from"),
                "member_to": _l("Member until")},
        choices={"commission": COMMISSIONS},
        report=(Figure("commission_memberships", _l("Commission memberships at the end [R9]"),
                       counts=_memberships_at_end),)),
    RegistrySpec(
        model=AdvisoryBody, endpoint="advisory_body", rule="R6.9",
        label=_l("Advisory bodies"), record_label=_l("Advisory body"), date="member_since", title="name",
        labels={"name": _l("Name"), "host_organization": _l("Host organization"), "basis": _l("Basis"),
                "member_since": _l("Member since"), "meetings_attended": _l("Meetings attended")},
        choices={"basis": ADVISORY_BASES},
        report=(Figure("advisory_bodies", _l("Advisory bodies joined [R6.9]"),
                       counts=_advisory_bodies_joined),)),
    RegistrySpec(
        model=Visit, endpoint="visit", rule="R6.5",
        label=_l("Visits"), record_label=_l("Visit"), date="visited_on", title="organization_name",
        labels={"visited_on": _l("Visited on"), "organization_type": _l("Organization type"),
                "organization_name": _l("Organization"), "purpose": _l("Purpose"),
                "findings": _l("Findings"), "follow_up": _l("Follow-up"), "cases": _l("Cases"),
                "access": _l("Access"), "refused_by": _l("Refused or obstructed by"),
                "refused_what": _l("What was refused"), "refusal_basis": _l("Legal basis they cited")},
        choices={"organization_type": VISIT_TYPES, "access": VISIT_ACCESS},
        report=(Figure("visits", _l("Visits to organizations [R6.5]")),
                Figure("visits_access_impeded", _l("Visits where access was refused or obstructed [R6.5]"),
                       counts=_access_impeded))),
    RegistrySpec(
        model=DocumentRequest, endpoint="document_request", rule="R6.6",
        label=_l("Document requests"), record_label=_l("Document request"), date="sent_on",
        title="addressee",
        labels={"addressee": _l("Addressee"), "subject": _l("Documents requested"),
                "sent_on": _l("Sent on"), "answer_due": _l("Answer due"),
                "answered_on": _l("Answered on"), "result": _l("Result")},
        turnaround=Turnaround(start="sent_on", done="answered_on", due="answer_due"),
        report=(Figure("document_requests_sent", _l("Document requests sent [R6.6]")),
                Figure("document_requests_answered", _l("Document requests answered [R6.6]"),
                       on="answered_on")),
        duty="document_requests"),
    RegistrySpec(
        model=Interaction, endpoint="interaction", rule="R7",
        label=_l("Letters and requests"), record_label=_l("Letter or request"), date="dated_on",
        title="subject",
        labels={"dated_on": _l("Date"), "direction": _l("Direction"), "kind": _l("Kind"),
                "body": _l("Body or organization"), "subject": _l("Subject"), "answer_due": _l("Answer due"),
                "answered_on": _l("Answered on"), "answer": _l("Answer"), "cases": _l("Cases")},
        choices={"direction": INTERACTION_DIRECTIONS, "kind": INTERACTION_KINDS},
        turnaround=Turnaround(start="dated_on", done="answered_on", due="answer_due"),
        report=(Figure("letters_sent", _l("Letters and requests sent [R7]"), counts=_letters(direction="outgoing")),
                Figure("letters_received", _l("Letters and requests received [R7]"),
                       counts=_letters(direction="incoming")),
                Figure("recommendations_to_bodies", _l("Recommendations to restore children's rights sent to "
                                                       "bodies [R7], [R11.6]"),
                       counts=_letters(kind="recommendation")))),
    RegistrySpec(
        model=CourtHearing, endpoint="court_hearing", rule="R6.7",
        label=_l("Court hearings"), record_label=_l("Court hearing"), date="hearing_on",
        title="court_case_number",
        labels={"hearing_on": _l("Hearing on"), "court": _l("Court"),
                "court_case_number": _l("Court case number"), "closed_session": _l("Closed session"),
                "case": _l("Case"), "outcome": _l("Outcome")},
        closed="closed_session",
        report=(Figure("court_hearings", _l("Court hearings attended [R6.7]")),)),
    RegistrySpec(
        model=LegislativeRecommendation, endpoint="recommendation", rule="R6.4",
        label=_l("Legislative recommendations"), record_label=_l("Legislative recommendation"),
        date="submitted_on", title="text",
        labels={"text": _l("Recommendation"), "state": _l("State"), "submitted_on": _l("Sent on"),
                "outcome": _l("The Commissioner's answer"), "response": _l("Note with the answer"),
                "response_on": _l("Answered on")},
        choices={"state": RECOMMENDATION_STATES, "outcome": RECOMMENDATION_OUTCOMES},
        report=(Figure("legislative_recommendations", _l("Legislative recommendations [R6.4]")),)),
    RegistrySpec(
        model=Briefing, endpoint="briefing", rule="R6.10",
        label=_l("Briefings"), record_label=_l("Briefing"), date="held_on", title="topic",
        labels={"held_on": _l("Held on"), "topic": _l("Topic"), "resonant_cases": _l("Resonant cases"),
                "media": _l("Media")},
        report=(Figure("briefings", _l("Briefings [R6.10]")),),
        duty="briefing"),
    RegistrySpec(
        model=Event, endpoint="event", rule="R6.11",
        label=_l("Events"), record_label=_l("Event"), date="held_on", title="title",
        labels={"held_on": _l("Held on"), "title": _l("Title"), "organizer": _l("Organizer"),
                "role": _l("Role of the ombudsman")},
        report=(Figure("events", _l("Events [R6.11]")),)),
    RegistrySpec(
        model=Campaign, endpoint="campaign", rule="R12",
        label=_l("Campaigns and projects"), record_label=_l("Campaign"), date="started_on", title="title",
        labels={"kind": _l("Kind"), "title": _l("Title"), "started_on": _l("Started on"),
                "ended_on": _l("Ended on"), "partners": _l("Partners"), "description": _l("Description")},
        choices={"kind": CAMPAIGN_KINDS},
        report=(Figure("campaigns", _l("Campaigns and projects [R12]")),)),
    RegistrySpec(
        model=Publication, endpoint="publication", rule="R13",
        label=_l("Publications"), record_label=_l("Publication"), date="published_on", title="title",
        labels={"published_on": _l("Published on"), "outlet": _l("Media or network"), "title": _l("Title"),
                "link": _l("Link"), "confirmed_by": _l("Confirmed by"), "briefing": _l("Briefing reported"),
                "cases": _l("Cases it informs about [R11.1]")},
        report=(Figure("publications", _l("Publications [R13]")),)),
)

# The order of the registries in the half-year report's "Activities" section.
REPORT_ORDER = (Visit, DocumentRequest, Interaction, CourtHearing, Memorandum, AdvisoryBody, Briefing, Event,
                CommissionMeeting, CommissionMembership, Campaign, Publication, LegislativeRecommendation)

SPEC_BY_TABLE = {spec.table: spec for spec in REGISTRY_SPECS}
SPEC_BY_MODEL = {spec.model: spec for spec in REGISTRY_SPECS}


def report_figures():
    """``(spec, figure)`` of every count of the half-year report, in the report's order."""
    return [(SPEC_BY_MODEL[model], figure) for model in REPORT_ORDER
            for figure in SPEC_BY_MODEL[model].report]


def missing_specs():
    """Registry models (``RegionalRecord`` subclasses) that have no spec."""
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)
    return sorted(m.__name__ for m in subclasses(RegionalRecord) if m not in SPEC_BY_MODEL)


def check_specs(specs, report_order):
    """Refuse registries declared twice, or left out of the half-year report's order."""
    problems = []
    for what, values in (("endpoint", [s.endpoint for s in specs]), ("table", [s.table for s in specs]),
                         ("figure", [f.key for s in specs for f in s.report])):
        twice = sorted({v for v in values if values.count(v) > 1})
        if twice:
            problems.append(f"{what} declared twice: {', '.join(twice)}")
    models = [s.model for s in specs]
    if sorted(m.__name__ for m in report_order) != sorted(m.__name__ for m in models):
        problems.append("REPORT_ORDER must name every registry once")
    if problems:
        raise RegistrySpecError("; ".join(problems))


check_specs(REGISTRY_SPECS, REPORT_ORDER)
if missing_specs():
    raise RegistrySpecError(f"registries without a spec: {', '.join(missing_specs())}")
