"""The ombudsman's registries besides cases ([R6.4]–[R6.11], [R9], [R12], [R13]).

Each record belongs to one region and may carry attachments (``RegistryAttachment``).
Marks such as "expired" or "overdue" are computed from dates, never typed in. What the rest
of the system knows of each registry (labels, main date, report figures…) is its spec in
``models.registry_specs``: a registry model without one stops the app from loading.
"""
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import (Boolean, CheckConstraint, Column, Date, ForeignKey, Integer, String, Table,
                        Text)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from extensions import db
from models.base import created_at_column
from models.capabilities import roles_with

COMMISSIONS = {
    "kdn": _l("Commission on Minors' Affairs and the Protection of their Rights (KDN)"),
    "women_family": _l("Commission on Women's Affairs and Family-Demographic Policy"),
}
ADVISORY_BASES = {"own_initiative": _l("On own initiative"), "agreement": _l("By agreement")}
VISIT_TYPES = {
    "education": _l("Education organization"), "health": _l("Health organization"),
    "social_protection": _l("Social protection organization"),
    "culture_sport": _l("Culture and sport organization"),
    "local_executive": _l("Local executive body"),
    "penal_institution": _l("Penal institution holding minors"),
}
# [R6.5] unimpeded access: whether the visit's access was given, refused or obstructed.
VISIT_ACCESS = {"granted": _l("Access given"), "refused": _l("Access refused"),
                "obstructed": _l("Access obstructed")}
# [R6.4] a recommendation on legislation, and what the Commissioner's office made of it.
RECOMMENDATION_STATES = {"draft": _l("Draft"), "sent": _l("Sent to the Commissioner"),
                         "answered": _l("Answered")}
RECOMMENDATION_OUTCOMES = {"taken": _l("Taken into account"), "partly": _l("Partly taken into account"),
                           "not_taken": _l("Not taken into account")}
# [R7] letters and requests with the bodies of the region; [R11.6] recommendations among them.
INTERACTION_DIRECTIONS = {"outgoing": _l("Sent by the office"), "incoming": _l("Received by the office")}
INTERACTION_KINDS = {"request": _l("Request"), "letter": _l("Letter"), "answer": _l("Answer"),
                     "recommendation": _l("Recommendation to restore a child's rights [R11.6]"),
                     "information": _l("Information")}
CAMPAIGN_KINDS = {"campaign": _l("Information campaign"), "project": _l("Project")}
EXPIRY_WARNING_DAYS = 30


class RegionalRecord:
    """Columns every registry record has: its region, who recorded it and when, a note."""

    id: Mapped[int] = mapped_column(primary_key=True)

    @declared_attr
    def region_code(cls) -> Mapped[str]:
        return mapped_column(ForeignKey("region.code"), index=True)

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("users.id"))

    @declared_attr
    def region(cls):
        return relationship("Region")

    created_at: Mapped[datetime] = created_at_column()
    note: Mapped[str | None] = mapped_column(Text)


def _case_links(name):
    """A table linking a registry record to the cases it concerns."""
    return Table(f"{name}_case", db.metadata,
                 Column(f"{name}_id", ForeignKey(f"{name}.id", ondelete="CASCADE"), primary_key=True),
                 Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True))


memorandum_party = Table(
    "memorandum_party", db.metadata,
    Column("memorandum_id", ForeignKey("memorandum.id", ondelete="CASCADE"), primary_key=True),
    Column("organization_id", ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True))
meeting_case = _case_links("commission_meeting")
visit_case = _case_links("visit")
interaction_case = _case_links("interaction")
publication_case = _case_links("publication")


def awaited_past(record, day):
    """An answer was due before ``day`` and has not come (a document request, a letter)."""
    return record.answered_on is None and record.answer_due is not None and record.answer_due < day


class Memorandum(RegionalRecord, db.Model):
    """[R6.8] memoranda and agreements with state and public institutions."""

    __tablename__ = "memorandum"

    title: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str | None] = mapped_column(Text)
    programmes: Mapped[str | None] = mapped_column(Text)
    signed_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)  # None: open-ended
    terminated_on: Mapped[date | None] = mapped_column(Date)

    parties = relationship("Organization", secondary=memorandum_party)

    def state_on(self, day):
        if self.terminated_on is not None and self.terminated_on <= day:
            return "terminated"
        if self.valid_until is not None and self.valid_until < day:
            return "expired"
        return "in_force"

    def expiring_on(self, day):
        """In force and ending within 30 days."""
        return (self.state_on(day) == "in_force" and self.valid_until is not None
                and self.valid_until <= day + timedelta(days=EXPIRY_WARNING_DAYS))

    def __str__(self):
        return self.title


class CommissionMeeting(RegionalRecord, db.Model):
    """[R9] meetings of the KDN and of the commission on women's affairs."""

    __tablename__ = "commission_meeting"
    __table_args__ = (CheckConstraint(f"commission IN {tuple(COMMISSIONS)!r}", name="commission_known"),)

    commission: Mapped[str] = mapped_column(String(20))
    held_on: Mapped[date] = mapped_column(Date)
    agenda: Mapped[str | None] = mapped_column(Text)
    attended: Mapped[bool] = mapped_column(Boolean, default=False)
    decisions: Mapped[str | None] = mapped_column(Text)

    cases = relationship("Case", secondary=meeting_case)


class CommissionMembership(RegionalRecord, db.Model):
    """[R9] the akimat's decision that makes the ombudsman a member of one of its two
    commissions, from a day and, unless open-ended, until one."""

    __tablename__ = "commission_membership"
    __table_args__ = (CheckConstraint(f"commission IN {tuple(COMMISSIONS)!r}", name="commission_known"),)

    commission: Mapped[str] = mapped_column(String(20))
    decision_number: Mapped[str] = mapped_column(String(100))
    decision_date: Mapped[date] = mapped_column(Date)
    member_from: Mapped[date] = mapped_column(Date)
    member_to: Mapped[date | None] = mapped_column(Date)  # None: open-ended


class AdvisoryBody(RegionalRecord, db.Model):
    """[R6.9] consultative and advisory bodies the ombudsman takes part in."""

    __tablename__ = "advisory_body"
    __table_args__ = (CheckConstraint(f"basis IN {tuple(ADVISORY_BASES)!r}", name="basis_known"),)

    name: Mapped[str] = mapped_column(String(300))
    host_organization: Mapped[str] = mapped_column(String(300))
    basis: Mapped[str] = mapped_column(String(20))
    member_since: Mapped[date | None] = mapped_column(Date)
    meetings_attended: Mapped[int] = mapped_column(Integer, default=0)


class Visit(RegionalRecord, db.Model):
    """[R6.5] visits to bodies and organizations, penal institutions holding minors included."""

    __tablename__ = "visit"
    __table_args__ = (CheckConstraint(f"organization_type IN {tuple(VISIT_TYPES)!r}", name="type_known"),
                      CheckConstraint(f"access IN {tuple(VISIT_ACCESS)!r}", name="access_known"))

    organization_type: Mapped[str] = mapped_column(String(30))
    organization_name: Mapped[str] = mapped_column(String(300))
    visited_on: Mapped[date] = mapped_column(Date)
    purpose: Mapped[str | None] = mapped_column(Text)
    findings: Mapped[str | None] = mapped_column(Text)
    follow_up: Mapped[str | None] = mapped_column(Text)
    # [R6.5] a refused or obstructed access: by whom, what, and the legal basis they cited.
    access: Mapped[str] = mapped_column(String(20), default="granted", server_default="granted")
    refused_by: Mapped[str | None] = mapped_column(String(300))
    refused_what: Mapped[str | None] = mapped_column(Text)
    refusal_basis: Mapped[str | None] = mapped_column(Text)

    @property
    def access_impeded(self):
        return self.access in ("refused", "obstructed")

    cases = relationship("Case", secondary=visit_case)


class DocumentRequest(RegionalRecord, db.Model):
    """[R6.6] requests for documents of state and public institutions."""

    __tablename__ = "document_request"

    addressee: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(Text)
    sent_on: Mapped[date] = mapped_column(Date)
    answer_due: Mapped[date | None] = mapped_column(Date)
    answered_on: Mapped[date | None] = mapped_column(Date)
    result: Mapped[str | None] = mapped_column(Text)

    def overdue_on(self, day):
        return awaited_past(self, day)


class Interaction(RegionalRecord, db.Model):
    """[R7] letters and requests exchanged with the bodies the ombudsman works with (the
    Commissioner for Human Rights, local executive bodies, law enforcement, public
    associations…): when, which way, with whom, about what and which cases, and the answer
    awaited; among them [R11.6] recommendations to restore a child's rights, which wait in
    the work queue until the body answers."""

    __tablename__ = "interaction"
    __table_args__ = (
        CheckConstraint(f"direction IN {tuple(INTERACTION_DIRECTIONS)!r}", name="direction_known"),
        CheckConstraint(f"kind IN {tuple(INTERACTION_KINDS)!r}", name="kind_known"),
    )

    dated_on: Mapped[date] = mapped_column(Date)
    direction: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(Text)
    answer_due: Mapped[date | None] = mapped_column(Date)
    answered_on: Mapped[date | None] = mapped_column(Date)
    answer: Mapped[str | None] = mapped_column(Text)

    cases = relationship("Case", secondary=interaction_case)

    def overdue_on(self, day):
        return awaited_past(self, day)


# Roles that see a closed court session [R6.7]: the ombudsman (of the region) and the
# Commissioner's office; the akimat and the Committee do not, not even in figures.
CLOSED_SESSION_ROLES = roles_with("closed_court_sessions")


class CourtHearing(RegionalRecord, db.Model):
    """[R6.7] court proceedings; a closed session is seen only by the ombudsman and the
    Commissioner's office."""

    __tablename__ = "court_hearing"

    court: Mapped[str] = mapped_column(String(300))
    court_case_number: Mapped[str] = mapped_column(String(100))
    hearing_on: Mapped[date] = mapped_column(Date)
    closed_session: Mapped[bool] = mapped_column(Boolean, default=False)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    outcome: Mapped[str | None] = mapped_column(Text)

    case = relationship("Case")


class LegislativeRecommendation(RegionalRecord, db.Model):
    """[R6.4] recommendations on improving legislation, submitted to the Commissioner: a
    draft, sent from the software (``submitted_on``), answered by the Commissioner's office
    (``outcome``, ``response``, ``response_on``); services/recommendations.py."""

    __tablename__ = "legislative_recommendation"
    __table_args__ = (
        CheckConstraint(f"state IN {tuple(RECOMMENDATION_STATES)!r}", name="state_known"),
        CheckConstraint(f"outcome IS NULL OR outcome IN {tuple(RECOMMENDATION_OUTCOMES)!r}",
                        name="outcome_known"),
    )

    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default="draft", server_default="draft")
    submitted_on: Mapped[date | None] = mapped_column(Date)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    outcome: Mapped[str | None] = mapped_column(String(20))
    response: Mapped[str | None] = mapped_column(Text)
    response_on: Mapped[date | None] = mapped_column(Date)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Briefing(RegionalRecord, db.Model):
    """[R6.10] the half-year public briefing, resonant cases included."""

    __tablename__ = "briefing"

    held_on: Mapped[date] = mapped_column(Date)
    topic: Mapped[str] = mapped_column(String(300))
    resonant_cases: Mapped[str | None] = mapped_column(Text)
    media: Mapped[str | None] = mapped_column(Text)

    def __str__(self):
        """How a publication's form and page name the briefing it reported."""
        return f"{self.held_on:%d.%m.%Y}: {self.topic}"


class Event(RegionalRecord, db.Model):
    """[R6.11] events on children's rights the ombudsman takes part in."""

    __tablename__ = "event"

    title: Mapped[str] = mapped_column(String(300))
    held_on: Mapped[date] = mapped_column(Date)
    organizer: Mapped[str | None] = mapped_column(String(300))
    role: Mapped[str | None] = mapped_column(String(300))


class Campaign(RegionalRecord, db.Model):
    """[R12] information campaigns and projects with state bodies and associations."""

    __tablename__ = "campaign"
    __table_args__ = (CheckConstraint(f"kind IN {tuple(CAMPAIGN_KINDS)!r}", name="kind_known"),)

    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    partners: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)


class Publication(RegionalRecord, db.Model):
    """[R13] publications in the media and social networks: confirmed information only."""

    __tablename__ = "publication"
    __table_args__ = (CheckConstraint("char_length(confirmed_by) > 0", name="confirmed"),)

    outlet: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    link: Mapped[str | None] = mapped_column(String(1000))
    published_on: Mapped[date] = mapped_column(Date)
    confirmed_by: Mapped[str] = mapped_column(String(300))
    # [R6.10] the briefing it reported, and [R11.1] the cases it informs about (numbers only).
    briefing_id: Mapped[int | None] = mapped_column(ForeignKey("briefing.id", ondelete="SET NULL"))

    briefing = relationship("Briefing")
    cases = relationship("Case", secondary=publication_case)


class RegistryAttachment(db.Model):
    """A file attached to any registry record (a signed memorandum, minutes, a letter)."""

    __tablename__ = "registry_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(String(40), index=True)
    record_id: Mapped[int] = mapped_column(Integer, index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"))

    file = relationship("StoredFile", lazy="joined")

