"""The work queue (menu "Cases"): what is overdue, due today, urgent, waiting for a reply, and
new [R6.2], [R10], [R11].

The ombudsman sees their region; the Commissioner's office, superadmins and the committee
see all regions, with a region column. No identity is shown: registration number,
region, categories, due time and state only.
"""
from flask_admin import expose
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models.capabilities import roles_with
from admin.base import StaffView
from models.case import CASE_STATE_LABELS, CATEGORIES
from models.checklist import RULE_LABELS
from models.registry import INTERACTION_KINDS
from services.deadlines import now_local
from services.work_queue import LIMIT, letters_waiting, sections

SECTIONS = (
    ("overdue", _l("Overdue")),
    ("due_today", _l("Due today")),
    ("urgent", _l("Urgent")),
    ("messages", _l("New messages from reporters")),
    ("new", _l("New")),
)


class QueueView(StaffView):
    roles = roles_with("work_queue")

    @expose("/")
    def index(self):
        found = sections(current_user)
        return self.render("admin/queue.html", sections=[(key, label, found[key]) for key, label in SECTIONS],
                           show_region=current_user.sees_all_regions(), limit=LIMIT,
                           state_labels=CASE_STATE_LABELS, rule_labels=RULE_LABELS, categories=CATEGORIES,
                           letters=letters_waiting(current_user), letter_kinds=INTERACTION_KINDS,
                           today=now_local().date())
