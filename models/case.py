"""Cases: appeals and complaints about a child's rights [R6.2], and what is recorded on them.

An *appeal* reports a violation of a child's rights; a *complaint* is against a decision,
action or inaction of a local executive body, organization or official [R6.2]. Every
case gets a registration number ``<region>-<year>-<sequence>`` without gaps, and its
reporter a receipt code, stored only as a keyed hash, to follow it without an account.
"""
import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (ARRAY, Boolean, CheckConstraint, Computed, Date, DateTime, FetchedValue, ForeignKey,
                        Index, Integer, SmallInteger, String, Text, UniqueConstraint, text)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from extensions import db
from models.base import created_at_column
from models.types import EncryptedText
from core.iin import search_key

KINDS = {"appeal": _l("An appeal about a violation of a child's rights"),
         "complaint": _l("A complaint about a decision, action or inaction of a local executive "
                         "body, organization or official"),
         # What else arrives by letter, e-Otinish or the media; each has its own term (services.terms).
         "request_information": _l("A request for information"),
         "proposal": _l("A proposal"),
         "message": _l("A message"),
         "response": _l("A response"),
         "media_request": _l("A request of the media")}
# The public form asks only these two [R6.2]; staff file every kind.
PUBLIC_KINDS = ("appeal", "complaint")

CATEGORIES = {
    "violence": _l("Violence"), "neglect": _l("Neglect"), "bullying": _l("Bullying"),
    "sexual_abuse": _l("Sexual abuse"), "exploitation": _l("Exploitation"),
    "education": _l("Right to education"), "health": _l("Health care"),
    "social_support": _l("Social support"), "other": _l("Other"),
}

# [R10.3] turns on the first: a parent or legal representative living with the child.
RESPONSIBLE = {
    "parent_cohabiting": _l("A parent or legal representative living with the child"),
    "family_member": _l("Another family member"),
    "education_org": _l("A school, kindergarten or other education organization"),
    "health_org": _l("A hospital, clinic or other health organization"),
    "social_org": _l("A social protection organization"),
    "local_executive": _l("A local executive body (akimat) or an official"),
    "other_person": _l("Another person"),
    "unknown": _l("I do not know"),
}

REPORTER_TYPES = {
    "child": _l("I am the child"), "parent": _l("A parent"), "relative": _l("A relative"),
    "teacher": _l("A teacher"), "neighbour": _l("A neighbour"), "other": _l("Someone else"),
}

SEXES = {"girl": _l("Girl"), "boy": _l("Boy"), "unspecified": _l("Not specified")}

CHANNELS = {
    "web": _l("Public form"), "phone": _l("Phone"), "visit": _l("Personal visit"),
    "letter": _l("Letter"), "email": _l("E-mail"), "media": _l("Media and social networks"),
    "e_otinish": _l("e-Otinish"), "line_111": _l("Line 111"),
}


# Outcome recorded when a case closes [R6.3].
OUTCOMES = {
    "restored_fully": _l("Rights restored fully"), "restored_partly": _l("Rights restored partly"),
    "not_restored": _l("Rights not restored"), "forwarded": _l("Forwarded"), "rejected": _l("Rejected"),
}


class CaseState(str, enum.Enum):
    RECEIVED = "received"
    REGISTERED = "registered"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    CLOSED = "closed"
    FORWARDED = "forwarded"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    # State groups: read these, never spell the states out again.
    # Not yet answered: the answer term runs [R6.2]; the reporter may withdraw.
    OPEN = enum.nonmember(("received", "registered", "in_progress"))
    # Being worked on: the [R10] and [R11] checklist items are counted.
    WORKING = enum.nonmember(("registered", "in_progress", "answered"))
    # Not finished: overdue checklist items are still escalated.
    UNFINISHED = enum.nonmember(("received", "registered", "in_progress", "answered"))

    def __str__(self):
        return self.value


CASE_STATE_LABELS = {
    "received": _l("Received"), "registered": _l("Registered"), "in_progress": _l("In progress"),
    "answered": _l("Answered"), "closed": _l("Closed"),
    "forwarded": _l("Forwarded to another body"), "rejected": _l("Rejected"),
    "withdrawn": _l("Withdrawn"),
}


def _check_in(column, values):
    return f"{column} IN {tuple(values)!r}"


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(_check_in("kind", KINDS), name="kind_known"),
        CheckConstraint(_check_in("state", CASE_STATE_LABELS), name="state_known"),
        CheckConstraint(_check_in("responsible", RESPONSIBLE), name="responsible_known"),
        CheckConstraint(_check_in("channel", CHANNELS), name="channel_known"),
        CheckConstraint(_check_in("language", ("kk", "ru", "en")), name="language_known"),
        CheckConstraint("char_length(description) BETWEEN 20 AND 10000", name="description_length"),
        CheckConstraint(f"outcome IS NULL OR outcome IN {tuple(OUTCOMES)!r}", name="outcome_known"),
        # Received in a period, with what the half-year report counts of them (services.reports).
        Index("ix_cases_region_received", "region_code", "received_at",
              postgresql_include=["kind", "channel", "responsible", "categories"]),
        # The case list at a million cases (bench/lists.py): each order and filter it offers
        # reads its first page straight from an index, for one region and for all of them.
        # Default order, urgent first then newest:
        Index("ix_cases_region_urgent_received", "region_code", "urgent", "received_at"),
        Index("ix_cases_urgent_received", "urgent", "received_at"),
        # Sorted by due date:
        Index("ix_cases_region_due", "region_code", "due_on"),
        Index("ix_cases_due", "due_on"),
        # Filtered by state, in the default order:
        Index("ix_cases_region_state_urgent_received", "region_code", "state", "urgent", "received_at"),
        Index("ix_cases_state_urgent_received", "state", "urgent", "received_at"),
        # Search by words of the description (admin.cases.description_matches).
        Index("ix_cases_description_search", "description_search", postgresql_using="gin"),
        # The half-year report (services.reports), for one region or every region (one range
        # each): cases registered, answered, closed in a period, with what the report counts
        # of them (INCLUDE: read from the index alone); those neither answered nor closed; the
        # region of a case by its id.
        Index("ix_cases_region_id", "region_code", "id"),
        Index("ix_cases_region_registered", "region_code", "registered_at"),
        Index("ix_cases_region_answered", "region_code", "answered_at",
              postgresql_include=["received_at", "due_on", "extended_due_on", "closed_at"]),
        Index("ix_cases_region_closed", "region_code", "closed_at",
              postgresql_include=["outcome", "state", "received_at", "answered_at"]),
        Index("ix_cases_region_unanswered", "region_code", "received_at",
              postgresql_where=text("answered_at IS NULL AND closed_at IS NULL")),
        Index("ix_cases_id_region", "id", postgresql_include=["region_code"]),
        # What is overdue now (services.dashboard): the cases still worked on, as
        # CaseState.WORKING lists them, whose open items are counted.
        Index("ix_cases_region_working", "region_code", "id",
              postgresql_where=text("state IN ('registered', 'in_progress', 'answered')")),
        # Cases by time alone, for all regions at once (the public statistics); the national
        # roll-up names every region instead and reads the region indexes above.
        Index("ix_cases_received", "received_at"),
        Index("ix_cases_registered", "registered_at"),
        Index("ix_cases_answered", "answered_at"),
        Index("ix_cases_closed", "closed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_number: Mapped[str] = mapped_column(String(20), unique=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    kind: Mapped[str] = mapped_column(String(20))
    complaint_target: Mapped[str | None] = mapped_column(String(500))
    categories: Mapped[list[str]] = mapped_column(ARRAY(String(30)))
    description: Mapped[str] = mapped_column(Text)
    # The words of the description, kept by Postgres, for the case list's search: full text,
    # "simple" configuration (no stemming: there is no Kazakh stemmer), positions stripped.
    # Stored rather than an index on the expression: a row is then checked against a search
    # without parsing its text again (1 µs instead of 60 µs a row at a million cases).
    description_search: Mapped[str | None] = mapped_column(
        TSVECTOR, Computed("strip(to_tsvector('simple'::regconfig, description))", persisted=True),
        deferred=True)
    occurred_when: Mapped[str | None] = mapped_column(String(200))
    occurred_where: Mapped[str | None] = mapped_column(String(300))
    responsible: Mapped[str] = mapped_column(String(30))
    responsible_details: Mapped[str | None] = mapped_column(String(500))
    danger_now: Mapped[bool] = mapped_column(Boolean, default=False)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, index=True)

    reporter_type: Mapped[str | None] = mapped_column(String(20))
    # Encrypted at rest (core/crypto.py): never compared in SQL.
    reporter_name: Mapped[str | None] = mapped_column(EncryptedText(200))
    reporter_phone: Mapped[str | None] = mapped_column(EncryptedText(40))
    reporter_email: Mapped[str | None] = mapped_column(EncryptedText(254))
    consent_given_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    language: Mapped[str] = mapped_column(String(2), default="kk")
    channel: Mapped[str] = mapped_column(String(20), default="web")
    # Of a case entered by staff: the channel's own number (e-Otinish, a letter's registration
    # number) and the body that sent it on, when it did not come from the reporter.
    incoming_number: Mapped[str | None] = mapped_column(String(100))
    sender: Mapped[str | None] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(20), default=CaseState.RECEIVED.value, index=True)
    received_at: Mapped[datetime] = created_at_column()
    due_on: Mapped[date | None] = mapped_column(Date)
    # A case outside the office's competence is forwarded by this day (services.terms).
    forward_due_on: Mapped[date | None] = mapped_column(Date)
    registered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Extension by a reasoned decision, up to two months in all (APPC art. 76).
    extended_due_on: Mapped[date | None] = mapped_column(Date)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    forwarded_to: Mapped[str | None] = mapped_column(String(300))
    forwarded_on: Mapped[date | None] = mapped_column(Date)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(20))
    # [R11] starts once the police confirm the violation.
    police_confirmed_on: Mapped[date | None] = mapped_column(Date)
    police_reference: Mapped[str | None] = mapped_column(String(200))
    # Set when the retention period removed the personal data (services/retention.py).
    identities_removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    receipt_hash: Mapped[str] = mapped_column(String(64), unique=True)
    questionnaire_version_id: Mapped[int | None] = mapped_column(ForeignKey("questionnaire_version.id"))
    answers: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Sent by a partner through the API (models.api_token): only that token follows it.
    api_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_token.id"), index=True)

    region = relationship("Region", lazy="joined")
    children = relationship("CaseChild", back_populates="case", order_by="CaseChild.id",
                            lazy="selectin", cascade="all, delete-orphan")
    attachments = relationship("CaseAttachment", back_populates="case", order_by="CaseAttachment.id",
                               lazy="selectin", cascade="all, delete-orphan")
    messages = relationship("CaseMessage", back_populates="case", order_by="CaseMessage.id",
                            cascade="all, delete-orphan")
    questionnaire_version = relationship("QuestionnaireVersion")
    checklist = relationship("ChecklistItem", back_populates="case", order_by="ChecklistItem.position",
                             lazy="selectin", foreign_keys="ChecklistItem.case_id")
    steps = relationship("CaseStep", back_populates="case", order_by="CaseStep.id")

    @property
    def deadline(self):
        """The date the answer is due: the extended one when the term was extended."""
        return self.extended_due_on or self.due_on

    @property
    def anonymous(self):
        return not (self.reporter_name or self.reporter_phone or self.reporter_email)

    def __str__(self):
        return self.registration_number


class CaseChild(db.Model):
    """A child a case is about. Age or year of birth is required; name and IIN are optional."""

    __tablename__ = "case_child"
    __table_args__ = (
        CheckConstraint("age IS NOT NULL OR birth_year IS NOT NULL", name="age_or_birth_year"),
        CheckConstraint("age IS NULL OR age BETWEEN 0 AND 17", name="age_of_a_child"),
        CheckConstraint(_check_in("sex", SEXES), name="sex_known"),
        CheckConstraint("iin_flag IS NULL OR iin_flag IN ('adult', 'age_mismatch')", name="iin_flag_known"),
        # Search by IIN through its keyed hash (core.iin.search_key); most children have none.
        Index("ix_case_child_iin_hash", "iin_hash", postgresql_where=text("iin_hash IS NOT NULL")),
        # The half-year report's children by age group (services.reports).
        Index("ix_case_child_region_received", "region_code", "case_received_at",
              postgresql_include=["age", "birth_year"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    # Copies of the case's region and time of receipt, for the report's index: set by the
    # database (triggers of migration 0013) at insert and whenever the case's own change; never by the app.
    region_code: Mapped[str] = mapped_column(String(2), server_default=FetchedValue())
    case_received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=FetchedValue())
    age: Mapped[int | None] = mapped_column(SmallInteger)
    birth_year: Mapped[int | None] = mapped_column(SmallInteger)
    sex: Mapped[str] = mapped_column(String(12), default="unspecified")
    # Encrypted at rest (core/crypto.py); the IIN is found by its keyed hash.
    name: Mapped[str | None] = mapped_column(EncryptedText(200))
    iin: Mapped[str | None] = mapped_column(EncryptedText(12))
    iin_hash: Mapped[str | None] = mapped_column(String(64))
    # Why the IIN deserves a second look (core.iin.age_flag): "adult", "age_mismatch".
    iin_flag: Mapped[str | None] = mapped_column(String(20))
    school: Mapped[str | None] = mapped_column(String(300))

    case = relationship("Case", back_populates="children")

    @validates("iin")
    def _hash_iin(self, key, iin):
        """Whenever the IIN is set, its keyed hash is set with it."""
        self.iin_hash = search_key(iin) if iin else None
        return iin


class CaseMessage(db.Model):
    """A message between the reporter (through /status) and the ombudsman's office."""

    __tablename__ = "case_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = created_at_column()
    from_reporter: Mapped[bool] = mapped_column(Boolean)
    # Internal notes of the office are never shown to the reporter.
    internal: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    is_final_answer: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)

    case = relationship("Case", back_populates="messages")
    author = relationship("User")
    attachments = relationship("CaseAttachment", back_populates="message", lazy="selectin")


class CaseAttachment(db.Model):
    """A file sent with a case or a message."""

    __tablename__ = "case_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("case_message.id", ondelete="CASCADE"))
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"))
    from_reporter: Mapped[bool] = mapped_column(Boolean, default=True)

    case = relationship("Case", back_populates="attachments")
    message = relationship("CaseMessage", back_populates="attachments")
    file = relationship("StoredFile", lazy="joined")


class CaseCounter(db.Model):
    """The last registration sequence of a region and year: numbers without gaps.

    Incremented in the submitting transaction (the row lock orders concurrent cases of
    one region and year); a rolled-back submission gives its number back.
    """

    __tablename__ = "case_counter"
    __table_args__ = (UniqueConstraint("region_code", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    year: Mapped[int] = mapped_column(Integer)
    last: Mapped[int] = mapped_column(Integer, default=0)
