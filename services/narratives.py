"""The ombudsman's own words in the half-year report [R8]: what happened, not only how many.

Each section of ``NARRATIVE_SECTIONS`` is written in Kazakh and Russian; the resonant cases
are chosen by registration number among the region's cases and shown by number, categories
and state only, never a name or an IIN. The draft is saved as it is typed (the page's
script saves every few seconds, and a plain "Save" works without it); the region's
ombudsman and its akimat administrator may write it [R3: the akimat may prepare, the
ombudsman submits]. At submission ``frozen`` copies it into the version
(services/report_workflow.py).
"""
import re

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.errors import InvalidInput, PermissionDenied, RegionMismatch
from extensions import db
from models import Case, HalfYearNarrative, Interaction, LegislativeRecommendation, Visit
from models.base import utcnow
from models.capabilities import roles_with
from models.report import NARRATIVE_SECTIONS, REPORT_LANGUAGES
from services.reports import Period, latest_submitted

WRITERS = roles_with("reports_write")
MAX_SECTION = 20_000
MAX_RESONANT = 20
NUMBER = re.compile(r"\d{2}-\d{4}-\d{6}")


def draft(region_code, year, half):
    """The draft of a region's half-year, or None when nothing was written yet."""
    return db.session.scalar(select(HalfYearNarrative).where(
        HalfYearNarrative.region_code == region_code, HalfYearNarrative.year == year,
        HalfYearNarrative.half == half))


def may_write(actor, region_code):
    return actor.role in WRITERS and actor.region_code == region_code


def save(actor, region_code, year, half, texts, resonant_text="", problem_cases="", problem_visits=()):
    """Keep what was typed: ``texts`` is {"<section>_<language>": text}; ``resonant_text`` the
    registration numbers of the resonant cases, one a line; ``problem_cases`` and
    ``problem_visits`` (ids) what shows the systemic problems. Returns the draft."""
    if actor.role not in WRITERS:
        raise PermissionDenied(_l("Only the region's ombudsman or akimat administrator writes the report."))
    if actor.region_code != region_code:
        raise RegionMismatch(_l("This report belongs to another region."))
    sections = {}
    for section in NARRATIVE_SECTIONS:
        for language in REPORT_LANGUAGES:
            text = (texts.get(f"{section}_{language}") or "").replace("\r\n", "\n").strip()
            if len(text) > MAX_SECTION:
                raise InvalidInput(_l("A section holds at most %(n)s characters.", n=format_decimal(MAX_SECTION)))
            sections.setdefault(section, {})[language] = text
    row = draft(region_code, year, half) or HalfYearNarrative(region_code=region_code, year=year, half=half)
    row.sections, row.resonant_cases = sections, _resonant(region_code, resonant_text)
    row.evidence = {"cases": _resonant(region_code, problem_cases),
                    "visits": _visits(region_code, year, half, problem_visits)}
    row.updated_at, row.updated_by_id = utcnow(), actor.id
    db.session.add(row)
    db.session.flush()
    return row


def _resonant(region_code, text):
    """The registration numbers typed, each checked to be a case of the region."""
    numbers = list(dict.fromkeys(NUMBER.findall(text or "")))[:MAX_RESONANT]
    found = set(db.session.scalars(select(Case.registration_number).where(
        Case.registration_number.in_(numbers), Case.region_code == region_code)))
    missing = [n for n in numbers if n not in found]
    if missing:
        raise InvalidInput(_l("These are not cases of the region: %(numbers)s.", numbers=", ".join(missing)))
    return numbers


def visits_of(region_code, year, half):
    """The region's visits [R6.5] of the half-year, the choices of what shows a problem."""
    period = Period(year, half)
    return db.session.scalars(select(Visit).where(Visit.region_code == region_code, period.holds_day(Visit.visited_on))
                              .order_by(Visit.visited_on, Visit.id)).all()


def _visits(region_code, year, half, chosen):
    allowed = {visit.id for visit in visits_of(region_code, year, half)}
    ids = [int(v) for v in chosen if str(v).isdigit()]
    if any(i not in allowed for i in ids):
        raise InvalidInput(_l("Choose visits of the region in this half-year."))
    return ids


def _recommendations(region_code, year, half):
    """[R6.4], [R11.6] the recommendations made in the half-year and what became of them."""
    period = Period(year, half)
    legislation = db.session.scalars(select(LegislativeRecommendation).where(
        LegislativeRecommendation.region_code == region_code, period.holds_day(LegislativeRecommendation.submitted_on))
        .order_by(LegislativeRecommendation.submitted_on)).all()
    to_bodies = db.session.scalars(select(Interaction).where(
        Interaction.region_code == region_code, Interaction.kind == "recommendation",
        Interaction.direction == "outgoing", period.holds_day(Interaction.dated_on))
        .order_by(Interaction.dated_on)).all()
    return ([{"text": r.text, "to": "commissioner", "on": r.submitted_on.isoformat(), "outcome": r.outcome,
              "answered_on": r.response_on.isoformat() if r.response_on else None} for r in legislation]
            + [{"text": i.subject, "to": i.body, "on": i.dated_on.isoformat(), "outcome": None,
                "answered_on": i.answered_on.isoformat() if i.answered_on else None} for i in to_bodies])


def written_in(texts, language):
    """A section's text in ``language``, else in the other language, else ""."""
    return texts.get(language) or next((text for text in texts.values() if text), "")


def frozen(row):
    """What a submitted version keeps of the draft ``row`` (None: nothing written): the
    sections, each resonant case by its number, categories and state (no identity), what
    shows the problems, and the half-year's recommendations."""
    if row is None:
        return None
    region_code, year, half = row.region_code, row.year, row.half
    evidence = row.evidence or {}
    numbers = [*row.resonant_cases, *evidence.get("cases", [])]
    cases = {c.registration_number: c for c in db.session.scalars(select(Case).where(
        Case.registration_number.in_(numbers)))}
    visits = {v.id: v for v in visits_of(region_code, year, half)}

    def case(number):
        found = cases[number]
        return {"number": number, "categories": found.categories, "state": found.state, "outcome": found.outcome}

    return {"sections": row.sections,
            "resonant_cases": [case(n) for n in row.resonant_cases if n in cases],
            "problem_evidence": {
                "cases": [case(n) for n in evidence.get("cases", []) if n in cases],
                "visits": [{"on": visits[i].visited_on.isoformat(), "organization": visits[i].organization_name,
                            "access": visits[i].access} for i in evidence.get("visits", []) if i in visits]},
            "recommendations": _recommendations(region_code, year, half)}


def rollup(year, half, language):
    """[R8] the regions' words side by side, for the national roll-up: for each region whose
    latest submitted version has them, its systemic problems (in ``language``, else the
    other) and its resonant cases by number and categories only."""
    found = []
    for report in sorted(latest_submitted(year, half).values(), key=lambda r: r.region_code):
        if not report.narrative:
            continue
        texts = report.narrative["sections"].get("problems") or {}
        found.append({"region": report.region, "report": report,
                      "problems": written_in(texts, language),
                      "resonant_cases": report.narrative.get("resonant_cases") or []})
    return found
