"""How the half-year report [R8] reads: its sections, lines and tables, in kk or ru.

``services.reports`` computes figures keyed by codes; this module is the one place that
names them (the registries' activities by their specs' figures, ``models.registry_specs``,
in ``REPORT_ORDER``). ``render(figures, language)`` gives the "rendered" structure every output
uses (the HTML preview, ``services.report_files`` for XLSX and PDF): sections of
tables whose cells are text, numbers or ``{"value", "kind"}`` pairs. ``lines`` flattens
the same layout for the national roll-up, so the two can never disagree.
"""
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l

from i18n import current_language
from models.case import CASE_STATE_LABELS, CATEGORIES, CHANNELS, KINDS, OUTCOMES, RESPONSIBLE
from models.checklist import RULE_LABELS
from models.plan import PLAN_STATES
from models.registry import RECOMMENDATION_OUTCOMES, VISIT_ACCESS
from models.report import NARRATIVE_SECTIONS
from services.narratives import written_in
from models.registry_specs import report_figures
from services.deadlines import KZ_TZ
from services.report_files import format_day, format_moment
from services.reports import ALERT_RULES, MEASURE_RULES

AGE_LABELS = {"0-5": _l("0–5 years"), "6-9": _l("6–9 years"), "10-13": _l("10–13 years"),
              "14-17": _l("14–17 years")}
CLOSED_LABELS = {**OUTCOMES, "withdrawn": CASE_STATE_LABELS["withdrawn"]}
MEASURE_LABELS = {rule: RULE_LABELS[rule] for rule in MEASURE_RULES}


@dataclass(frozen=True)
class Line:
    """One figure: where it is in the figures (a dotted path), its label and kind."""

    path: str
    label: object
    kind: str = "count"


@dataclass(frozen=True)
class Breakdown:
    """Counts by a closed list of codes; every code is shown, zeros included."""

    path: str
    title: object
    labels: dict


@dataclass(frozen=True)
class Matrix:
    """One row per code, one column per figure of that code."""

    path: str
    title: object
    rows: tuple
    row_labels: dict
    columns: tuple  # of Line, paths relative to the row


@dataclass(frozen=True)
class Section:
    """A part of the report; ``sheet`` names its XLSX sheet where the title, without its rule
    references, would not fit Excel's 31 characters in some language."""

    key: str
    title: object
    lines: tuple = ()
    tables: tuple = field(default=())
    sheet: object = None


SECTIONS = (
    Section("received", _l("Cases received [R6.2]"),
            lines=(Line("received.total", _l("Cases received")),),
            tables=(Breakdown("received.by_kind", _l("By kind"), KINDS),
                    Breakdown("received.by_category", _l("By category (a case may have several)"),
                              CATEGORIES),
                    Breakdown("received.by_channel", _l("By channel"), CHANNELS),
                    Breakdown("received.by_responsible", _l("By responsible party"), RESPONSIBLE),
                    Breakdown("received.children_by_age", _l("Children by age group"), AGE_LABELS))),
    Section("handled", _l("Cases handled [R6.3]"),
            lines=(Line("handled.answered", _l("Answered")),
                   Line("handled.on_time", _l("Answered on time")),
                   Line("handled.late", _l("Answered late")),
                   Line("handled.share_on_time", _l("Share answered on time"), "percent"),
                   Line("handled.median_days", _l("Median days from receipt to answer"), "days"),
                   Line("handled.extended", _l("Terms extended")),
                   Line("handled.forwarded", _l("Forwarded to another body")),
                   Line("handled.pending_at_end", _l("Pending at the end of the half-year"))),
            tables=(Breakdown("handled.closed_by_outcome", _l("Closed by outcome"), CLOSED_LABELS),)),
    Section("alerts", _l("Alerts [R10.1], [R10.3]"),
            tables=(Matrix("alerts", _l("From registration to delivery"), ALERT_RULES, RULE_LABELS,
                           (Line("delivered", _l("Delivered")),
                            Line("not_delivered", _l("Not delivered yet")),
                            Line("median_minutes", _l("Median minutes"), "minutes"),
                            Line("worst_minutes", _l("Worst minutes"), "minutes"))),)),
    Section("conversations", _l("Preventive conversations [R10.2]"),
            lines=(Line("conversations.held", _l("Conversations held")),
                   Line("conversations.late", _l("Of which held after their due time")),
                   Line("conversations.set_aside", _l("Set aside with a reason (not held)")))),
    Section("measures", _l("Measures after a confirmed violation [R11]"),
            tables=(Breakdown("measures", _l("Measures done"), MEASURE_LABELS),
                    Breakdown("measures_late", _l("Of which done after their due time"), MEASURE_LABELS),
                    Breakdown("measures_set_aside", _l("Set aside with a reason (not done)"), MEASURE_LABELS)),
            sheet=_l("Measures after a violation")),
    Section("activities", _l("Activities [R6.4]–[R6.11], [R9], [R12], [R13]"),
            lines=tuple(Line(f"activities.{figure.key}", figure.label) for _spec, figure in report_figures())),
    Section("plan", _l("Year plan [R6.1]"),
            lines=(Line("plan.state", _l("Plan state"), "text"),
                   Line("plan.items", _l("Plan items")),
                   Line("plan.done", _l("Plan items done")),
                   Line("plan.due_this_half", _l("Items planned for this half-year")),
                   Line("plan.due_this_half_done", _l("Of them done")))),
)


def value_at(figures, path):
    for part in path.split("."):
        figures = (figures or {}).get(part)
    return figures


def line_value(figures, line):
    value = value_at(figures, line.path)
    if line.path == "plan.state":
        return str(PLAN_STATES[value]) if value in PLAN_STATES else gettext("No plan")
    return 0 if value is None and line.kind == "count" else value


def _breakdown_rows(figures, table):
    counts = value_at(figures, table.path) or {}
    rows = [[str(label), counts.get(code, 0)] for code, label in table.labels.items()]
    rows += [[code, n] for code, n in sorted(counts.items()) if code not in table.labels]
    return rows


def _table(figures, table):
    if isinstance(table, Breakdown):
        return {"title": str(table.title),
                "columns": [{"label": gettext("Indicator"), "kind": "text"},
                            {"label": gettext("Number"), "kind": "count"}],
                "rows": _breakdown_rows(figures, table)}
    values = value_at(figures, table.path) or {}
    return {"title": str(table.title),
            "columns": [{"label": "", "kind": "text"},
                        *({"label": str(c.label), "kind": c.kind} for c in table.columns)],
            "rows": [[str(table.row_labels[code]),
                      *(value_at(values.get(code), c.path) for c in table.columns)]
                     for code in table.rows]}


def _section(figures, section):
    tables = []
    if section.lines:
        tables.append({"title": None,
                       "columns": [{"label": gettext("Indicator"), "kind": "text"},
                                   {"label": gettext("Value"), "kind": "mixed"}],
                       "rows": [[str(line.label), {"value": line_value(figures, line),
                                                   "kind": line.kind}]
                                for line in section.lines]})
    tables += [_table(figures, table) for table in section.tables]
    return {"key": section.key, "title": str(section.title), "sheet": str(section.sheet or section.title),
            "tables": tables}


def title(figures, region):
    return gettext("Half-year report [R8]: %(region)s, %(year)s, half-year %(half)s",
                   region=region.localized_name(), year=figures["year"], half=figures["half"])


def subtitle(figures, version=None):
    """The period and the version, dates and times as the report's language writes them."""
    period = "–".join(format_day(date.fromisoformat(figures[end])) for end in ("start", "end"))
    if version is None:
        computed = datetime.fromisoformat(figures["computed_at"]).astimezone(KZ_TZ)
        return gettext("%(period)s · draft, computed %(at)s", period=period, at=format_moment(computed))
    return gettext("%(period)s · version %(version)s, submitted %(at)s", period=period,
                   version=version.version, at=format_moment(version.submitted_at.astimezone(KZ_TZ)))


def _words_section(narrative, language):
    """The ombudsman's words [R8] (services.narratives ``frozen``): each section written in
    ``language`` (else in the other language), then the resonant cases by number only."""
    rows = []
    for key, label in NARRATIVE_SECTIONS.items():
        texts = narrative["sections"].get(key) or {}
        text = written_in(texts, language)
        if text:
            rows.append([str(label), text])
    tables = [{"title": None, "columns": [{"label": gettext("Section"), "kind": "text"},
                                          {"label": gettext("Text"), "kind": "text"}], "rows": rows}]
    if narrative.get("resonant_cases"):
        tables.append({"title": gettext("Resonant cases"),
                       "columns": [{"label": gettext("Registration number"), "kind": "text"},
                                   {"label": gettext("Categories"), "kind": "text"},
                                   {"label": gettext("State"), "kind": "text"}],
                       "rows": [[case["number"], ", ".join(str(CATEGORIES.get(c, c)) for c in case["categories"]),
                                 _case_state(case)] for case in narrative["resonant_cases"]]})
    tables += _evidence_tables(narrative)
    return {"key": "words", "title": gettext("The ombudsman’s words"), "sheet": gettext("The ombudsman’s words"),
            "tables": tables}


def _evidence_tables(narrative):
    """What shows the systemic problems (cases by number, visits by date and organization),
    and the recommendations of the half-year with what became of them [R6.4], [R11.6]."""
    evidence, tables = narrative.get("problem_evidence") or {}, []
    rows = ([[gettext("Case %(number)s", number=case["number"]),
              ", ".join(str(CATEGORIES.get(c, c)) for c in case["categories"])] for case in evidence.get("cases", [])]
            + [[gettext("Visit of %(day)s", day=format_day(date.fromisoformat(visit["on"]))),
                f"{visit['organization']} ({VISIT_ACCESS.get(visit['access'], visit['access'])})"]
               for visit in evidence.get("visits", [])])
    if rows:
        tables.append({"title": gettext("What shows the systemic problems"),
                       "columns": [{"label": gettext("Record"), "kind": "text"},
                                   {"label": gettext("About"), "kind": "text"}], "rows": rows})
    if narrative.get("recommendations"):
        tables.append({"title": gettext("Recommendations made [R6.4], [R11.6] and what became of them"),
                       "columns": [{"label": gettext("Recommendation"), "kind": "text"},
                                   {"label": gettext("To"), "kind": "text"},
                                   {"label": gettext("Sent on"), "kind": "text"},
                                   {"label": gettext("What became of it"), "kind": "text"}],
                       "rows": [_recommendation_row(r) for r in narrative["recommendations"]]})
    return tables


def _recommendation_row(recommendation):
    to = gettext("The Commissioner") if recommendation["to"] == "commissioner" else recommendation["to"]
    if recommendation["outcome"]:
        became = str(RECOMMENDATION_OUTCOMES.get(recommendation["outcome"], recommendation["outcome"]))
    elif recommendation["answered_on"]:
        became = gettext("Answered on %(day)s", day=format_day(date.fromisoformat(recommendation["answered_on"])))
    else:
        became = gettext("No answer yet")
    return [recommendation["text"], to, format_day(date.fromisoformat(recommendation["on"])), became]


def _case_state(case):
    state = str(CASE_STATE_LABELS.get(case["state"], case["state"]))
    return f"{state}: {OUTCOMES.get(case['outcome'], case['outcome'])}" if case.get("outcome") else state


def render(figures, region, language=None, version=None, narrative=None):
    """The rendered report [R8] in ``language`` (kk or ru; by default the one being shown):
    a draft unless it is a submitted ``version``, so that its files say so on every page;
    the ombudsman's words first when there are any (``narrative``)."""
    def build():
        chosen = language or current_language()
        words = [_words_section(narrative, chosen)] if narrative else []
        return {"title": title(figures, region), "subtitle": subtitle(figures, version),
                "language": chosen, "draft": version is None,
                "sections": words + [_section(figures, section) for section in SECTIONS]}
    if language is None:
        return build()
    with force_locale(language):
        return build()


def lines():
    """Every figure as ``(section title, Line)`` in report order, breakdowns flattened:
    the rows of the national roll-up."""
    for section in SECTIONS:
        for line in section.lines:
            yield section.title, line
        for table in section.tables:
            if isinstance(table, Breakdown):
                for code, label in table.labels.items():
                    yield section.title, Line(f"{table.path}.{code}", label)
            else:
                for code in table.rows:
                    for column in table.columns:
                        yield section.title, Line(f"{table.path}.{code}.{column.path}",
                                                  f"{table.row_labels[code]}: {column.label}",
                                                  column.kind)
