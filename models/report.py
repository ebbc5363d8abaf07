"""Reports: the half-year activity report [R8] and the report builder's saved definitions.

A half-year report is computed from what was recorded (``services.reports``). While it
is a draft it is never stored: every view computes it again. When the ombudsman submits
it, its figures and its files (XLSX and PDF, kk and ru) are frozen in a new *version*
row; a correction is the next version, and older versions stay readable. A trigger in
the migration refuses UPDATE and DELETE on submitted versions, and each version's digest
(its figures and files) is sealed into the audit log's hash chain (services/audit_chain.py).

Tables marked ``append_only`` in their ``info`` are only read and added to by the runtime
database role (services/db_roles.py).
"""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, SmallInteger, String, Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import created_at_column

REPORT_FORMATS = {"xlsx": "XLSX", "pdf": "PDF"}
REPORT_LANGUAGES = ("kk", "ru")


class HalfYearReport(db.Model):
    """One submitted version of a region's half-year report [R8]."""

    __tablename__ = "half_year_report"
    __table_args__ = (
        UniqueConstraint("region_code", "year", "half", "version"),
        CheckConstraint("half IN (1, 2)", name="half_known"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("version = 1 OR correction_reason IS NOT NULL",
                        name="correction_has_reason"),
        {"info": {"append_only": True}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    year: Mapped[int] = mapped_column(SmallInteger)
    half: Mapped[int] = mapped_column(SmallInteger)
    version: Mapped[int] = mapped_column(Integer)
    figures: Mapped[dict] = mapped_column(JSONB)
    # The ombudsman's words frozen with the figures (services/narratives.py ``frozen``).
    narrative: Mapped[dict | None] = mapped_column(JSONB)
    correction_reason: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = created_at_column()
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    region = relationship("Region", lazy="joined")
    submitted_by = relationship("User")
    files = relationship("HalfYearReportFile", back_populates="report", lazy="selectin",
                         order_by="HalfYearReportFile.id")

    def file(self, fmt, language):
        return next((f for f in self.files if f.format == fmt and f.language == language), None)

    def __str__(self):
        return f"{self.region_code} {self.year}/{self.half} v{self.version}"


class HalfYearReportFile(db.Model):
    """A file frozen with a submitted version: one per format and language."""

    __tablename__ = "half_year_report_file"
    __table_args__ = (
        UniqueConstraint("report_id", "format", "language"),
        CheckConstraint(f"format IN {tuple(REPORT_FORMATS)!r}", name="format_known"),
        CheckConstraint(f"language IN {REPORT_LANGUAGES!r}", name="language_known"),
        {"info": {"append_only": True}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("half_year_report.id"), index=True)
    format: Mapped[str] = mapped_column(String(4))
    language: Mapped[str] = mapped_column(String(2))
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"))

    report = relationship("HalfYearReport", back_populates="files")
    file = relationship("StoredFile", lazy="joined")


CHART_TYPES = {"table": _l("Table only"), "bar": _l("Bar chart"), "line": _l("Line chart")}
MEASURES = {"count": _l("Count"), "median_days": _l("Median days to answer"),
            "share_on_time": _l("Share answered on time")}


class ReportDefinition(db.Model):
    """A report built without code: data set, filters, grouping, measure and chart.

    Shared within ``region_code``, or nationally when it is empty. Every run is still
    scoped to the region of the user who runs it.
    """

    __tablename__ = "report_definition"
    __table_args__ = (
        CheckConstraint(f"chart IN {tuple(CHART_TYPES)!r}", name="chart_known"),
        CheckConstraint(f"measure IN {tuple(MEASURES)!r}", name="measure_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    dataset: Mapped[str] = mapped_column(String(40))
    filters: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    group_by: Mapped[str] = mapped_column(String(40))
    group_by_second: Mapped[str | None] = mapped_column(String(40))
    measure: Mapped[str] = mapped_column(String(20), default="count")
    chart: Mapped[str] = mapped_column(String(10), default="bar")
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    region = relationship("Region")
    owner = relationship("User")

    def __str__(self):
        return self.name


# [R8] what the ombudsman writes in the half-year report besides the figures: each section in
# Kazakh and Russian (services/narratives.py).
NARRATIVE_SECTIONS = {
    "summary": _l("Summary of the half-year"),
    "problems": _l("Systemic problems found"),
    "recommendations": _l("Recommendations made [R6.4], [R11.6] and what became of them"),
    "access": _l("Access refused or obstructed [R6.5]"),
    "plans": _l("Plans for the next half-year"),
}


class HalfYearNarrative(db.Model):
    """The draft of the ombudsman's own words in a region's half-year report [R8], saved as it
    is typed; a submitted version keeps a frozen copy (``HalfYearReport.narrative``)."""

    __tablename__ = "half_year_narrative"
    __table_args__ = (UniqueConstraint("region_code", "year", "half"),
                      CheckConstraint("half IN (1, 2)", name="half_known"))

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    year: Mapped[int] = mapped_column(SmallInteger)
    half: Mapped[int] = mapped_column(SmallInteger)
    # {section: {"kk": text, "ru": text}} and the registration numbers of the resonant cases
    sections: Mapped[dict] = mapped_column(JSONB, default=dict)
    resonant_cases: Mapped[list] = mapped_column(JSONB, default=list)
    # What shows the systemic problems: {"cases": [registration numbers], "visits": [visit ids]}
    evidence: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


REVIEW_DECISIONS = {"accepted": _l("Accepted"), "returned": _l("Returned with remarks")}


class HalfYearReview(db.Model):
    """The Commissioner's office's decision on a submitted version [R8]: accepted, or returned
    with remarks (the ombudsman then submits a new version). Append-only, like the versions."""

    __tablename__ = "half_year_review"
    __table_args__ = (
        CheckConstraint(f"decision IN {tuple(REVIEW_DECISIONS)!r}", name="decision_known"),
        CheckConstraint("decision = 'accepted' OR remarks IS NOT NULL", name="return_has_remarks"),
        UniqueConstraint("report_id"),
        {"info": {"append_only": True}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("half_year_report.id"))
    decision: Mapped[str] = mapped_column(String(10))
    remarks: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime] = created_at_column()
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    report = relationship("HalfYearReport")
