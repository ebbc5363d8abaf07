"""The access matrix: who gets what from every URL the app registers (issue "Trust", item 6).

``TABLE_LINES`` below is the decision, written by hand, for every endpoint of ``app.url_map``
and every method it takes: one line per endpoint, one column per person. It is not read
from the views' ``roles`` and ``edit_roles``; it says what they must be.
``test_every_endpoint_has_a_decision`` fails when the app registers an endpoint (or a
method of one) the table does not decide, and when the table names one that is gone: no
screen ships without a line here.

The people (columns), against one row of every kind that belongs to region 75 (Almaty):

    anon  a visitor without an account
    rep   a visitor who opened the region-75 case at /status with its receipt code
    sa    superadmin          com   commissioner        cte   committee
    ak75  akimat_admin of 75 (own region)     ak71  akimat_admin of 71 (other region)
    om75  ombudsman of 75 (own region)        om71  ombudsman of 71 (other region)

The answers (cells):

    ok    let in: the page (200); for a POST, the form shown again (200/400) or the change
          made (302 with a change in the database or a success message)
    ok+   200, and the region-75 row is on the page (lists, exports, lookups)
    ok-   200, and the region-75 row is not on it
    L     302 to /login
    nf    302 back with "Record does not exist." (Flask-Admin's not-found)
    no    refused by a redirect (302, not to /login)
    302   a redirect that is the page's normal answer (e.g. /exit)
    403 / 404 / 405   that status
    (A refused POST must also have changed nothing in the database.)

A line is (endpoint, cells, request[, marker of ok+/ok-]). A request is ``METHOD url
[field=value ...]``; ``GET+POST`` checks both with the same cells (the POST carries the
session's CSRF token and the fields given, else nothing: the point is who gets in, not the
action's success). ``{name}`` is an id of the region-75 data set (``world``); in the
registry block ``@`` is the registry. Each person's POST runs in a savepoint rolled back
after it, so one person's change never decides another's answer.
"""
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound

from models.capabilities import CAPABILITIES, roles_with
from models.registry_specs import REGISTRY_SPECS
from tests.matrix_helpers import (PEOPLE, STAFF, build_world, changed_tables, client_with, fingerprint,
                                  fingerprint_sql, flashes, savepoint, transaction_connection)

CELLS = {"ok", "ok+", "ok-", "L", "nf", "no", "302", "401", "403", "404", "405"}

# The registries ([R6.4]–[R6.11], [R7], [R9], [R12], [R13]) share one decision: the national offices
# read, the region's akimat and ombudsman write and delete their region's records.
REGISTRIES = tuple(spec.endpoint for spec in REGISTRY_SPECS)
# Registries whose form links cases: their relation lookup lists the cases a user may see.
CASE_LOOKUPS = {"commission_meeting": "cases", "visit": "cases", "court_hearing": "case", "interaction": "cases",
                "publication": "cases"}

REGISTRY_LINES = [
    # endpoint                            anon rep  sa   com  cte  ak75 ak71 om75 om71  request
    ("@.index_view",                      "L    L    ok+  ok+  ok+  ok+  ok-  ok+  ok-", "GET /admin/@/"),
    ("@.details_view",                    "L    L    ok   ok   ok   ok   nf   ok   nf", "GET /admin/@/details/?id={@}"),
    ("@.create_view",                     "L    L    ok   no   no   ok   ok   ok   ok", "GET+POST /admin/@/new/"),
    ("@.edit_view",                       "L    L    ok   no   no   ok   nf   ok   nf",
                                          "GET+POST /admin/@/edit/?id={@}"),
    ("@.delete_view",                     "L    L    ok   no   no   ok   nf   ok   nf", "POST /admin/@/delete/ id={@}"),
    # The bulk delete menu is switched off (its inline onclick is blocked by our CSP).
    ("@.action_view",                     "L    L    no   no   no   no   no   no   no",
                                          "POST /admin/@/action/ action=delete rowid={@}"),
    ("@.ajax_update",                     "L    L    404  404  404  404  404  404  404",
                                          "POST /admin/@/ajax/update/ list_form_pk={@}"),
    ("@.export",                          "L    L    ok+  ok+  ok+  ok+  ok-  ok+  ok-", "GET /admin/@/export/csv/"),
    ("@.file_view",                       "L    L    ok   ok   ok   ok   404  ok   404",
                                          "GET /admin/@/file/?id={@}&attachment={@_file}"),
]
REGISTRY_LOOKUP = {
    # endpoint                            anon rep  sa   com  cte  ak75 ak71 om75 om71  request
    False: ("@.ajax_lookup",              "L    L    404  404  404  404  404  404  404",
                                          "GET /admin/@/ajax/lookup/?name=cases&query={regnum}"),
    True: ("@.ajax_lookup",               "L    L    ok+  ok+  ok+  ok+  ok-  ok+  ok-",
                                          "GET /admin/@/ajax/lookup/?name={lookup}&query={regnum}", "case"),
}

TABLE_LINES = [
    # endpoint                            anon rep  sa   com  cte  ak75 ak71 om75 om71  request
    # --- the public site: open to everyone; a reporter's case only with its receipt code ------------------------------
    ("public.home",                       "ok   ok   ok   ok   ok   ok   ok   ok   ok", "GET /"),
    ("public.privacy",                    "ok   ok   ok   ok   ok   ok   ok   ok   ok", "GET /privacy"),
    ("public.safety",                     "ok   ok   ok   ok   ok   ok   ok   ok   ok", "GET /safety"),
    ("public.healthz",                    "ok   ok   ok   ok   ok   ok   ok   ok   ok", "GET /healthz"),
    ("public.stats",                      "ok   ok   ok   ok   ok   ok   ok   ok   ok", "GET /stats?region=75"),
    ("public.stats_csv",                  "ok   ok   ok   ok   ok   ok   ok   ok   ok", "GET /stats.csv?region=75"),
    ("public.stats_json",                 "ok   ok   ok   ok   ok   ok   ok   ok   ok", "GET /stats.json?region=75"),
    # --- the partner API: a partner's token opens it, never a staff session nor a receipt code ------------------------
    ("cases.create_case",                 "401  401  401  401  401  401  401  401  401", "POST /api/v1/cases"),
    ("cases.read_case",                   "401  401  401  401  401  401  401  401  401",
                                          "GET /api/v1/cases/{regnum}"),
    ("reports.half_year_report",          "401  401  401  401  401  401  401  401  401",
                                          "GET /api/v1/reports/half-year/75/2026/1"),
    ("open_data.figures",                 "ok   ok   ok   ok   ok   ok   ok   ok   ok", "GET /api/v1/stats?region=75"),
    ("api-docs.openapi_json",             "ok   ok   ok   ok   ok   ok   ok   ok   ok", "GET /api/v1/openapi.json"),
    ("api_docs.guide",                    "ok   ok   ok   ok   ok   ok   ok   ok   ok", "GET /api/v1/docs"),
    ("public.quick_exit",                 "302  302  302  302  302  302  302  302  302", "GET /exit"),
    ("public.report",                     "ok   ok   ok   ok   ok   ok   ok   ok   ok", "GET+POST /report?region=75"),
    # The confirmation and its code: only the browser that sent the report (rep's did).
    ("public.report_done",                "302  ok   302  302  302  302  302  302  302", "GET /report/done"),
    ("public.receipt_card",               "404  ok   404  404  404  404  404  404  404", "GET /report/done/receipt.png"),
    ("public.receipt_saved",              "302  ok   302  302  302  302  302  302  302", "POST /report/done saved=y"),
    ("public.status",                     "ok   ok   ok   ok   ok   ok   ok   ok   ok", "GET+POST /status"),
    ("public.status_message",             "no   ok   no   no   no   no   no   no   no",
                                          "POST /status/message message-body=More"),
    ("public.status_file",                "404  ok   404  404  404  404  404  404  404",
                                          "GET /status/files/{status_file}"),
    ("public.status_close",               "302  302  302  302  302  302  302  302  302", "POST /status/close"),
    ("static",                            "ok   ok   ok   ok   ok   ok   ok   ok   ok", "GET /static/css/site.css"),
    # --- staff login --------------------------------------------------------------------------------------------------
    ("auth.login",                        "ok   ok   302  302  302  302  302  302  302", "GET+POST /login"),
    ("auth.logout",                       "L    L    L    L    L    L    L    L    L", "POST /logout"),
    ("auth.logout",                       "405  405  405  405  405  405  405  405  405", "GET /logout"),
    # The one-time link e-mailed to a new member of staff: the token is the key, whoever holds it.
    ("auth.set_password_page",            "ok   ok   ok   ok   ok   ok   ok   ok   ok",
                                          "GET+POST /password/set/{token}"),
    ("auth.password_forgot",              "ok   ok   ok   ok   ok   ok   ok   ok   ok", "GET+POST /password/forgot"),
    # The second step of a login: only after a correct password (a pending marker in the session).
    ("auth.login_two_factor",             "L    L    302  302  302  302  302  302  302", "GET+POST /login/two-factor"),
    # Each person's own account. Two-factor login is on for sa, com (required) and om75 (by choice).
    ("auth.account",                      "L    L    ok   ok   ok   ok   ok   ok   ok", "GET /account/"),
    ("auth.change_password",              "L    L    ok   ok   ok   ok   ok   ok   ok", "GET+POST /account/password"),
    ("auth.two_factor_enrol",             "L    L    302  302  ok   ok   ok   302  ok", "GET+POST /account/two-factor"),
    ("auth.two_factor_new_codes",         "L    L    ok   ok   no   no   no   ok   no",
                                          "POST /account/two-factor/recovery-codes codes-password={password}"),
    ("auth.two_factor_turn_off",          "L    L    no   no   no   no   no   ok   no",
                                          "POST /account/two-factor/turn-off off-password={password}"),
    ("auth.alert_channels_save",          "L    L    ok   ok   ok   ok   ok   ok   ok",
                                          "POST /account/alerts alerts-channel=email"),
    # Telegram is off here (no TELEGRAM_BOT_TOKEN): no code (tests/test_alert_channels.py: with it)
    ("auth.telegram_code",                "L    L    no   no   no   no   no   no   no", "POST /account/telegram/code"),
    ("auth.telegram_unlink",              "L    L    ok   ok   ok   ok   ok   ok   ok", "POST /account/telegram/unlink"),
    # Telegram's webhook: off without TELEGRAM_WEBHOOK_SECRET (tests/test_alert_channels.py: with it)
    ("auth.telegram_webhook",             "404  404  404  404  404  404  404  404  404", "POST /telegram/webhook"),
    # the short link of SMS and Telegram alerts: to the case's admin page, which decides
    ("auth.case_link",                    "302  302  302  302  302  302  302  302  302", "GET /c/{case}"),
    # --- the admin home and the national screens ----------------------------------------------------------------------
    ("admin.index",                       "L    L    ok   ok   ok   ok   ok   ok   ok", "GET /admin/"),
    ("admin.static",                      "ok   ok   ok   ok   ok   ok   ok   ok   ok",
                                          "GET /admin/static/admin/js/helpers.js"),
    ("region_overview.index",             "L    L    ok   ok   ok   403  403  403  403", "GET /admin/region_overview/"),
    ("compliance.index",                  "L    L    ok   ok   ok   403  403  403  403", "GET /admin/compliance/"),
    # The work queue: no identities; the akimat has none (it does not handle cases).
    ("queue.index",                       "L    L    ok+  ok+  ok+  403  403  ok+  ok-", "GET /admin/queue/", "case"),
    # The audit log: read by superadmin and the Commissioner's office; nobody changes it.
    ("audit.index_view",                  "L    L    ok   ok   403  403  403  403  403", "GET /admin/audit/"),
    ("audit.details_view",                "L    L    ok   ok   403  403  403  403  403",
                                          "GET /admin/audit/details/?id={audit}"),
    ("audit.create_view",                 "L    L    no   no   403  403  403  403  403", "GET+POST /admin/audit/new/"),
    ("audit.edit_view",                   "L    L    no   no   403  403  403  403  403",
                                          "GET+POST /admin/audit/edit/?id={audit}"),
    ("audit.delete_view",                 "L    L    no   no   403  403  403  403  403",
                                          "POST /admin/audit/delete/ id={audit}"),
    ("audit.action_view",                 "L    L    no   no   403  403  403  403  403",
                                          "POST /admin/audit/action/ action=delete rowid={audit}"),
    ("audit.ajax_lookup",                 "L    L    404  404  403  403  403  403  403",
                                          "GET /admin/audit/ajax/lookup/?name=actor"),
    ("audit.ajax_update",                 "L    L    404  404  403  403  403  403  403",
                                          "POST /admin/audit/ajax/update/ list_form_pk={audit}"),
    ("audit.export",                      "L    L    ok   ok   403  403  403  403  403",
                                          "GET /admin/audit/export/csv/"),
    ("setting.index",                     "L    L    ok   403  403  403  403  403  403", "GET /admin/setting/"),
    ("setting.edit_view",                 "L    L    ok   403  403  403  403  403  403",
                                          "GET+POST /admin/setting/edit/?key=emergency_numbers"),
    # The partner API's tokens [R7]: issued and revoked by superadmin and the Commissioner's office only.
    ("api_token.index",                   "L    L    ok+  ok+  403  403  403  403  403", "GET /admin/api_token/"),
    ("api_token.create_view",             "L    L    ok   ok   403  403  403  403  403",
                                          "GET+POST /admin/api_token/new/ label=MX"),
    ("api_token.revoke_view",             "L    L    ok   ok   403  403  403  403  403",
                                          "POST /admin/api_token/revoke/ id={api_token}"),
    # --- appointments [R4]: the akimat proposes and orders, the Commissioner consents ---------------------------------
    ("appointment.index_view",            "L    L    ok+  ok+  ok+  ok+  ok-  ok+  ok-", "GET /admin/appointment/"),
    ("appointment.details_view",          "L    L    ok   ok   ok   ok   nf   ok   nf",
                                          "GET /admin/appointment/details/?id={appointment}"),
    ("appointment.create_view",           "L    L    no   no   no   ok   ok   no   no",
                                          "GET+POST /admin/appointment/new/"),
    ("appointment.edit_view",             "L    L    no   no   no   ok   nf   no   no",
                                          "GET+POST /admin/appointment/edit/?id={appointment}"),
    ("appointment.delete_view",           "L    L    no   no   no   no   no   no   no",
                                          "POST /admin/appointment/delete/ id={appointment}"),
    ("appointment.action_view",           "L    L    no   no   no   no   no   no   no",
                                          "POST /admin/appointment/action/ action=delete rowid={appointment}"),
    ("appointment.ajax_lookup",           "L    L    404  404  404  404  404  404  404",
                                          "GET /admin/appointment/ajax/lookup/?name=region"),
    ("appointment.ajax_update",           "L    L    404  404  404  404  404  404  404",
                                          "POST /admin/appointment/ajax/update/ list_form_pk={appointment}"),
    ("appointment.export",                "L    L    ok+  ok+  ok+  ok+  ok-  ok+  ok-",
                                          "GET /admin/appointment/export/csv/"),
    ("appointment.step_view",             "L    L    no   no   no   ok   404  no   404",
                                          "GET+POST /admin/appointment/step/request_consent/?id={appointment}"),
    ("appointment.file_view",             "L    L    ok   ok   ok   ok   404  ok   404",
                                          "GET /admin/appointment/file/consent_file/?id={appointment}"),
    # --- cases [R6.2]: everyone on staff reads (identities only sa, com, om75); only the region's ombudsman acts ------
    ("case.index_view",                   "L    L    ok+  ok+  ok+  ok+  ok-  ok+  ok-", "GET /admin/case/"),
    ("case.details_view",                 "L    L    ok   ok   ok   ok   nf   ok   nf",
                                          "GET /admin/case/details/?id={case}"),
    ("case.create_view",                  "L    L    no   no   no   no   no   ok   ok", "GET+POST /admin/case/new/"),
    ("case.edit_view",                    "L    L    no   no   no   no   no   no   no",
                                          "GET+POST /admin/case/edit/?id={case}"),
    ("case.delete_view",                  "L    L    no   no   no   no   no   no   no",
                                          "POST /admin/case/delete/ id={case}"),
    ("case.action_view",                  "L    L    no   no   no   no   no   no   no",
                                          "POST /admin/case/action/ action=delete rowid={case}"),
    ("case.ajax_lookup",                  "L    L    404  404  404  404  404  404  404",
                                          "GET /admin/case/ajax/lookup/?name=region"),
    ("case.ajax_update",                  "L    L    404  404  404  404  404  404  404",
                                          "POST /admin/case/ajax/update/ list_form_pk={case}"),
    # CSV for the ombudsman and the Commissioner's office only (without identities even so).
    ("case.export",                       "L    L    no   ok+  no   no   no   ok+  ok-", "GET /admin/case/export/csv/"),
    ("case.file_view",                    "L    L    ok   ok   403  403  404  ok   404",
                                          "GET /admin/case/file/?id={case}&attachment={case_file}"),
    ("case.evidence_view",                "L    L    ok   ok   403  403  404  ok   404",
                                          "GET /admin/case/evidence/?id={case}&evidence={evidence}"),
    ("case.step_view",                    "L    L    no   no   no   no   404  ok   404",
                                          "GET+POST /admin/case/step/start/?id={case}"),
    ("case.item_view",                    "L    L    no   no   no   no   404  ok   404",
                                          "GET+POST /admin/case/item/done/?id={case}&item={item}"),
    # Corrections: the region's ombudsman and the Commissioner's office; an [R10.3] notice: the ombudsman.
    ("case.facts_view",                   "L    L    no   ok   no   no   404  ok   404",
                                          "GET+POST /admin/case/facts/?id={case} reason=Learnt"),
    ("case.child_view",                   "L    L    no   ok   no   no   404  ok   404",
                                          "GET+POST /admin/case/child/add/?id={case} reason=Learnt"),
    ("case.guardianship_view",            "L    L    no   no   no   no   404  ok   404",
                                          "POST /admin/case/guardianship/?id={case}"),
    ("case.conversation_view",            "L    L    no   no   no   no   404  ok   404",
                                          "POST /admin/case/conversation/?id={case} person=Neighbour"),
    ("case.message_view",                 "L    L    no   no   no   no   404  ok   404",
                                          "POST /admin/case/message/?id={case} body=Hello internal=y"),
    # --- questionnaires of the public form: superadmin, the akimat and the ombudsman edit, the Commissioner reads;
    #     a region's questions go on the public form when its ombudsman publishes them [R3] -------------------------
    ("questionnaire.index_view",          "L    L    ok+  ok+  403  ok+  ok-  ok+  ok-", "GET /admin/questionnaire/"),
    ("questionnaire.details_view",        "L    L    ok   ok   403  ok   nf   ok   nf",
                                          "GET /admin/questionnaire/details/?id={questionnaire}"),
    ("questionnaire.create_view",         "L    L    ok   no   403  ok   ok   ok   ok",
                                          "GET+POST /admin/questionnaire/new/"),
    ("questionnaire.edit_view",           "L    L    ok   no   403  ok   nf   ok   nf",
                                          "GET+POST /admin/questionnaire/edit/?id={questionnaire}"),
    ("questionnaire.publish_view",        "L    L    no   no   403  no   404  ok   404",
                                          "POST /admin/questionnaire/publish/ id={questionnaire}"),
    # Cases keep the version they were filed with: never deleted.
    ("questionnaire.delete_view",         "L    L    no   no   403  no   no   no   no",
                                          "POST /admin/questionnaire/delete/ id={questionnaire}"),
    ("questionnaire.action_view",         "L    L    no   no   403  no   no   no   no",
                                          "POST /admin/questionnaire/action/ action=delete rowid={questionnaire}"),
    ("questionnaire.ajax_lookup",         "L    L    404  404  403  404  404  404  404",
                                          "GET /admin/questionnaire/ajax/lookup/?name=region"),
    ("questionnaire.ajax_update",         "L    L    404  404  403  404  404  404  404",
                                          "POST /admin/questionnaire/ajax/update/ list_form_pk={questionnaire}"),
    ("questionnaire.export",              "L    L    no   no   403  no   no   no   no",
                                          "GET /admin/questionnaire/export/csv/"),
    ("questionnaire.preview_view",        "L    L    ok   ok   403  ok   404  ok   404",
                                          "GET /admin/questionnaire/preview/?id={questionnaire}"),
    # --- the directory of partner organizations [R7]: each region keeps its own ---------------------------------------
    ("organization.index_view",           "L    L    ok+  ok+  ok+  ok+  ok-  ok+  ok-", "GET /admin/organization/"),
    ("organization.details_view",         "L    L    ok   ok   ok   ok   nf   ok   nf",
                                          "GET /admin/organization/details/?id={organization}"),
    ("organization.create_view",          "L    L    ok   no   no   ok   ok   ok   ok",
                                          "GET+POST /admin/organization/new/"),
    ("organization.edit_view",            "L    L    ok   no   no   ok   nf   ok   nf",
                                          "GET+POST /admin/organization/edit/?id={organization}"),
    ("organization.delete_view",          "L    L    no   no   no   no   no   no   no",
                                          "POST /admin/organization/delete/ id={organization}"),
    ("organization.action_view",          "L    L    no   no   no   no   no   no   no",
                                          "POST /admin/organization/action/ action=delete rowid={organization}"),
    ("organization.ajax_lookup",          "L    L    404  404  404  404  404  404  404",
                                          "GET /admin/organization/ajax/lookup/?name=region"),
    ("organization.ajax_update",          "L    L    404  404  404  404  404  404  404",
                                          "POST /admin/organization/ajax/update/ list_form_pk={organization}"),
    ("organization.export",               "L    L    ok+  ok+  ok+  ok+  ok-  ok+  ok-",
                                          "GET /admin/organization/export/csv/"),
    # --- the working-day calendar: national data everyone reads, superadmin keeps -------------------------------------
    ("calendar.index_view",               "L    L    ok+  ok+  ok+  ok+  ok+  ok+  ok+", "GET /admin/calendar/"),
    ("calendar.details_view",             "L    L    ok   ok   ok   ok   ok   ok   ok",
                                          "GET /admin/calendar/details/?id={calendar}"),
    ("calendar.create_view",              "L    L    ok   no   no   no   no   no   no",
                                          "GET+POST /admin/calendar/new/"),
    ("calendar.edit_view",                "L    L    ok   no   no   no   no   no   no",
                                          "GET+POST /admin/calendar/edit/?id={calendar}"),
    ("calendar.delete_view",              "L    L    ok   no   no   no   no   no   no",
                                          "POST /admin/calendar/delete/ id={calendar}"),
    ("calendar.action_view",              "L    L    ok   no   no   no   no   no   no",
                                          "POST /admin/calendar/action/ action=delete rowid={calendar}"),
    ("calendar.ajax_lookup",              "L    L    404  404  404  404  404  404  404",
                                          "GET /admin/calendar/ajax/lookup/?name=x"),
    ("calendar.ajax_update",              "L    L    404  404  404  404  404  404  404",
                                          "POST /admin/calendar/ajax/update/ list_form_pk={calendar}"),
    ("calendar.export",                   "L    L    no   no   no   no   no   no   no",
                                          "GET /admin/calendar/export/csv/"),
    # --- office contacts: everyone reads; the region's akimat and ombudsman keep theirs, the superadmin all -----------
    ("region_office.index",               "L    L    ok+  ok+  ok+  ok+  ok-  ok+  ok-", "GET /admin/region_office/"),
    ("region_office.edit_view",           "L    L    ok   no   no   ok   404  ok   404",
                                          "GET+POST /admin/region_office/edit/?region=75 phones=+77270000001"),
    # --- users: superadmin manages; the akimat reads its region's staff -----------------------------------------------
    ("user.index_view",                   "L    L    ok+  403  403  ok+  ok-  403  403", "GET /admin/user/"),
    ("user.details_view",                 "L    L    ok   403  403  ok   nf   403  403",
                                          "GET /admin/user/details/?id={user}"),
    ("user.create_view",                  "L    L    ok   403  403  no   no   403  403", "GET+POST /admin/user/new/"),
    ("user.edit_view",                    "L    L    ok   403  403  no   no   403  403",
                                          "GET+POST /admin/user/edit/?id={user}"),
    ("user.delete_view",                  "L    L    no   403  403  no   no   403  403",
                                          "POST /admin/user/delete/ id={user}"),
    ("user.action_view",                  "L    L    no   403  403  no   no   403  403",
                                          "POST /admin/user/action/ action=delete rowid={user}"),
    # Resetting a lost second factor (om75 has one): superadmin only.
    ("user.action_view",                  "L    L    ok   403  403  no   no   403  403",
                                          "POST /admin/user/action/ action=reset_two_factor rowid={user}"),
    ("user.ajax_lookup",                  "L    L    404  403  403  404  404  403  403",
                                          "GET /admin/user/ajax/lookup/?name=region"),
    ("user.ajax_update",                  "L    L    404  403  403  404  404  403  403",
                                          "POST /admin/user/ajax/update/ list_form_pk={user}"),
    ("user.export",                       "L    L    ok+  403  403  ok+  ok-  403  403", "GET /admin/user/export/csv/"),
    # --- regions: everyone reads the regions they may see; superadmin corrects names ----------------------------------
    ("region.index_view",                 "L    L    ok+  ok+  ok+  ok+  ok-  ok+  ok-", "GET /admin/region/"),
    ("region.details_view",               "L    L    ok   ok   ok   ok   nf   ok   nf",
                                          "GET /admin/region/details/?id=75"),
    ("region.create_view",                "L    L    no   no   no   no   no   no   no", "GET+POST /admin/region/new/"),
    ("region.edit_view",                  "L    L    ok   no   no   no   no   no   no",
                                          "GET+POST /admin/region/edit/?id=75"),
    ("region.delete_view",                "L    L    no   no   no   no   no   no   no",
                                          "POST /admin/region/delete/ id=75"),
    ("region.action_view",                "L    L    no   no   no   no   no   no   no",
                                          "POST /admin/region/action/ action=delete rowid=75"),
    ("region.ajax_lookup",                "L    L    404  404  404  404  404  404  404",
                                          "GET /admin/region/ajax/lookup/?name=x"),
    ("region.ajax_update",                "L    L    404  404  404  404  404  404  404",
                                          "POST /admin/region/ajax/update/ list_form_pk=75"),
    ("region.export",                     "L    L    no   no   no   no   no   no   no",
                                          "GET /admin/region/export/csv/"),
    # --- court hearings: a closed session is seen by the ombudsman (of the region) and the Commissioner's office only -
    ("court_hearing.index_view",          "L    L    ok+  ok+  ok-  ok-  ok-  ok+  ok-",
                                          "GET /admin/court_hearing/", "closed_hearing"),
    ("court_hearing.details_view",        "L    L    ok   ok   nf   nf   nf   ok   nf",
                                          "GET /admin/court_hearing/details/?id={closed_hearing}"),
    ("court_hearing.export",              "L    L    ok+  ok+  ok-  ok-  ok-  ok+  ok-",
                                          "GET /admin/court_hearing/export/csv/", "closed_hearing"),
    ("court_hearing.file_view",           "L    L    ok   ok   404  404  404  ok   404",
                                          "GET /admin/court_hearing/file/?id={closed_hearing}&attachment={closed_hearing_file}"),
    # --- year plans [R6.1]: the region drafts, sends and approves; the Commissioner agrees ----------------------------
    ("year_plan.index_view",              "L    L    ok+  ok+  ok+  ok+  ok-  ok+  ok-", "GET /admin/year_plan/"),
    ("year_plan.details_view",            "L    L    ok   ok   ok   ok   nf   ok   nf",
                                          "GET /admin/year_plan/details/?id={plan}"),
    ("year_plan.create_view",             "L    L    no   no   no   ok   ok   ok   ok",
                                          "GET+POST /admin/year_plan/new/"),
    ("year_plan.edit_view",               "L    L    no   no   no   ok   nf   ok   nf",
                                          "GET+POST /admin/year_plan/edit/?id={plan}"),
    ("year_plan.delete_view",             "L    L    no   no   no   no   no   no   no",
                                          "POST /admin/year_plan/delete/ id={plan}"),
    ("year_plan.action_view",             "L    L    no   no   no   no   no   no   no",
                                          "POST /admin/year_plan/action/ action=delete rowid={plan}"),
    ("year_plan.ajax_lookup",             "L    L    404  404  404  404  404  404  404",
                                          "GET /admin/year_plan/ajax/lookup/?name=region"),
    ("year_plan.ajax_update",             "L    L    404  404  404  404  404  404  404",
                                          "POST /admin/year_plan/ajax/update/ list_form_pk={plan}"),
    ("year_plan.export",                  "L    L    no   no   no   no   no   no   no",
                                          "GET /admin/year_plan/export/csv/"),
    # The plan is the ombudsman's [R3]: the akimat prepares it, only the ombudsman sends and approves it.
    ("year_plan.step_view",               "L    L    no   no   no   no   404  ok   404",
                                          "GET+POST /admin/year_plan/step/send_for_agreement/?id={plan}"),
    ("recommendation.step_view",          "L    L    no   no   no   no   404  ok   404",
                                          "GET+POST /admin/recommendation/step/send/?id={recommendation}"),
    ("year_plan.link_view",               "L    L    no   no   no   ok   404  ok   404",
                                          "GET+POST /admin/year_plan/link/?id={plan}&item={plan_item}"),
    # --- the half-year report [R8]: a regional user always gets their own region, whatever ?region= says --------------
    ("half_year_report.index",            "L    L    ok   ok   ok   ok   ok   ok   ok",
                                          "GET /admin/half_year_report/?region=75&year={year}&half={half}"),
    ("half_year_report.draft_file",       "L    L    ok   ok   ok   ok   ok   ok   ok",
                                          "GET /admin/half_year_report/draft/?region=75&year={year}&half={half}&format=xlsx&language=kk"),
    # Only the ombudsman submits; om71 submits region 71's report (its own), never 75's.
    ("half_year_report.submit",           "L    L    no   no   no   no   no   ok   ok",
                                          "POST /admin/half_year_report/submit/?region=75&year={year}&half={half} correction_reason=Again"),
    # The ombudsman's words: written in the region (the akimat may prepare them), never by the national offices.
    ("half_year_report.narrative",        "L    L    no   no   no   ok   ok   ok   ok",
                                          "POST /admin/half_year_report/narrative/?region=75&year={year}&half={half} summary_kk=Мәтін"),
    # A submitted version is accepted or returned with remarks by the Commissioner's office alone.
    ("half_year_report.review",           "L    L    no   ok   no   no   404  no   404",
                                          "POST /admin/half_year_report/review/?id={report} decision=accepted"),
    ("half_year_report.version",          "L    L    ok   ok   ok   ok   404  ok   404",
                                          "GET /admin/half_year_report/version/?id={report}"),
    ("half_year_report.file",             "L    L    ok   ok   ok   ok   404  ok   404",
                                          "GET /admin/half_year_report/file/?id={report}&format=pdf&language=ru"),
    ("national_rollup.index",             "L    L    ok   ok   ok   403  403  403  403",
                                          "GET /admin/national_rollup/?year={year}&half={half}"),
    ("national_rollup.xlsx",              "L    L    ok   ok   ok   403  403  403  403",
                                          "GET /admin/national_rollup/xlsx/?year={year}&half={half}"),
    ("national_rollup.pdf",               "L    L    ok   ok   ok   403  403  403  403",
                                          "GET /admin/national_rollup/pdf/?year={year}&half={half}"),
    # --- the report builder: a definition of region 75 is seen and changed there and by the national roles ------------
    ("report_definition.index_view",      "L    L    ok+  ok+  ok+  ok+  ok-  ok+  ok-",
                                          "GET /admin/report_definition/"),
    ("report_definition.details_view",    "L    L    ok   ok   ok   ok   404  ok   404",
                                          "GET /admin/report_definition/details/?id={definition}"),
    ("report_definition.create_view",     "L    L    ok   ok   no   ok   ok   ok   ok",
                                          "GET+POST /admin/report_definition/new/"),
    # The Committee is read-only (PRODUCT.md, "Who uses it"): it saves its own definitions but
    # never changes nor deletes a region's.
    ("report_definition.edit_view",       "L    L    ok   ok   no   ok   404  ok   404",
                                          "GET+POST /admin/report_definition/edit/?id={definition}"),
    ("report_definition.delete_view",     "L    L    ok   ok   no   ok   404  ok   404",
                                          "POST /admin/report_definition/delete/ id={definition}"),
    ("report_definition.action_view",     "L    L    no   no   no   no   no   no   no",
                                          "POST /admin/report_definition/action/ action=delete rowid={definition}"),
    ("report_definition.ajax_lookup",     "L    L    404  404  404  404  404  404  404",
                                          "GET /admin/report_definition/ajax/lookup/?name=region"),
    ("report_definition.ajax_update",     "L    L    404  404  404  404  404  404  404",
                                          "POST /admin/report_definition/ajax/update/ list_form_pk={definition}"),
    ("report_definition.export",          "L    L    no   no   no   no   no   no   no",
                                          "GET /admin/report_definition/export/csv/"),
    ("report_definition.run_view",        "L    L    ok   ok   ok   ok   404  ok   404",
                                          "GET /admin/report_definition/run/?id={definition}"),
    ("report_definition.xlsx_view",       "L    L    ok   ok   ok   ok   404  ok   404",
                                          "GET /admin/report_definition/xlsx/?id={definition}"),
]


@dataclass
class Line:
    endpoint: str
    methods: tuple
    url: str
    data: dict
    cells: dict
    shows: str  # the key of the marker of ok+ / ok-
    name: str = field(default="")


def _line(endpoint, cells, request, shows=None):
    method, url, *pairs = request.split()
    values = cells.split()
    assert len(values) == len(PEOPLE) and set(values) <= CELLS, (endpoint, cells)
    return Line(endpoint, tuple(method.split("+")), url, dict(p.split("=", 1) for p in pairs),
                dict(zip(PEOPLE, values)), shows or endpoint.split(".")[0])


def _registry_lines():
    for name in REGISTRIES:
        lookup = REGISTRY_LOOKUP[name in CASE_LOOKUPS]
        for row in (*REGISTRY_LINES, lookup):
            endpoint, cells, request, *shows = row
            request = request.replace("{lookup}", CASE_LOOKUPS.get(name, ""))
            yield _line(endpoint.replace("@", name), cells, request.replace("@", name), *shows)


def _table():
    lines = [_line(*row) for row in TABLE_LINES] + list(_registry_lines())
    seen = {}
    for line in lines:
        key = (line.endpoint, line.methods)
        seen[key] = seen.get(key, 0) + 1
        line.name = f"{line.endpoint}[{'+'.join(line.methods)}]" + (f"#{seen[key]}" if seen[key] > 1 else "")
    return lines


TABLE = _table()


@pytest.fixture(scope="module")
def world(app):
    """The region-75 data set and a logged-in browser per person (tests/matrix_helpers.py)."""
    yield from build_world(app)


# --- the tests -----------------------------------------------------------------------------


def test_every_endpoint_has_a_decision(app):
    """Every endpoint and method the app registers has a line; every line an endpoint."""
    registered = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
                  for method in rule.methods - {"HEAD", "OPTIONS"}}
    decided = {(line.endpoint, method) for line in TABLE for method in line.methods}
    missing = sorted(registered - decided)
    endpoints = {endpoint for endpoint, _method in registered}
    gone = sorted({line.endpoint for line in TABLE} - endpoints)
    assert not missing and not gone, (
        f"endpoints without a decision in the access matrix: {missing}; "
        f"lines for endpoints that no longer exist: {gone}")


def test_every_line_calls_its_endpoint(app):
    """A typo in a URL would test another screen: each line's URL routes to its endpoint."""
    adapter = app.url_map.bind("localhost")
    wrong = []
    for line in TABLE:
        for method in line.methods:
            path = re.sub(r"\{\w+\}", "1", urlsplit(line.url).path)
            try:
                endpoint, _args = adapter.match(path, method=method)
            except MethodNotAllowed:
                endpoint = line.endpoint if set(line.cells.values()) == {"405"} else "(405)"
            except NotFound:
                endpoint = "(404)"
            if endpoint != line.endpoint:
                wrong.append(f"{line.name}: {method} {line.url} → {endpoint}")
    assert not wrong, wrong


def _fill(template, ids):
    return template.format(**ids) if "{" in template else template


def _send(client, method, url, data, token):
    if method == "GET":
        return client.get(url)
    form = {"csrf_token": token, **data}
    for key in data:  # a form with a prefix ("message-body") checks its own prefixed token
        if "-" in key:
            form[f"{key.split('-')[0]}-csrf_token"] = token
    return client.post(url, data=form)


def _to_login(response):
    return response.status_code == 302 and urlsplit(response.location).path == "/login"


def _describe(response, changes, flashed):
    where = f" → {response.location}" if response.status_code in (301, 302, 303) else ""
    said = "; ".join(text for _category, text in flashed)
    return (f"{response.status_code}{where}" + (f", changed {changes}" if changes else "")
            + (f", flashed “{said}”" if said else ""))


def _verdict(cell, method, response, changes, flashed, body, marker):
    """None when ``response`` is what ``cell`` says, else why not."""
    status = response.status_code
    success = any(category == "success" for category, _text in flashed)
    if cell in ("ok", "ok+", "ok-"):
        if method == "POST" and cell == "ok":
            let_in = status in (200, 400) or (status == 302 and not _to_login(response) and (changes or success))
            return None if let_in else "not let in"
        if status != 200:
            return "not 200"
        if cell == "ok+" and marker not in body:
            return f"the region-75 row ({marker!r}) is missing"
        if cell == "ok-" and marker in body:
            return f"the region-75 row ({marker!r}) is shown: a region leak"
        return None
    if cell == "302":
        return None if status == 302 and not _to_login(response) else "not a redirect"
    if changes or success:
        return "a refused request changed data"
    if cell == "L":
        return None if _to_login(response) else "not sent to /login"
    if cell == "nf":
        found = status == 302 and any("Record does not exist" in text for _c, text in flashed)
        return None if found else "not Flask-Admin's “Record does not exist.”"
    if cell == "no":
        return None if status == 302 and not _to_login(response) else "not refused by a redirect"
    return None if status == int(cell) else f"not {cell}"


@pytest.mark.parametrize("line", TABLE, ids=lambda line: line.name)
def test_access(app, world, line):
    connection = transaction_connection(app)
    statement = fingerprint_sql(app)
    base = fingerprint(connection, statement)
    url = _fill(line.url, world.ids)
    data = {key: _fill(value, world.ids) for key, value in line.data.items()}
    marker = world.markers.get(line.shows, "")
    failures = []
    for person in PEOPLE:
        cell = line.cells[person]
        for method in line.methods:
            client = client_with(app, world.cookies[person])
            if method == "GET":  # a GET changes nothing but the audit log (not checked here: time)
                response, changes = _send(client, method, url, data, world.tokens[person]), []
            else:
                with savepoint(connection):
                    response = _send(client, method, url, data, world.tokens[person])
                    changes = changed_tables(base, fingerprint(connection, statement))
            raw = response.get_data()  # read to the end: a CSV export streams
            response.close()
            body = raw.decode("utf-8", "replace") if cell in ("ok+", "ok-") else ""
            flashed = flashes(client)
            why = _verdict(cell, method, response, changes, flashed, body, marker)
            if why:
                failures.append(f"{person:5} {method:4} expected {cell:3}, got "
                                f"{_describe(response, changes, flashed)}: {why}")
    assert not failures, f"{line.name} {url}\n" + "\n".join(failures)


def test_the_views_take_their_roles_from_the_capability_table_and_the_matrix_agrees(app):
    """Every screen's ``roles`` and ``edit_roles`` is a capability of models/capabilities.py,
    and its list page lets in exactly the staff whose role has that capability."""
    capabilities = {roles_with(name): name for name in CAPABILITIES} | {frozenset(): "nobody"}
    lines = {line.endpoint: line for line in TABLE if line.methods == ("GET",)}
    for view in app.extensions["admin"][0]._views:
        for attribute in ("roles", "edit_roles"):
            roles = getattr(view, attribute, None)
            assert roles is None or roles in capabilities, (view.endpoint, attribute, roles)
        line = lines.get(f"{view.endpoint}.index_view") or lines.get(f"{view.endpoint}.index")
        if line is None or view.endpoint == "admin":
            continue
        let_in = {p for p in STAFF if line.cells[p].startswith("ok")}
        assert let_in == {p for p, (role, _region) in STAFF.items() if role in view.roles}, (
            view.endpoint, capabilities[view.roles])


def test_the_matrix_reads_the_right_rows(world):
    """The markers the ok+ / ok- cells look for are the data set's (a typo would pass ok-)."""
    assert {line.shows for line in TABLE if {"ok+", "ok-"} & set(line.cells.values())} <= set(world.markers)
