"""SQLAlchemy models, one module per area. Import them all here so Alembic sees them."""
from models.api_token import ApiIdempotencyKey, ApiToken
from models.appointment import Appointment, AppointmentState, AppointmentStep
from models.audit import AuditEvent
from models.calendar import CalendarOverride
from models.case import Case, CaseAttachment, CaseChild, CaseCounter, CaseMessage, CaseState
from models.checklist import CaseStep, ChecklistEvidence, ChecklistItem
from models.files import StoredFile
from models.organization import Organization
from models.outbox import OutboxAttempt, OutboxMessage
from models.plan import PlanItem, YearPlan
from models.questionnaire import Question, Questionnaire, QuestionnaireVersion
from models.receipt_hold import ReceiptHold
from models.region import Region, RegionOffice
from models.report import HalfYearNarrative, HalfYearReport, HalfYearReview, HalfYearReportFile, ReportDefinition
from models.registry import (AdvisoryBody, Briefing, Campaign, CommissionMeeting, CourtHearing,
                             DocumentRequest, Event, Interaction, LegislativeRecommendation, Memorandum,
                             Publication, RegistryAttachment, Visit)
from models.setting import Setting
from models.staff_session import StaffSession, UsedFormToken
from core.throttle_store import throttle_hit
from models.user import RecoveryCode, Role, User

__all__ = [
    "AdvisoryBody", "Briefing", "Campaign", "CommissionMeeting", "CourtHearing", "DocumentRequest",
    "Event", "Interaction", "LegislativeRecommendation", "Memorandum", "PlanItem", "Publication",
    "RegistryAttachment", "Visit", "YearPlan",
    "ApiIdempotencyKey", "ApiToken", "Appointment", "AppointmentState", "AppointmentStep", "AuditEvent", "CalendarOverride", "Case",
    "CaseAttachment", "CaseChild", "CaseCounter", "CaseMessage", "CaseState", "CaseStep",
    "ChecklistEvidence", "ChecklistItem", "Organization", "OutboxAttempt", "OutboxMessage", "Question",
    "Questionnaire", "QuestionnaireVersion", "ReceiptHold", "RecoveryCode", "Region", "RegionOffice",
    "HalfYearNarrative", "HalfYearReport", "HalfYearReview", "HalfYearReportFile", "ReportDefinition", "Role", "Setting", "StaffSession", "StoredFile",
    "UsedFormToken", "User", "throttle_hit",
]
