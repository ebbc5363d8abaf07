"""One shape for the three workflows: appointments [R4], year plans [R6.1] and cases [R6.2].

A workflow is a table of transitions, each naming the roles that may take it, the states
it starts from and the state it leads to. ``check`` refuses a step for the wrong role,
region or state, in the workflow's own words; ``allowed_actions`` lists the steps an
actor may take now (the buttons of a details page); ``record`` moves the state, stores
the step row where the workflow keeps one, and writes the audit row. The use cases in
``services.appointments``, ``services.plans`` and ``services.case_workflow`` call these
three and add what is particular to each step.
"""
from dataclasses import dataclass, field

from extensions import db
from models.base import utcnow
from services import audit
from core.errors import InvalidInput, PermissionDenied, RegionMismatch


@dataclass(frozen=True)
class Transition:
    """One allowed step: by whom, from which states, to which state (None keeps it)."""

    roles: frozenset
    sources: frozenset
    target: str | None = None
    # Shown as a button on the details page; False for steps taken elsewhere (by the
    # reporter, by the system at registration) or from their own screen.
    offered: bool = True
    # A further condition for offering it, read from the object (e.g. not already done).
    offered_when: object = None


@dataclass(frozen=True)
class Refusals:
    """What a refused actor reads: the wrong role, the wrong region, the wrong state."""

    role: str
    region: str
    state: str


@dataclass
class Workflow:
    """The transitions of one kind of object, its refusals and where its steps are kept.

    ``name`` prefixes the audit actions (``case.answer``); ``step_model``, when given, is
    the append-only step table, with ``owner`` the name of its relationship to the object.
    """

    name: str
    transitions: dict
    refusals: Refusals
    step_model: type | None = None
    owner: str | None = None
    labels: dict = field(default_factory=dict)
    # Called as ``on_change(obj, old_state)`` after a step changed the state (a partner's webhook).
    on_change: object = None

    def __post_init__(self):
        missing = [action for action, t in self.transitions.items()
                   if t.offered and action not in self.labels]
        if missing:
            raise LookupError(f"workflow {self.name}: no button label for {', '.join(missing)}")

    def check(self, actor, obj, action):
        """Raise unless ``actor`` may take ``action`` on ``obj`` now."""
        transition = self.transitions[action]
        if actor is None or actor.role not in transition.roles:
            raise PermissionDenied(self.refusals.role)
        if actor.role_enum.is_regional and actor.region_code != obj.region_code:
            raise RegionMismatch(self.refusals.region)
        if obj.state not in transition.sources:
            raise InvalidInput(self.refusals.state)

    def allowed_actions(self, actor, obj):
        """The steps ``actor`` may take on ``obj`` now, in the table's order."""
        if actor.role_enum.is_regional and actor.region_code != obj.region_code:
            return []
        return [action for action, t in self.transitions.items()
                if t.offered and actor.role in t.roles and obj.state in t.sources
                and (t.offered_when is None or t.offered_when(obj))]

    def next_roles(self, obj):
        """The roles that may take a step on ``obj`` now (none: the procedure is over)."""
        return sorted({role for t in self.transitions.values()
                       if t.offered and obj.state in t.sources
                       and (t.offered_when is None or t.offered_when(obj)) for role in t.roles})

    def steps_for(self, actor, obj):
        """``allowed_actions`` with their labels, as (action, label) pairs for the buttons."""
        return [(action, self.labels[action]) for action in self.allowed_actions(actor, obj)]

    def record(self, obj, actor, action, step_note=None, **details):
        """Move ``obj`` to the step's target state; keep the step (with ``step_note``) and
        audit it (with ``details``)."""
        old = obj.state
        target = self.transitions[action].target or old
        obj.state = target
        if hasattr(obj, "state_changed_at") and target != old:
            obj.state_changed_at = utcnow()
        if self.step_model is not None:
            db.session.add(self.step_model(**{self.owner: obj}, actor_id=getattr(actor, "id", None),
                                           action=action, from_state=old, to_state=target,
                                           note=(step_note or "").strip() or None))
        audit.record(f"{self.name}.{action}", actor=actor, obj=obj, old_state=old, new_state=target,
                     **details)
        if self.on_change is not None and target != old:
            self.on_change(obj, old)
