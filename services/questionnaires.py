"""Extra questions configured without code: publishing versions and checking answers.

A definition is a JSON list of questions; the public form draws it and the server
validates the answers by the same definition, whatever the browser sent.

Who publishes [R3: independence]: a region's public questionnaire speaks for its
ombudsman, so only the ombudsman publishes it; the akimat may prepare it (its saves are
drafts until then). The national questionnaire is the superadmin's.
"""
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from extensions import db
from models import Questionnaire, QuestionnaireVersion
from models.capabilities import roles_with
from services import audit
from core.errors import InvalidInput, PermissionDenied

LANGS = ("kk", "ru", "en")
MAX_TEXT = {"short_text": 300, "long_text": 5000}


def parse_options(text):
    """``value | kk | ru | en`` one a line → [{"value", "label": {kk, ru, en}}]."""
    options = []
    for line in (text or "").splitlines():
        parts = [p.strip() for p in line.split("|")]
        if not parts[0]:
            continue
        labels = (parts[1:] + [""] * 3)[:3]
        options.append({"value": parts[0], "label": {
            lang: labels[i] or labels[0] or parts[0] for i, lang in enumerate(LANGS)}})
    return options


def snapshot(questionnaire):
    """The questionnaire's questions as an immutable JSON definition."""
    return {
        "title": {lang: getattr(questionnaire, f"title_{lang}") or questionnaire.title_kk for lang in LANGS},
        "questions": [{
            "key": q.key, "type": q.type, "required": bool(q.required),
            "label": {lang: getattr(q, f"label_{lang}") or q.label_kk for lang in LANGS},
            "help": {lang: getattr(q, f"help_{lang}") or q.help_kk or "" for lang in LANGS},
            "options": parse_options(q.options),
            "show_if": {"key": q.show_if_key, "answer": q.show_if_answer} if q.show_if_key else None,
        } for q in questionnaire.questions],
    }


def check_definition(definition):
    """Refuse a definition the form could not draw: options missing, unknown conditions."""
    keys = set()
    for question in definition["questions"]:
        if question["type"] in ("single_choice", "multiple_choice") and not question["options"]:
            raise InvalidInput(_l("The question “%(key)s” needs options, one a line.", key=question["key"]))
        condition = question["show_if"]
        if condition and condition["key"] not in keys:
            raise InvalidInput(_l("The question “%(key)s” depends on a question that is not before it.",
                                  key=question["key"]))
        keys.add(question["key"])


PUBLISH_REGIONAL = roles_with("questionnaires_publish")
PUBLISH_NATIONAL = roles_with("questionnaires_publish_national")


def may_publish(actor, questionnaire):
    """Whether ``actor`` may put ``questionnaire`` on the public form."""
    if questionnaire.region_code is None:
        return actor.role in PUBLISH_NATIONAL
    return actor.role in PUBLISH_REGIONAL and actor.region_code == questionnaire.region_code


def unpublished(questionnaire):
    """True when the questions being edited differ from the latest published version."""
    latest = latest_version(questionnaire)
    return latest is None or latest.definition != snapshot(questionnaire)


def publish_by(actor, questionnaire):
    """The "Publish" step: ``actor`` puts the questions being edited on the public form.
    Refused unless ``may_publish``; nothing is written when nothing changed."""
    if not may_publish(actor, questionnaire):
        raise PermissionDenied(_l("Only the region's ombudsman publishes its questionnaire; "
                                  "the national one, the superadmin."))
    return publish(questionnaire, actor)


def publish(questionnaire, actor=None):
    """Publish the current questions as a new version, unless nothing changed. The caller
    checks ``may_publish`` (the seed and the tests publish without an actor)."""
    definition = snapshot(questionnaire)
    check_definition(definition)
    latest = latest_version(questionnaire)
    if latest is not None and latest.definition == definition:
        return latest
    number = (latest.number if latest else 0) + 1
    version = QuestionnaireVersion(questionnaire=questionnaire, number=number, definition=definition,
                                   created_by_id=getattr(actor, "id", None))
    db.session.add(version)
    db.session.flush()
    audit.record("questionnaire.publish", actor=actor, obj=questionnaire, version=number)
    return version


def latest_version(questionnaire):
    return db.session.scalar(select(QuestionnaireVersion).where(
        QuestionnaireVersion.questionnaire_id == questionnaire.id)
        .order_by(QuestionnaireVersion.number.desc()).limit(1))


def version_for_region(region_code):
    """The questions a new case of this region answers: the latest version of the region's
    own active questionnaire if it has a published one, else of the national one; None
    when there is none. A draft never published is not on the form. One query: the
    public form asks on every view."""
    return db.session.scalar(
        select(QuestionnaireVersion).select_from(Questionnaire)
        .join(QuestionnaireVersion, QuestionnaireVersion.questionnaire_id == Questionnaire.id)
        .where(Questionnaire.is_active.is_(True),
               or_(Questionnaire.region_code == region_code, Questionnaire.region_code.is_(None)))
        .order_by(Questionnaire.region_code.is_(None), Questionnaire.id.desc(),
                  QuestionnaireVersion.number.desc())
        .limit(1))


def visible(question, answers):
    condition = question.get("show_if")
    if not condition:
        return True
    given = answers.get(condition["key"])
    return condition["answer"] in given if isinstance(given, list) else given == condition["answer"]


def validate_answers(definition, raw):
    """Check ``raw`` (key → str or list of str) against the definition.

    Returns (answers, errors): clean answers of the visible questions only, and a
    message per question key. Hidden questions are dropped, never required.
    """
    answers, errors = {}, {}
    for question in (definition or {}).get("questions", []):
        if not visible(question, answers):
            continue
        value, error = _clean(question, raw.get(question["key"]))
        if error:
            errors[question["key"]] = error
        elif value not in (None, "", []):
            answers[question["key"]] = value
        elif question["required"]:
            errors[question["key"]] = _l("Please answer this question.")
    return answers, errors


def _clean(question, value):
    kind = question["type"]
    values = value if isinstance(value, list) else ([value] if value not in (None, "") else [])
    values = [str(v).strip() for v in values if str(v).strip()]
    if kind == "multiple_choice":
        allowed = {o["value"] for o in question["options"]}
        return (values, None) if set(values) <= allowed else (None, _l("Choose from the list."))
    text = values[0] if values else None
    if text is None:
        return None, None
    if kind in MAX_TEXT:
        return (text, None) if len(text) <= MAX_TEXT[kind] else (
            None, _l("At most %(n)s characters.", n=MAX_TEXT[kind]))
    if kind == "single_choice":
        return (text, None) if text in {o["value"] for o in question["options"]} else (
            None, _l("Choose from the list."))
    if kind == "yes_no":
        return (text, None) if text in ("yes", "no") else (None, _l("Answer yes or no."))
    if kind == "number":
        try:
            return (float(text) if "." in text else int(text)), None
        except ValueError:
            return None, _l("Enter a number.")
    if kind == "date":
        try:
            return date.fromisoformat(text).isoformat(), None
        except ValueError:
            return None, _l("Enter a date.")
    return None, _l("Unknown question type.")

