"""Cases screen: the list, the details of a case, its workflow and checklist [R6.2], [R6.3],
[R10], [R11], and staff entry of cases received by other channels.

Identity rule (PRODUCT.md): the child's name, IIN and school and the reporter's name,
phone and e-mail are shown only to the ombudsman of the case's region, the
Commissioner's office and superadmins, and each such view is audited. Akimat
administrators and the committee see the case, its workflow and checklist without them:
not in the list, the details, the export, nor through file names, downloads, the
addresses alerts went to or the text of the messages exchanged with the reporter (a
letter names its addressee; a parent's message names the child).

Only the ombudsman of the region acts; the steps, checklist actions, messages and the
timeline are in ``admin.case_workflow``.
"""
import re
from flask import abort, flash, make_response, redirect, request
from flask_admin import expose
from flask_admin.contrib.sqla.filters import BooleanEqualFilter
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import any_, false, func, literal_column, select
from sqlalchemy.orm import aliased, lazyload

from models.capabilities import roles_with
from admin.base import STAFF_ROLES, SecureModelView, planner_rows
from admin.case_corrections import CaseCorrectionMixin
from admin.case_workflow import ITEM_ACTION_LABELS, STEP_LABELS, CaseWorkflowMixin
from admin.filters import YearFilter, choice_filter, region_filter
from admin.formatters import TYPE_FORMATTERS, labelled
from extensions import db
from forms.cases import CaseEntryForm
from i18n import LANGUAGE_NAMES
from models import Case, CaseChild
from models.case import (CASE_STATE_LABELS, CATEGORIES, CHANNELS, KINDS, OUTCOMES, REPORTER_TYPES,
                         RESPONSIBLE, SEXES, CaseState)
from models.checklist import ITEM_STATES, RULE_LABELS, SET_ASIDE_REASONS
from services import audit
from services import case_workflow as workflow
from services.cases import submit_case
from use_case import use_case
from downloads import send_audited
from core.iin import search_key
from services.privacy import NATIONAL_IDENTITY_ROLES, REGIONAL_IDENTITY_ROLES, may_see_identity
from core.receipts import format_receipt

EXPORT_ROLES = roles_with("cases_export")


def _categories(view, context, model, name):
    return ", ".join(str(CATEGORIES.get(c, c)) for c in model.categories or ())


def _outcome(view, context, model, name):
    return OUTCOMES.get(model.outcome, model.outcome) if model.outcome else ""


def _as_text(formatter):
    """The same label, as plain text for a CSV cell."""
    return lambda view, context, model, name: str(formatter(view, context, model, name))


# --- search ------------------------------------------------------------------------------
# One search box, read by the shape of what is typed, each kind through an index (never
# ILIKE '%…%' over a million cases):
#   "75-2026-000123", "75-2026", "71-"  registration numbers starting so (the unique index);
#   twelve digits                       a child's IIN, for those who may see identities;
#   anything else                       words of the description, each a whole word or its
#                                       beginning (full text: Case.description_search).
# Names are never searched. Full text rather than trigrams: an index a fraction of the size,
# no recheck of each row against its text, word statistics for the planner; a word's
# beginning matches Kazakh and Russian endings ("мектеп" finds "мектепте", "мектептен").
REGISTRATION_LOW, REGISTRATION_HIGH = "00-0000-000000", "99-9999-999999"
_REGISTRATION_PREFIX = re.compile(r"\d\d-(\d{0,4}|\d{4}-\d{0,6})")
TEXT_SEARCH_CONFIG = literal_column("'simple'::regconfig")  # as in Case.description_search
MAX_WORDS = 8
# Words the planner expects in at most this many cases are looked up first (see below).
FEW_MATCHES = 5_000
PREFIX_FROM = 3  # a shorter word matches whole only ("12" for school No. 12)
IDENTITY_ROLES = NATIONAL_IDENTITY_ROLES | REGIONAL_IDENTITY_ROLES


def registration_range(term):
    """The lowest and highest registration numbers starting with ``term``, or None.

    Numbers have one fixed width, so those starting with a prefix are exactly the ones
    between the prefix padded with zeros and padded with nines.
    """
    if not _REGISTRATION_PREFIX.fullmatch(term):
        return None
    return term + REGISTRATION_LOW[len(term):], term + REGISTRATION_HIGH[len(term):]


def description_query(search):
    """A ``to_tsquery`` text: every word (or its beginning) must occur; None for no word."""
    words = re.findall(r"\w+", search.lower())[:MAX_WORDS]
    return " & ".join(f"'{w}':*" if len(w) >= PREFIX_FROM else f"'{w}'" for w in words) or None


def description_matches(tsquery):
    """Cases whose description holds every word of ``tsquery``.

    The list walks its order (urgent, newest) and stops at a page. That is fast for common
    words, but for a rare word or a typo it would read the whole table to fill a page that
    stays empty. So a word the planner expects in few cases is looked up in the text index
    first, and the list reads just those rows by their address (``ctid = ANY(ARRAY(SELECT
    ctid …))``, a TID scan: a row's address is stable within one statement's snapshot).
    """
    query = func.to_tsquery(TEXT_SEARCH_CONFIG, tsquery)
    matches = Case.description_search.bool_op("@@")(query)
    expected = planner_rows(db.session, select(literal_column("1")).select_from(Case).where(matches))
    if expected > FEW_MATCHES:
        return matches
    found = aliased(Case, name="found")
    addresses = select(literal_column("found.ctid")).select_from(found).where(
        found.description_search.bool_op("@@")(query))
    return literal_column("cases.ctid") == any_(func.array(addresses.scalar_subquery()))


def with_child_iin(value):
    """Cases about a child with this IIN: the one place a child is searched by IIN, through
    its keyed hash (``core.iin.search_key``; the IIN itself is stored encrypted)."""
    key = search_key(value)
    if key is None:
        return false()
    return Case.id.in_(select(CaseChild.case_id).where(CaseChild.iin_hash == key))


def _iin_shaped(term):
    digits = re.sub(r"[\s-]", "", term)
    return len(digits) == 12 and digits.isascii() and digits.isdigit()


# Why a child's IIN deserves a second look (core.iin.age_flag).
IIN_FLAGS = {"adult": _l("The IIN says an adult: check it"), "age_mismatch": _l("The IIN does not match the age: check it")}


class CaseView(CaseWorkflowMixin, CaseCorrectionMixin, SecureModelView):
    roles = STAFF_ROLES
    # Cases are never edited: the workflow has its own steps. "Create" is the staff entry
    # of a case from another channel, for the ombudsman of the region (``create_view``).
    edit_roles = roles_with("cases_handle")
    allow_create = True
    allow_edit = allow_delete = False
    details_template = "admin/case_details.html"
    column_type_formatters_detail = TYPE_FORMATTERS  # local time, as in the list

    # Nothing here may identify a child or a reporter: see the module docstring.
    column_list = ("registration_number", "region", "kind", "categories", "urgent", "state",
                   "received_at", "due_on", "channel")
    column_sortable_list = ("registration_number", ("region", "region_code"), "kind", "urgent",
                            "state", "received_at", "due_on", "channel")
    column_default_sort = [("urgent", True), ("received_at", True)]
    # The search box is ``search_clause`` below; this only turns it on.
    column_searchable_list = ("registration_number",)
    column_export_list = ("registration_number", "region_code", "kind", "categories", "urgent",
                          "danger_now", "state", "received_at", "due_on", "channel", "responsible")
    column_details_list = ("registration_number", "region", "kind", "complaint_target", "categories",
                           "state", "urgent", "danger_now", "received_at", "due_on", "forward_due_on", "channel",
                           "incoming_number", "sender", "language", "occurred_when", "occurred_where", "responsible",
                           "responsible_details", "description", "registered_at", "extended_due_on",
                           "extension_reason", "police_confirmed_on", "police_reference", "answered_at",
                           "closed_at", "outcome", "forwarded_to", "forwarded_on", "rejection_reason")
    # Workflow facts shown on the details page only once they are recorded.
    details_when_set = frozenset({"registered_at", "extended_due_on", "extension_reason", "incoming_number", "sender",
                                  "forward_due_on", "police_confirmed_on", "police_reference", "answered_at", "closed_at",
                                  "outcome", "forwarded_to", "forwarded_on", "rejection_reason"})
    column_labels = {
        "registration_number": _l("Registration number"), "region": _l("Region"),
        "region_code": _l("Region"), "kind": _l("Kind"), "categories": _l("Categories"),
        "urgent": _l("Urgent"), "state": _l("State"), "received_at": _l("Received"),
        "due_on": _l("Due"), "channel": _l("Channel"), "danger_now": _l("Child in danger now"),
        "forward_due_on": _l("To forward, if outside our competence, by"),
        "incoming_number": _l("Incoming number"), "sender": _l("Sent on by"),
        "complaint_target": _l("Complaint against"), "description": _l("What happened"),
        "occurred_when": _l("When"), "occurred_where": _l("Where"),
        "responsible": _l("Who is responsible"), "responsible_details": _l("About the responsible"),
        "language": _l("Language of the report"), "registered_at": _l("Registered"),
        "extended_due_on": _l("Extended to"), "extension_reason": _l("Reason for the extension"),
        "police_confirmed_on": _l("Police confirmed the violation on"),
        "police_reference": _l("Police reference"), "answered_at": _l("Answered"),
        "closed_at": _l("Closed"), "outcome": _l("Outcome"), "forwarded_to": _l("Forwarded to"),
        "forwarded_on": _l("Forwarded on"), "rejection_reason": _l("Reason for the rejection"),
    }
    column_formatters = {
        "kind": labelled(KINDS, "kind"), "state": labelled(CASE_STATE_LABELS, "state"),
        "channel": labelled(CHANNELS, "channel"), "categories": _categories,
        "responsible": labelled(RESPONSIBLE, "responsible"),
        "language": labelled(LANGUAGE_NAMES, "language"), "outcome": _outcome,
    }
    column_formatters_detail = column_formatters
    column_formatters_export = {key: _as_text(f) for key, f in column_formatters.items()}
    column_filters = (
        region_filter(Case.region_code),
        choice_filter(Case.state, _l("State"), CASE_STATE_LABELS),
        choice_filter(Case.kind, _l("Kind"), KINDS),
        BooleanEqualFilter(Case.urgent, _l("Urgent")),
        YearFilter(Case.received_at, _l("Year")),
    )

    def __init__(self, model=Case, session=None, **kwargs):
        super().__init__(model, session, **kwargs)

    @property
    def can_export(self):
        """CSV for the ombudsman and the Commissioner's office; without identities even so."""
        return current_user.is_authenticated and current_user.role in EXPORT_ROLES

    def get_one(self, id):
        if not str(id).isascii() or not str(id).isdigit():
            return None
        return super().get_one(id)

    # --- list and search -----------------------------------------------------------------

    def get_query(self):
        """The list shows a case's own columns and its region (joined); its children, files
        and checklist, loaded eagerly for the case page, are not loaded for a list."""
        return super().get_query().options(lazyload(Case.children), lazyload(Case.attachments),
                                           lazyload(Case.checklist))

    def may_search_identity(self):
        return current_user.is_authenticated and current_user.role in IDENTITY_ROLES

    def search_placeholder(self):
        if self.may_search_identity():
            return str(_l("Number, child's IIN or words of the description"))
        return str(_l("Number or words of the description"))

    def search_clause(self, search):
        term = " ".join(search.split())
        numbers = registration_range(term)
        if numbers is not None:
            low, high = numbers
            return (Case.registration_number == low if low == high
                    else Case.registration_number.between(low, high))
        if _iin_shaped(term) and self.may_search_identity():
            return with_child_iin(term)
        tsquery = description_query(term)
        return description_matches(tsquery) if tsquery else false()

    # --- details -----------------------------------------------------------------------

    def shows_identity(self, case):
        return may_see_identity(current_user, case)

    @expose("/details/")
    def details_view(self):
        """The case; a view that shows identities is written to the audit log first."""
        case = self.get_one(request.args.get("id", ""))
        if case is not None and self.shows_identity(case):
            audit.record("case.view_identity", actor=current_user, obj=case,
                         registration_number=case.registration_number)
            db.session.commit()
        return super().details_view()

    def render(self, template, **kwargs):
        kwargs.setdefault("labels", {"sex": SEXES, "reporter_type": REPORTER_TYPES,
                                     "state": CASE_STATE_LABELS, "steps": STEP_LABELS,
                                     "items": ITEM_ACTION_LABELS, "rules": RULE_LABELS,
                                     "item_states": ITEM_STATES, "outcomes": OUTCOMES,
                                     "set_aside": SET_ASIDE_REASONS, "iin_flags": IIN_FLAGS,
                                     "languages": LANGUAGE_NAMES})
        return super().render(template, **kwargs)

    def files_of(self, case):
        """Every attachment of the case, numbered, with a name only for identity viewers
        (a file's name may identify a child: "Ivanov_Aida_certificate.pdf")."""
        identity = self.shows_identity(case)
        return [{"attachment": attachment, "number": number,
                 "name": attachment.file.original_name if identity else _("file %(n)s", n=number),
                 "downloadable": identity}
                for number, attachment in enumerate(case.attachments, start=1)]

    def answer_rows(self, case, lang):
        """The extra answers, labelled by the questionnaire version the case was filed with."""
        answers = dict(case.answers or {})
        definition = case.questionnaire_version.definition if case.questionnaire_version else {}
        rows = []
        for question in definition.get("questions", []):
            if question["key"] not in answers:
                continue
            label = question["label"].get(lang) or question["label"].get("kk") or question["key"]
            rows.append((label, _answer_text(question, answers.pop(question["key"]), lang)))
        rows.extend((key, _plain(value)) for key, value in answers.items())
        return rows

    @expose("/file/")
    def file_view(self):
        """Download an attachment: for those who may see the case's identities only."""
        case = self.requested_row_or_404()
        if not self.shows_identity(case):
            abort(403)
        attachment = next((a for a in case.attachments
                           if str(a.id) == request.args.get("attachment", "")), None)
        if attachment is None:
            abort(404)
        return send_audited(attachment.file, current_user, region_code=case.region_code,
                            case=case.id, attachment=attachment.id)

    # --- staff entry of a case from another channel --------------------------------------

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        """A case received by phone, visit, letter, e-mail, media, e-Otinish or line 111.

        The ombudsman of the region enters it; it is registered at once (its [R10]
        checklist and alerts start), and the receipt code is shown once, to pass on.
        """
        list_url = self.get_url(".index_view")
        if not self.can_create:
            flash(_("Only the regional ombudsman enters cases."), "error")
            return redirect(list_url)
        form = CaseEntryForm()
        if form.validate_on_submit():
            with use_case() as outcome:
                case, code = submit_case(form.report(current_user.region_code), form.children(),
                                         actor=current_user, consent=bool(form.consent.data),
                                         received_at=form.received_at())
                if case.state == CaseState.RECEIVED:
                    workflow.register(case, current_user)
            if outcome:
                response = make_response(self.render("admin/case_created.html", case=case, code=code,
                                                     shown_code=format_receipt(code),
                                                     details_url=self.details_url(case)))
                response.headers["Cache-Control"] = "no-store"
                return response
        return self.render("admin/case_new.html", form=form, list_url=list_url)


def _plain(value):
    return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)


def _answer_text(question, value, lang):
    if question["type"] == "yes_no":
        return {"yes": _("Yes"), "no": _("No")}.get(value, _plain(value))
    if question["type"] in ("single_choice", "multiple_choice"):
        labels = {o["value"]: o["label"].get(lang) or o["label"].get("kk") or o["value"]
                  for o in question.get("options", [])}
        values = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(v, str(v)) for v in values)
    return _plain(value)
