"""The workflow half of the case page [R6.2], [R6.3], [R10], [R11]: the steps, the checklist,
the office's messages and the timeline.

Only the ombudsman of the case's region acts. Each step is a button leading to a small
confirmation form (``forms.cases``) that calls ``services.case_workflow`` or
``services.checklist``; a step the user may not take is refused before its form is read
(a forbidden POST stores no uploaded file), with the service's own reason. Everyone
else who may open the case sees the same page read-only; the identity rule of
``admin.cases`` holds here too (file names, the reporter's address among an alert's
recipients, the text of messages with the reporter).
"""
from datetime import date

from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import and_, or_, select

from extensions import db
from forms.cases import STEP_FORMS, ConversationForm, MessageForm, ReferenceForm, SetAsideForm, done_form
from i18n import LANGUAGE_NAMES, TEMPLATE_FILTERS
from models import ChecklistEvidence, OutboxMessage
from models.base import utcnow
from models.case import CASE_STATE_LABELS, CATEGORIES, KINDS, RESPONSIBLE, SEXES
from models.checklist import ITEM_STATES, RULE_LABELS
from models.outbox import ALERT_CHANNELS
from request_input import id_from
from services import audit, checklist, settings
from services import case_workflow as workflow
from services.cases import reporter_messages
from admin.workflow import WorkflowStepMixin
from core.errors import DomainError
from use_case import use_case
from downloads import send_audited
from services.terms import forward_due, latest_extension

# The timeline names every step: the workflow's and the corrections of the facts.
STEP_LABELS = {
    **workflow.STEP_LABELS, "deadline": _l("Due dates recomputed"),
    "correct": _l("Facts corrected"), "child_added": _l("Child added"),
    "child_corrected": _l("Child corrected"), "child_removed": _l("Child removed"),
}
DUE_DATE_LABELS = {"due_on": _l("answer due"), "forward_due_on": _l("forwarding due")}
# The facts a correction changes, as the timeline names them: (label, labels of the values).
FACT_LABELS = {
    "kind": (_l("Kind"), KINDS), "categories": (_l("Categories"), CATEGORIES),
    "responsible": (_l("Who is responsible"), RESPONSIBLE), "danger_now": (_l("Child in danger now"), {}),
    "responsible_details": (_l("About the responsible"), {}), "complaint_target": (_l("Complaint against"), {}),
    "occurred_when": (_l("When"), {}), "occurred_where": (_l("Where"), {}),
    "age": (_l("Age"), {}), "birth_year": (_l("Year of birth"), {}), "sex": (_l("Sex"), SEXES),
    "name": (_l("Name"), {}), "iin": (_l("IIN"), {}), "school": (_l("School"), {}),
}
ITEM_ACTION_LABELS = {"done": _l("Mark done"), "set_aside": _l("Set aside"),
                      "reference": _l("Reference numbers")}
ITEM_FORMS = {"set_aside": SetAsideForm, "reference": ReferenceForm}
ITEM_SERVICES = {"done": checklist.complete, "set_aside": checklist.set_aside,
                 "reference": checklist.record_reference}
STEP_SERVICES = {"start": workflow.start, "answer": workflow.answer, "close": workflow.close,
                 "forward": workflow.forward, "reject": workflow.reject, "extend": workflow.extend,
                 "confirm_police": workflow.confirm_police}


def step_detail(step):
    """What a step's timeline line says besides its name: its note; for recomputed due dates
    which date moved from when to when, and why; for a correction what changed, and why."""
    details = step.details or {}
    if step.action == "deadline":
        moves = [f"{label}: {_date(details[name][0])} → {_date(details[name][1])}"
                 for name, label in DUE_DATE_LABELS.items() if name in details]
        reason = details.get("reason")
        why = _("working-day calendar") if reason == "calendar" else (
            settings.KNOWN[reason].label if reason in settings.KNOWN else reason)
        return "; ".join(moves) + (f" ({why})" if why else "")
    changes = details.get("changes") or {}
    changed = [_change(name, change) for name, change in changes.items()
               if name in FACT_LABELS and isinstance(change, dict)]
    return "; ".join(filter(None, [step.note, *changed]))


def _change(name, change):
    """``Field: old → new`` in words; a masked (personal) value only says the field changed."""
    label, values = FACT_LABELS[name]
    if audit.MASK in (change.get("old"), change.get("new")):
        return str(label)
    return f"{label}: {_value(change.get('old'), values)} → {_value(change.get('new'), values)}"


def _value(value, labels):
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(str(labels.get(v, v)) for v in value)
    return str(labels.get(value, value)) if value not in (None, "") else "—"


def _item_name(item):
    """A checklist item as the page's language cites it: its rule and what it is."""
    return f"{TEMPLATE_FILTERS['rule'](item.rule)} {RULE_LABELS.get(item.rule, '')}".strip()


def _date(iso):
    return format_date(date.fromisoformat(iso), "medium") if iso else "—"


class CaseWorkflowMixin(WorkflowStepMixin):
    """Mixed into ``admin.cases.CaseView``: needs its ``get_one`` (region-scoped),
    ``shows_identity`` and ``files_of``."""

    workflow, step_forms, step_services = workflow.WORKFLOW, STEP_FORMS, STEP_SERVICES
    step_template = "admin/case_step.html"

    def may_act(self, case):
        """True for the ombudsman of the case's region: the only one who handles it."""
        return (current_user.is_authenticated and current_user.role == "ombudsman"
                and current_user.region_code == case.region_code)

    def checklist_rows(self, case):
        """The checklist with, per item, whether it is overdue and what the user may do."""
        now = utcnow()
        identity = self.shows_identity(case)
        rows = []
        for item in case.checklist:
            evidence = [{"evidence": e, "name": e.file.original_name if identity else _("file %(n)s", n=n),
                         "downloadable": identity} for n, e in enumerate(item.evidence, start=1)]
            rows.append({"item": item, "label": RULE_LABELS.get(item.rule, item.rule),
                         "overdue": checklist.overdue(item, now), "evidence": evidence,
                         "actions": [(a, ITEM_ACTION_LABELS[a])
                                     for a in checklist.allowed_item_actions(current_user, item)]})
        return rows

    def reporter_waiting(self, case):
        """The reporter's message the office has not replied to yet (they wrote last), or None:
        for one case, what ``services.work_queue.reporter_waiting`` selects in SQL."""
        said = reporter_messages(case)  # internal notes are no reply
        return said[-1] if said and said[-1].from_reporter else None

    def may_add_conversation(self, case):
        return checklist.may_work(current_user, case)

    def alerts_for(self, case):
        """The outbox messages about the case and its checklist items, with delivery status."""
        item_ids = [str(item.id) for item in case.checklist]
        about = and_(OutboxMessage.object_type == "cases", OutboxMessage.object_id == str(case.id))
        if item_ids:
            about = or_(about, and_(OutboxMessage.object_type == "checklist_item",
                                    OutboxMessage.object_id.in_(item_ids)))
        return db.session.scalars(select(OutboxMessage).where(about).order_by(OutboxMessage.id)).all()

    def recipients_shown(self, case, message):
        """The addresses an alert went to; the reporter's own address only to identity viewers."""
        if self.shows_identity(case) or not case.reporter_email:
            return message.recipients
        reporter = case.reporter_email.strip().lower()
        return [_("the reporter (hidden)") if r.lower() == reporter else r for r in message.recipients]

    def timeline(self, case):
        """Everything that happened, in time order: steps, checklist, alerts, messages, files."""
        identity = self.shows_identity(case)
        entries = []
        for step in case.steps:
            entries.append({"at": step.at, "kind": "step", "key": step.action, "who": step.actor,
                            "what": STEP_LABELS.get(step.action, step.action),
                            "detail": step_detail(step),
                            "state": CASE_STATE_LABELS.get(step.to_state, step.to_state)})
        for item in case.checklist:
            if item.status != "open" and item.done_at is not None:
                entries.append({"at": item.done_at, "kind": "checklist", "key": item.rule,
                                "who": item.done_by, "what": _item_name(item),
                                "detail": ITEM_STATES.get(item.status, item.status), "state": ""})
        for message in self.alerts_for(case):
            entries.append({"at": message.created_at, "kind": "alert", "key": message.topic or "",
                            "channel": ALERT_CHANNELS[message.channel],
                            "who": ", ".join(self.recipients_shown(case, message)),
                            "what": message.subject, "detail": "", "state": "", "message": message})
        files = self.files_of(case)
        by_attachment = {item["attachment"].id: item for item in files}
        for message in case.messages:
            entries.append({"at": message.created_at, "kind": "message",
                            "files": [by_attachment[a.id] for a in message.attachments if a.id in by_attachment],
                            "key": "internal" if message.internal else (
                                "reporter" if message.from_reporter else "office"),
                            "who": _("Reporter") if message.from_reporter else (message.author or _("Staff")),
                            "what": message.body, "detail": "", "state": "", "message": message})
        for item in files:
            if item["attachment"].message_id is not None:
                continue  # shown with its message
            entries.append({"at": item["attachment"].file.created_at, "kind": "file", "key": "attachment",
                            "who": _("Reporter") if item["attachment"].from_reporter else _("Staff"),
                            "what": item["name"], "detail": "", "state": "", "file": item})
        for row in case.checklist:
            for number, evidence in enumerate(row.evidence, start=1):
                entries.append({"at": evidence.file.created_at, "kind": "file", "key": "evidence",
                                "who": row.done_by or _("Staff"),
                                "what": evidence.file.original_name if identity else _("file %(n)s", n=number),
                                "detail": row.rule, "state": "", "evidence": evidence if identity else None})
        entries.sort(key=lambda e: e["at"])
        return entries

    def language_label(self, case):
        return LANGUAGE_NAMES.get(case.language, case.language)

    # --- steps and checklist actions -----------------------------------------------------

    def step_refusal(self, case, action):
        """The service's own reason (role, region), else why the state does not allow it."""
        try:
            workflow.check(current_user, case, action)
        except DomainError as error:
            return str(error)
        if action == "confirm_police" and case.police_confirmed_on is not None:
            return _("The police confirmation is already recorded.")
        return _("This step is not possible in the case's current state.")

    def step_form(self, case, action):
        return STEP_FORMS[action](case=case)

    def step_subject(self, case):
        return case.registration_number

    def step_context(self, case, action):
        info = {}
        if action == "extend":
            info = {"deadline": case.deadline, "latest": latest_extension(case.received_at)}
        elif action == "forward":
            info = {"forward_due": case.forward_due_on or forward_due(case.received_at)}
        elif action == "answer":
            info = self._before_answering(case)
        return {"case": case, "info": info, "language": self.language_label(case)}

    def _before_answering(self, case):
        """What the final answer is written against: the report, the reporter's last message
        and the required checklist items still open (only the case's ombudsman gets here)."""
        from_reporter = [m for m in case.messages if m.from_reporter]
        return {"report": case.description, "last_message": from_reporter[-1] if from_reporter else None,
                "open_items": [(item, RULE_LABELS.get(item.rule, item.rule))
                               for item in checklist.open_required(case)]}

    def _item_or_404(self, case):
        item = next((i for i in case.checklist if str(i.id) == request.args.get("item", "")), None)
        if item is None:
            abort(404)
        return item

    def _item_refusal(self, item, action):
        try:
            checklist.check(current_user, item.case)
        except DomainError as error:
            return str(error)
        if action == "reference":
            return _("Reference numbers are recorded for the guardianship and police alert only.")
        if item.status != "open":
            return _("This item is already closed.")
        return _("Only a conversation or a measure can be set aside.")

    @expose("/item/<action>/", methods=("GET", "POST"))
    def item_view(self, action):
        """Mark a checklist item done, set it aside as not applicable, or record references."""
        if action not in ITEM_SERVICES:
            abort(404)
        case = self.requested_row_or_404()
        item = self._item_or_404(case)
        details = self.details_url(case)
        if action not in checklist.allowed_item_actions(current_user, item):
            flash(self._item_refusal(item, action), "error")
            return redirect(details)
        if action == "done":
            form = done_form(item, checklist.placement_organizations(case.region_code)
                             if item.rule == "R11.7" else ())
        else:
            form = ITEM_FORMS[action]()
        if form.validate_on_submit():
            with use_case() as outcome:
                ITEM_SERVICES[action](current_user, item, **form.service_arguments(item))
            if outcome:
                flash(_("Done: %(step)s.", step=f"{_item_name(item)} — {ITEM_ACTION_LABELS[action]}"), "success")
                return redirect(details + f"#item-{item.id}")
        return self.render(self.step_template, form=form, case=case, action=action, item=item,
                           item_label=RULE_LABELS.get(item.rule, item.rule),
                           step_label=ITEM_ACTION_LABELS[action], details_url=details, info={},
                           language=self.language_label(case))

    @expose("/conversation/", methods=("POST",))
    def conversation_view(self):
        """[R10.2] add a person for a preventive conversation."""
        case = self.requested_row_or_404()
        details = self.details_url(case)
        with use_case() as allowed:
            checklist.check(current_user, case)
        if not allowed:
            return redirect(details)
        form = ConversationForm()
        if not form.validate_on_submit():
            flash(_("Say whom the conversation is with."), "error")
            return redirect(details)
        with use_case() as outcome:
            checklist.add_conversation(current_user, case, form.person.data)
        if outcome:
            flash(_("Added to the checklist: a preventive conversation with %(person)s.",
                    person=form.person.data.strip()), "success")
        return redirect(details + "#checklist")

    @expose("/message/", methods=("POST",))
    def message_view(self):
        """A message of the office to the reporter (seen at /status) or an internal note."""
        case = self.requested_row_or_404()
        details = self.details_url(case)
        if not self.may_act(case):
            flash(_("Only the ombudsman of the region writes in a case."), "error")
            return redirect(details)
        form = MessageForm()
        if not form.validate_on_submit():
            flash(_("Write a message of 1 to 10,000 characters."), "error")
            return redirect(details)
        with use_case() as outcome:
            workflow.send_message(current_user, case, form.body.data, internal=bool(form.internal.data))
        if outcome:
            flash(_("The internal note is saved.") if form.internal.data
                  else _("The message is sent: the reporter reads it at /status."), "success")
        return redirect(details + "#timeline")

    @expose("/evidence/")
    def evidence_view(self):
        """Download a checklist evidence file, for those who may see the case's identities."""
        case = self.requested_row_or_404()
        if not self.shows_identity(case):
            abort(403)
        evidence_id = id_from(request.args.get("evidence"))
        evidence = db.session.get(ChecklistEvidence, evidence_id) if evidence_id else None
        if evidence is None or evidence.item.case_id != case.id:
            abort(404)
        return send_audited(evidence.file, current_user, region_code=case.region_code,
                            case=case.id, evidence=evidence.id)
