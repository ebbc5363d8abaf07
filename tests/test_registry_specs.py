"""Every registry is declared once (``models.registry_specs``) and every reader iterates it.

A registry model without a spec, or a spec without what the half-year report or the year
plan needs (a figure, a title, a record label, a main date that is a date, a label for each
of its columns), is refused when it is built; the admin, the report builder, the plan's
record links, the half-year report and compliance all list exactly the registries declared.
"""
import dataclasses

import pytest
from flask_babel import force_locale

from models.registry import Briefing, RegionalRecord
from models.registry_specs import (REGISTRY_SPECS, REPORT_ORDER, Figure, RegistrySpec, RegistrySpecError,
                                   check_specs, missing_specs, report_figures)
from services import compliance, plans, report_builder, report_layout
from tests.factories import REGISTRY_SAMPLES

BRIEFING = next(spec for spec in REGISTRY_SPECS if spec.model is Briefing)


def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


# --- one spec per registry ------------------------------------------------------------------------

def test_every_registry_model_has_one_spec():
    assert missing_specs() == []
    assert sorted(m.__name__ for m in subclasses(RegionalRecord)) == sorted(
        spec.model.__name__ for spec in REGISTRY_SPECS)
    assert len({spec.endpoint for spec in REGISTRY_SPECS}) == len(REGISTRY_SPECS)


def test_every_registry_has_a_test_sample():
    """The tests that go through every registry (admin, access matrix, hostile input) build
    one valid record of each from ``tests.factories.REGISTRY_SAMPLES``."""
    assert set(REGISTRY_SAMPLES) == {spec.endpoint for spec in REGISTRY_SPECS}
    for spec in REGISTRY_SPECS:
        attribute, values = REGISTRY_SAMPLES[spec.endpoint]
        assert {attribute, *values} <= set(spec.own_columns), spec.endpoint


# --- a spec lacking what a reader needs is refused -------------------------------------------------

@pytest.mark.parametrize("change,reader", [
    ({"report": ()}, "the half-year report: what it counts"),
    ({"report": (Figure("briefings_x", ""),)}, "the half-year report: a line's label"),
    ({"report": (Figure("briefings_x", "Briefings [R6.10]", on="topic"),)}, "the half-year report: a date"),
    ({"title": None}, "the year plan: the column naming a record"),
    ({"title": "no_such_column"}, "the year plan: the column naming a record"),
    ({"record_label": ""}, "the year plan: the record's label"),
    ({"date": "topic"}, "the plan's year and the report's half-year: the main date"),
    ({"date": None}, "the plan's year and the report's half-year: the main date"),
    ({"labels": {"held_on": "Held on"}}, "the admin and the builder: a label per column"),
    ({"rule": "10"}, "the report's lines cite the rule"),
    ({"choices": {"topic": {}}}, "the admin and the builder: a catalogue"),
    ({"closed": "topic"}, "who sees closed rows: a yes/no column"),
    ({"model": object}, "region scoping: a RegionalRecord"),
])
def test_a_spec_without_what_a_reader_needs_is_refused(change, reader):
    with pytest.raises(RegistrySpecError):
        dataclasses.replace(BRIEFING, **change)


@pytest.mark.parametrize("missing", ["report", "title", "record_label", "date", "label"])
def test_a_spec_must_name_what_the_report_and_the_plan_need(missing):
    fields = {f.name: getattr(BRIEFING, f.name) for f in dataclasses.fields(RegistrySpec)}
    del fields[missing]
    with pytest.raises(TypeError):
        RegistrySpec(**fields)


def test_a_registry_left_out_of_the_report_or_declared_twice_is_refused():
    check_specs(REGISTRY_SPECS, REPORT_ORDER)
    with pytest.raises(RegistrySpecError, match="REPORT_ORDER"):
        check_specs(REGISTRY_SPECS, REPORT_ORDER[:-1])
    with pytest.raises(RegistrySpecError, match="endpoint declared twice"):
        check_specs((*REGISTRY_SPECS, dataclasses.replace(BRIEFING, report=(Figure("other", "Other"),))),
                    (*REPORT_ORDER, Briefing))
    with pytest.raises(RegistrySpecError, match="figure declared twice"):
        check_specs((*REGISTRY_SPECS, dataclasses.replace(BRIEFING, endpoint="briefing_2")),
                    (*REPORT_ORDER, Briefing))


# --- every reader iterates the specs ---------------------------------------------------------------

def test_the_admin_shows_every_registry_in_spec_order(app):
    views = [v for admin in app.extensions["admin"] for v in admin._views if hasattr(v, "spec")]
    assert [v.endpoint for v in views] == [spec.endpoint for spec in REGISTRY_SPECS]
    for view in views:
        assert view.model is view.spec.model and view.column_default_sort == (view.spec.date, True)


def test_the_builder_the_plan_the_report_and_compliance_read_every_spec(app_ctx):
    tables = [spec.table for spec in REGISTRY_SPECS]
    assert [key for key in report_builder.DATASETS if key in tables] == tables
    assert list(plans.RECORD_LABELS) == tables and list(plans.REGISTRY_BY_TABLE) == tables
    activities = next(s for s in report_layout.SECTIONS if s.key == "activities")
    assert [line.path for line in activities.lines] == [f"activities.{f.key}" for _s, f in report_figures()]
    assert {spec.table for spec, _figure in report_figures()} == set(tables)
    declared = {spec.duty: spec.model for spec in REGISTRY_SPECS if spec.duty}
    assert declared == compliance.REGISTRY_CHECKS and set(declared) <= set(compliance.CHECKS)


def test_each_report_line_cites_its_registrys_rule(app_ctx):
    with force_locale("en"):
        for spec, figure in report_figures():
            assert f"[{spec.rule}]" in str(figure.label), (spec.endpoint, figure.key)
