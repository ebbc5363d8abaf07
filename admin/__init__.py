"""The Flask-Admin panel at /admin/ (Bootstrap 4 theme, our kk catalogue)."""
import os

from flask import request
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l

from admin.api_tokens import ApiTokenView
from admin.appointments import AppointmentView
from admin.audit import AuditView
from admin.base import StaffIndexView
from admin.cases import CaseView
from admin.compliance import ComplianceView
from admin.half_year_reports import HalfYearReportView, NationalRollupView
from admin.offices import OfficeContactsView
from admin.ombudsmen import RegionOverviewView
from admin.plans import YearPlanView
from admin.queue import QueueView
from admin.organizations import CalendarOverrideView, OrganizationView
from admin.questionnaires import QuestionnaireView
from admin.regions import RegionView
from admin.registries import registry_views
from admin.report_builder import ReportDefinitionView
from admin.settings import SettingsView
from admin.users import UserView
from models import Appointment, CalendarOverride, Case, Organization, Questionnaire, Region, User
from models import YearPlan


def init_admin(app):
    admin = Admin(
        app,
        name=_l("Children's Ombudsman"),
        theme=Bootstrap4Theme(base_template="admin/staff_base.html", fluid=True),
        index_view=StaffIndexView(name=_l("Home"), url="/admin"),
        translations_path=os.path.join(app.root_path, "translations"),
        csp_nonce_generator=lambda: getattr(request, "csp_nonce", ""),
    )
    admin.add_view(AppointmentView(Appointment, name=_l("Appointments"), endpoint="appointment",
                                   category=_l("Ombudsmen")))
    admin.add_view(RegionOverviewView(name=_l("Ombudsmen by region"), endpoint="region_overview",
                                      category=_l("Ombudsmen")))
    admin.add_view(QueueView(name=_l("Work queue"), endpoint="queue", category=_l("Cases")))
    admin.add_view(CaseView(Case, name=_l("Cases"), endpoint="case", category=_l("Cases")))
    admin.add_view(QuestionnaireView(Questionnaire, name=_l("Questionnaires"), endpoint="questionnaire",
                                     category=_l("Public form")))
    admin.add_view(OrganizationView(Organization, name=_l("Partner organizations"),
                                    endpoint="organization", category=_l("Directory")))
    admin.add_view(CalendarOverrideView(CalendarOverride, name=_l("Working-day calendar"),
                                        endpoint="calendar", category=_l("Directory")))
    admin.add_view(OfficeContactsView(name=_l("Office contacts"), endpoint="region_office",
                                      category=_l("Directory")))
    admin.add_view(UserView(User, name=_l("Users"), endpoint="user", category=_l("Settings")))
    admin.add_view(RegionView(Region, name=_l("Regions"), endpoint="region", category=_l("Settings")))
    admin.add_view(SettingsView(name=_l("Settings"), endpoint="setting", category=_l("Settings")))
    admin.add_view(AuditView(name=_l("Audit log"), endpoint="audit", category=_l("Settings")))
    admin.add_view(ApiTokenView(name=_l("API tokens"), endpoint="api_token", category=_l("Settings")))
    for view in registry_views():
        admin.add_view(view)
    admin.add_view(YearPlanView(YearPlan, name=_l("Year plans"), endpoint="year_plan",
                                category=_l("Registries")))
    admin.add_view(ComplianceView(name=_l("Compliance by region"), endpoint="compliance",
                                  category=_l("Registries")))
    admin.add_view(HalfYearReportView(name=_l("Half-year report"), endpoint="half_year_report",
                                      category=_l("Reports")))
    admin.add_view(NationalRollupView(name=_l("Reports of the 20 regions"), endpoint="national_rollup",
                                      category=_l("Reports")))
    admin.add_view(ReportDefinitionView(name=_l("Report builder"), endpoint="report_definition",
                                        category=_l("Reports")))
    return admin
