"""The ombudsman's calendar year plan [R6.1]: approved by 30 December of the year before,
agreed with the Commissioner. Its items link to the records that fulfil them, so the
plan shows its own progress.
"""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, SmallInteger, String, Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import created_at_column

PLAN_STATES = {
    "draft": _l("Draft"), "sent": _l("Sent for agreement"), "returned": _l("Returned with remarks"),
    "agreed": _l("Agreed by the Commissioner"), "approved": _l("Approved"),
}
ITEM_STATUSES = {"planned": _l("Planned"), "in_progress": _l("In progress"), "done": _l("Done"),
                 "cancelled": _l("Cancelled")}


class YearPlan(db.Model):
    __tablename__ = "year_plan"
    __table_args__ = (
        UniqueConstraint("region_code", "year"),
        CheckConstraint(f"state IN {tuple(PLAN_STATES)!r}", name="state_known"),
        CheckConstraint("state <> 'approved' OR approved_on IS NOT NULL", name="approved_has_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    year: Mapped[int] = mapped_column(SmallInteger)
    state: Mapped[str] = mapped_column(String(20), default="draft")
    remarks: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    agreed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    agreed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = created_at_column()

    region = relationship("Region")
    items = relationship("PlanItem", back_populates="plan", order_by="PlanItem.position",
                         cascade="all, delete-orphan", lazy="selectin")

    @property
    def approval_deadline(self):
        """[R6.1] approved every year by 30 December (of the year before the plan's year)."""
        return date(self.year - 1, 12, 30)

    @property
    def approved_late(self):
        return self.approved_on is not None and self.approved_on > self.approval_deadline

    def __str__(self):
        return f"{self.region_code} {self.year}"


class PlanItem(db.Model):
    __tablename__ = "plan_item"
    __table_args__ = (
        CheckConstraint(f"status IN {tuple(ITEM_STATUSES)!r}", name="status_known"),
        CheckConstraint("planned_month IS NULL OR planned_month BETWEEN 1 AND 12", name="month_valid"),
        CheckConstraint("planned_quarter IS NULL OR planned_quarter BETWEEN 1 AND 4", name="quarter_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("year_plan.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    activity: Mapped[str] = mapped_column(Text)
    planned_month: Mapped[int | None] = mapped_column(SmallInteger)
    planned_quarter: Mapped[int | None] = mapped_column(SmallInteger)
    rule: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default="planned")
    # The record that fulfils the item: a registry table name and its row id.
    record_type: Mapped[str | None] = mapped_column(String(40))
    record_id: Mapped[int | None] = mapped_column(Integer)

    plan = relationship("YearPlan", back_populates="items")

    def __str__(self):
        return self.activity[:60]
