"""The step pages of the three workflows (appointments [R4], year plans [R6.1], cases [R6.2]).

A details page shows the steps its user may take now (``steps_for``) as buttons; each
button opens ``/step/<action>/``: refused before any form is read (a forbidden POST
stores no file and changes nothing), then a confirmation form with the fields the step
needs, and on submit the step's use case, committed at once.
"""
from flask import abort, flash, redirect
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from extensions import db
from models import OutboxMessage
from models.outbox import ALERT_CHANNELS
from models.user import ROLE_LABELS
from use_case import use_case


class WorkflowStepMixin:
    """For a ``SecureModelView`` whose rows move through a ``services.workflow.Workflow``.

    Set ``workflow``, ``step_forms`` (action → form class, whose ``service_arguments(obj,
    actor)`` gives the use case's keyword arguments) and ``step_services`` (action → use
    case taking the actor and the row first). Override ``step_subject``, ``step_form``,
    ``step_refused`` (or ``step_refusal``), ``step_context`` or ``after_step`` where a
    workflow needs more.
    """

    workflow = None
    step_forms = {}
    step_services = {}
    step_template = "admin/workflow_step.html"
    step_refused = _l("This step is not possible for you now.")

    def steps_for(self, obj):
        """The steps the current user may take now, as (action, label) pairs."""
        return self.workflow.steps_for(current_user, obj)

    def waiting_for(self, obj):
        """Who takes the next step, in words, or "" when the procedure is over."""
        return ", ".join(str(ROLE_LABELS[role]) for role in self.workflow.next_roles(obj))

    def step_label(self, action):
        return self.workflow.labels[action]

    def step_form(self, obj, action):
        return self.step_forms[action]()

    def step_refusal(self, obj, action):
        """What a user who may not take the step now reads."""
        return str(self.step_refused)

    def step_subject(self, obj):
        """The line under the step's title that says what it is about."""
        return str(obj)

    def step_context(self, obj, action):
        """More for the step's template."""
        return {}

    def after_step(self, obj, action):
        """Said after a step was taken, besides "Done"."""

    def render(self, template, **kwargs):
        kwargs.setdefault("channel_labels", ALERT_CHANNELS)
        return super().render(template, **kwargs)

    def alerts_for(self, obj):
        """The outbox messages about ``obj``, with their delivery status."""
        return db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.object_type == obj.__tablename__, OutboxMessage.object_id == str(obj.id),
        ).order_by(OutboxMessage.id)).all()

    def details_url(self, obj):
        return self.get_url(".details_view", id=obj.id)

    @expose("/step/<action>/", methods=("GET", "POST"))
    def step_view(self, action):
        if action not in self.step_forms:
            abort(404)
        obj = self.requested_row_or_404()
        details = self.details_url(obj)
        if action not in self.workflow.allowed_actions(current_user, obj):
            flash(self.step_refusal(obj, action), "error")
            return redirect(details)
        form = self.step_form(obj, action)
        if form.validate_on_submit():
            with use_case() as outcome:
                self.step_services[action](current_user, obj,
                                           **form.service_arguments(obj, current_user))
            if outcome:
                flash(_("Done: %(step)s.", step=self.step_label(action)), "success")
                self.after_step(obj, action)
                return redirect(details)
        return self.render(self.step_template, form=form, action=action, details_url=details,
                           step_label=self.step_label(action), subject=self.step_subject(obj),
                           **self.step_context(obj, action))
