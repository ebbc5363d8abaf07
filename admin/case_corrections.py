"""Correcting a case on its page as facts arrive late (services.case_facts) [R6.2], [R10], [R11]:
its facts, its children (add, correct, remove), and an [R10.3] notice sent by hand.

The ombudsman of the case's region and the Commissioner's office correct; every form asks
why, and a refused correction changes nothing.
"""
from functools import partial

from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from forms.cases import ChildCorrectionForm, FactsForm, RemovalForm
from services import case_facts, checklist
from use_case import use_case

CHILD_ACTIONS = {"add": _l("Add a child"), "correct": _l("Correct the child"), "remove": _l("Remove the child")}


class CaseCorrectionMixin:
    """Mixed into ``admin.cases.CaseView`` beside ``CaseWorkflowMixin`` (its ``details_url``)."""

    def may_correct(self, case):
        return case_facts.may_correct(current_user, case)

    def may_notify_guardianship(self, case):
        return checklist.may_work(current_user, case)

    def _refused(self, case):
        """Refuse before any form is read: a forbidden POST changes nothing."""
        with use_case() as allowed:
            case_facts.check(current_user, case)
        return None if allowed else redirect(self.details_url(case))

    def _apply(self, case, form, service, anchor):
        """Run ``service`` with the form's values; commit, or show the refusal."""
        if not form.validate_on_submit():
            return None
        with use_case() as outcome:
            service(**form.service_arguments())
        if not outcome:
            return None
        flash(_("The case is corrected."), "success")
        return redirect(self.details_url(case) + anchor)

    @expose("/facts/", methods=("GET", "POST"))
    def facts_view(self):
        """Correct the kind, categories, responsible party, danger and place of the case."""
        case = self.requested_row_or_404()
        refused = self._refused(case)
        if refused:
            return refused
        form = FactsForm(obj=case)
        done = self._apply(case, form, partial(case_facts.correct, current_user, case), "#timeline")
        return done or self.render("admin/case_correct.html", form=form, case=case, title=_("Correct the facts"),
                                   details_url=self.details_url(case))

    @expose("/child/<action>/", methods=("GET", "POST"))
    def child_view(self, action):
        """Add a child to the case, or correct or remove one, with the reason."""
        if action not in CHILD_ACTIONS:
            abort(404)
        case = self.requested_row_or_404()
        child = None
        if action != "add":
            child = next((c for c in case.children if str(c.id) == request.args.get("child", "")), None)
            if child is None:
                abort(404)
        refused = self._refused(case)
        if refused:
            return refused
        if action == "remove":
            form, service = RemovalForm(), partial(case_facts.remove_child, current_user, child)
        elif action == "correct":
            form, service = ChildCorrectionForm(obj=child), partial(case_facts.correct_child, current_user, child)
        else:
            form, service = ChildCorrectionForm(), partial(case_facts.add_child, current_user, case)
        done = self._apply(case, form, service, "#children-title")
        return done or self.render("admin/case_correct.html", form=form, case=case, title=CHILD_ACTIONS[action],
                                   details_url=self.details_url(case))

    @expose("/guardianship/", methods=("POST",))
    def guardianship_view(self):
        """[R10.3] a notice to the guardianship authority and the police, sent now."""
        case = self.requested_row_or_404()
        with use_case() as outcome:
            checklist.add_guardianship_notice(current_user, case)
        if outcome:
            flash(_("The notice to the guardianship authority and the police is being sent."), "success")
        return redirect(self.details_url(case) + "#checklist")
