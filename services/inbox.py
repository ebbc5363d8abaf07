"""What waits for the Commissioner's office on its home page: consent requests [R4], year
plans sent for agreement [R6.1], recommendations on legislation to answer [R6.4], and the
half-year reports the regions submitted lately [R8]."""
from datetime import timedelta

from flask_babel import gettext
from sqlalchemy import select

from extensions import db
from models import Appointment, HalfYearReport, LegislativeRecommendation, YearPlan
from models.appointment import AppointmentState
from models.base import utcnow
from services.report_workflow import HALVES

RECENT_DAYS = 30  # a submitted report stays on the list this long
LIMIT = 20


def for_commissioner(now=None):
    """{"consents", "plans", "recommendations", "reports"}: oldest request first, newest
    report first."""
    since = (now or utcnow()) - timedelta(days=RECENT_DAYS)
    return {
        "consents": db.session.scalars(select(Appointment).where(
            Appointment.state.in_(AppointmentState.WAITING_FOR_CONSENT))
            .order_by(Appointment.state_changed_at).limit(LIMIT)).all(),
        "plans": db.session.scalars(select(YearPlan).where(YearPlan.state == "sent")
                                    .order_by(YearPlan.sent_at).limit(LIMIT)).all(),
        "recommendations": db.session.scalars(
            select(LegislativeRecommendation).where(LegislativeRecommendation.state == "sent")
            .order_by(LegislativeRecommendation.submitted_on, LegislativeRecommendation.id).limit(LIMIT)).all(),
        "reports": db.session.scalars(select(HalfYearReport).where(HalfYearReport.submitted_at >= since)
                                      .order_by(HalfYearReport.submitted_at.desc()).limit(LIMIT)).all(),
    }


def period_of(report):
    """"the first half of 2026", in the page's language."""
    return gettext(HALVES[report.half], year=report.year)
