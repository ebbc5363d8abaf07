"""The checklist of a case, generated from the rules [R10], [R11].

[R10.1] alert the Commissioner, the Committee and the akim; [R10.2] a preventive
conversation with each person involved; [R10.3] when a parent or legal representative
living with the child is responsible, alert guardianship and police; after the police
confirm the violation, the seven items of [R11]. Items are never deleted: they are done,
or set aside (status ``not_applicable``) with one of the reasons the rules allow.
"""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (Boolean, CheckConstraint, Date, DateTime, FetchedValue, ForeignKey, Index, Integer,
                        String, Text, text)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import created_at_column

RULE_LABELS = {
    "R10.1": _l("Alert the Commissioner, the Committee and the akim"),
    "R10.2": _l("Preventive conversation"),
    "R10.3": _l("Alert the guardianship authority and the police"),
    "R11.1": _l("Inform the media and social networks; help the child directly"),
    "R11.2": _l("Measures for the personal safety of the child and the family"),
    "R11.3": _l("Psychological support, legal consultation, social-rehabilitation plan"),
    "R11.4": _l("Working meetings, joint plans, working groups"),
    "R11.5": _l("Take part in inspections"),
    "R11.6": _l("Recommendations to restore the child's rights"),
    "R11.7": _l("Urgent safe placement; the child brought to the police separately"),
}
ITEM_STATES = {"open": _l("Open"), "done": _l("Done"), "not_applicable": _l("Set aside")}
# Why a conversation [R10.2] or a measure [R11] is not carried out (services.checklist.set_aside).
SET_ASIDE_REASONS = {
    "reporter": _l("The person is the reporter"),
    "unreachable": _l("The person is unknown or could not be reached"),
    "done_elsewhere": _l("Already done in another case"),
    "other": _l("Another reason"),
}


class ChecklistItem(db.Model):
    __tablename__ = "checklist_item"
    __table_args__ = (
        CheckConstraint(f"rule IN {tuple(RULE_LABELS)!r}", name="rule_known"),
        CheckConstraint(f"status IN {tuple(ITEM_STATES)!r}", name="status_known"),
        CheckConstraint("status <> 'done' OR done_at IS NOT NULL", name="done_has_time"),
        CheckConstraint(f"set_aside_reason IS NULL OR set_aside_reason IN {tuple(SET_ASIDE_REASONS)!r}",
                        name="set_aside_reason_known"),
        CheckConstraint("status <> 'not_applicable' OR set_aside_reason IS NOT NULL",
                        name="set_aside_has_reason"),
        # The half-year report (services.reports), read from the indexes alone: a region's items
        # done in a period, and the automatic alerts of its cases registered in it.
        Index("ix_checklist_item_region_done_due", "region_code", "rule", "done_at",
              postgresql_include=["due_at"], postgresql_where=text("status = 'done'")),
        # Items set aside in a period (and who set them aside when: done_at).
        Index("ix_checklist_item_region_set_aside", "region_code", "rule", "done_at",
              postgresql_where=text("status = 'not_applicable'")),
        # (Not keyed on the rule: the predicate would make the planner drop the query's
        # condition on the rule, and read every alert of the region.)
        Index("ix_checklist_item_region_alerts", "region_code", "case_registered_at",
              postgresql_include=["rule", "status", "done_at"],
              postgresql_where=text("rule IN ('R10.1', 'R10.3')")),
        # The open items of a case, for what is overdue now (services.dashboard).
        Index("ix_checklist_item_open", "case_id", postgresql_include=["rule", "due_at"],
              postgresql_where=text("status = 'open'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    # Copies of the case's region and registration time, for the report's indexes: set by the
    # database (triggers of migration 0013) at insert and whenever the case's own change; never by the app.
    region_code: Mapped[str] = mapped_column(String(2), server_default=FetchedValue())
    case_registered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                                server_default=FetchedValue())
    rule: Mapped[str] = mapped_column(String(10))
    position: Mapped[int] = mapped_column(Integer, default=0)
    # [R10.2]: whom the conversation is with (a parent, a representative, the person reported).
    person: Mapped[str | None] = mapped_column(String(200))
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    held_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    # Set aside: the reason (SET_ASIDE_REASONS), what was tried or why, and for "done_elsewhere"
    # the case in which it was done.
    set_aside_reason: Mapped[str | None] = mapped_column(String(20))
    na_reason: Mapped[str | None] = mapped_column(Text)
    linked_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    # [R10.3] the reference numbers given by guardianship and police.
    reference: Mapped[str | None] = mapped_column(String(200))
    # [R11.7] the placement organization.
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    # [R11.1] the publication that informed the media (services/publications.py).
    publication_id: Mapped[int | None] = mapped_column(ForeignKey("publication.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()

    case = relationship("Case", back_populates="checklist", foreign_keys=[case_id])
    done_by = relationship("User")
    organization = relationship("Organization")
    linked_case = relationship("Case", foreign_keys=[linked_case_id])
    evidence = relationship("ChecklistEvidence", back_populates="item", lazy="selectin")

    def __str__(self):
        return f"{self.rule} {self.person or ''}".strip()


class ChecklistEvidence(db.Model):
    """A file proving a checklist item was done."""

    __tablename__ = "checklist_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("checklist_item.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"))

    item = relationship("ChecklistItem", back_populates="evidence")
    file = relationship("StoredFile", lazy="joined")


class CaseStep(db.Model):
    """One recorded step of a case's workflow (append-only, like the audit log)."""

    __tablename__ = "case_step"
    # The half-year report counts the extensions decided in a period.
    __table_args__ = (Index("ix_case_step_extend_at", "at", postgresql_where=text("action = 'extend'")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = created_at_column()
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    # What a step changed, for steps that change facts rather than the state: a recomputed
    # deadline ({"due_on": [old, new], "reason": …}), corrected facts.
    details: Mapped[dict | None] = mapped_column(JSONB)

    case = relationship("Case", back_populates="steps")
    actor = relationship("User", lazy="joined")
