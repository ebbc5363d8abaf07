"""Correcting the facts of a case as they are learnt, and what follows from them [R6.2], [R10], [R11].

Facts arrive late: the father living with the child turns out to be the one responsible,
the child is found to be in danger, a second child is named. The ombudsman of the case's
region (or the Commissioner's office) corrects an open case, each change with a reason, on
the timeline and in the audit log (personal values masked). What the rules attach to a fact
follows at once:
- a parent or legal representative living with the child responsible: the [R10.3] notice to
  the guardianship authority and the police, sent now [R10.3];
- a new person responsible: a preventive conversation with them [R10.2];
- a child in danger now: the case is urgent, and [R11.2] and [R11.7] become required [R11];
- another kind of case: its own term (services.terms).
"""
from flask_babel import lazy_gettext as _l

from models.capabilities import roles_with
from extensions import db
from models import CaseChild, CaseStep
from models.case import CATEGORIES, KINDS, RESPONSIBLE, SEXES, CaseState
from services import audit, checklist, terms
from services.cases import flag_iin
from core.errors import InvalidInput, PermissionDenied, RegionMismatch
from core.iin import is_valid_iin, normalize_iin

# The facts a correction may change, and the children's.
FACTS = ("kind", "complaint_target", "categories", "responsible", "responsible_details", "danger_now",
         "occurred_when", "occurred_where")
CHILD_FACTS = ("age", "birth_year", "sex", "name", "iin", "school")
CORRECTING_ROLES = roles_with("cases_correct")


def check(actor, case):
    """Raise unless ``actor`` may correct ``case`` now: the ombudsman of its region or the
    Commissioner's office, while the case is worked on (its answer sent or not)."""
    if actor is None or actor.role not in CORRECTING_ROLES:
        raise PermissionDenied(_l("Only the regional ombudsman or the Commissioner's office corrects a case."))
    if actor.role == "ombudsman" and actor.region_code != case.region_code:
        raise RegionMismatch(_l("This case belongs to another region."))
    if case.state not in CaseState.WORKING:
        raise InvalidInput(_l("A finished case cannot be corrected."))


def may_correct(actor, case):
    try:
        check(actor, case)
    except (PermissionDenied, InvalidInput):
        return False
    return True


def correct(actor, case, facts, reason):
    """Change the case's ``facts`` (a dict of FACTS) for ``reason``; what the rules attach
    to the new facts follows. The caller commits."""
    check(actor, case)
    reason = _reason(reason)
    _check_facts({name: facts.get(name, getattr(case, name)) for name in FACTS})
    before = {"responsible": case.responsible, "kind": case.kind}
    for name in FACTS:
        if name in facts:
            setattr(case, name, facts[name])
    case.urgent = bool(case.danger_now)
    changed = audit.changes(case)
    if not changed:
        raise InvalidInput(_l("Nothing was changed."))
    _record(actor, case, "correct", reason, changed)
    _follow(actor, case, before)
    db.session.flush()


def _follow(actor, case, before):
    """What the rules attach to the corrected facts [R10.2], [R10.3], [R11]."""
    if case.kind != before["kind"]:
        terms.set_due_dates(case)
    if case.responsible != before["responsible"]:
        if case.responsible in checklist.PERSON_RESPONSIBLE:
            checklist.conversation(case, checklist.conversation_person(case))
        if case.responsible == "parent_cohabiting" and not any(i.rule == "R10.3" for i in case.checklist):
            checklist.notify_guardianship(case)
    for item in case.checklist:
        if item.status == "open" and item.rule in checklist.R11_IN_DANGER:
            item.required = checklist.measure_required(case, item.rule)


def add_child(actor, case, values, reason):
    """A child the case is also about."""
    check(actor, case)
    reason = _reason(reason)
    child = flag_iin(CaseChild(**_child_values(values)), case.received_at)
    case.children.append(child)
    db.session.flush()
    _record(actor, case, "child_added", reason, {"child": child.id})


def correct_child(actor, child, values, reason):
    check(actor, child.case)
    reason = _reason(reason)
    for name, value in _child_values(values).items():
        setattr(child, name, value)
    flag_iin(child, child.case.received_at)
    changed = audit.changes(child)
    if not changed:
        raise InvalidInput(_l("Nothing was changed."))
    _record(actor, child.case, "child_corrected", reason, {"child": child.id, **changed})
    db.session.flush()


def remove_child(actor, child, reason):
    """A child named by mistake; a case keeps at least one child."""
    case = child.case
    check(actor, case)
    reason = _reason(reason)
    if len(case.children) < 2:
        raise InvalidInput(_l("A case is about at least one child: correct this one instead."))
    _record(actor, case, "child_removed", reason, {"child": child.id, **audit.snapshot(child)})
    case.children.remove(child)
    db.session.flush()


def _record(actor, case, action, reason, changed):
    db.session.add(CaseStep(case=case, actor_id=actor.id, action=action, from_state=case.state,
                            to_state=case.state, note=reason, details={"changes": changed}))
    audit.record(f"case.{action}", actor=actor, obj=case, reason=reason, changes=changed)


def _reason(reason):
    if not (reason or "").strip():
        raise InvalidInput(_l("Say why the case is corrected."))
    return reason.strip()[:2000]


def _check_facts(facts):
    if facts["kind"] not in KINDS:
        raise InvalidInput(_l("Choose what you are reporting."))
    if facts["kind"] == "complaint" and not (facts["complaint_target"] or "").strip():
        raise InvalidInput(_l("Say which body, organization or official the complaint is about."))
    if not facts["categories"] or not set(facts["categories"]) <= set(CATEGORIES):
        raise InvalidInput(_l("Choose at least one category."))
    if facts["responsible"] not in RESPONSIBLE:
        raise InvalidInput(_l("Say who is responsible, or choose “I do not know”."))


def _child_values(values):
    child = {name: values.get(name) for name in CHILD_FACTS}
    if child["age"] is None and child["birth_year"] is None:
        raise InvalidInput(_l("Give each child's age or year of birth."))
    if child["iin"] and not is_valid_iin(child["iin"]):
        raise InvalidInput(_l("The IIN is not valid: check the 12 digits."))
    if child["sex"] not in SEXES:
        raise InvalidInput(_l("Choose the child's sex or “not specified”."))
    child["iin"] = normalize_iin(child["iin"]) or None
    return child
