"""Factories for tests: cases and organizations made through the services; one valid record
of every registry."""
from datetime import date

from extensions import db
from models import Organization
from services.cases import submit_case

REPORT = dict(kind="appeal", categories=["neglect"], description="Бала мектепте күн сайын ренжітіледі.",
              responsible="education_org", danger_now=False, language="kk")


def gen_case(region="75", children=({"age": 10, "sex": "girl"},), **overrides):
    """A case submitted through the public intake service (not committed)."""
    report = dict(REPORT, region_code=region, **overrides)
    case, code = submit_case(report, [dict(c) for c in children], consent=True)
    return case, code


def gen_directory(region="75"):
    """The partner organizations that receive alerts and placements [R7]."""
    rows = [
        ("guardianship", "Қорғаншылық органы", "Орган опеки", f"opeka.{region}@test.kz"),
        ("police", "Полиция департаменті", "Департамент полиции", f"police.{region}@test.kz"),
        ("akimat", "Әкімдік", "Акимат", f"akimat.{region}@test.kz"),
        ("crisis_centre", "Дағдарыс орталығы", "Кризисный центр", f"crisis.{region}@test.kz"),
        ("ngo", "ҚБ", "НПО", f"ngo.{region}@test.kz"),
    ]
    orgs = {kind: Organization(region_code=region, type=kind, name_kk=kk, name_ru=ru, email=email)
            for kind, kk, ru, email in rows}
    db.session.add_all(orgs.values())
    db.session.flush()
    return orgs


REGISTRY_DAY = date(2026, 3, 2)
# One valid record of every registry, by its endpoint (``RegistrySpec.endpoint``): the free-text
# column a test writes its marker in, and the other values. A registry without a line here
# fails tests/test_registry_specs.py.
REGISTRY_SAMPLES = {
    "memorandum": ("title", {"signed_on": REGISTRY_DAY}),
    "commission_meeting": ("agenda", {"commission": "kdn", "held_on": REGISTRY_DAY}),
    "commission_membership": ("decision_number", {"commission": "kdn", "decision_date": REGISTRY_DAY,
                                                  "member_from": REGISTRY_DAY}),
    "advisory_body": ("name", {"host_organization": "Әкімдік", "basis": "agreement",
                               "member_since": REGISTRY_DAY}),
    "visit": ("organization_name", {"organization_type": "penal_institution", "visited_on": REGISTRY_DAY}),
    "interaction": ("body", {"dated_on": REGISTRY_DAY, "direction": "outgoing", "kind": "request",
                             "subject": "Мектеп жатақханасы туралы сұрау"}),
    "document_request": ("addressee", {"subject": "Мектеп құжаттары", "sent_on": REGISTRY_DAY}),
    "court_hearing": ("court", {"court_case_number": "2-123/2026", "hearing_on": REGISTRY_DAY}),
    "recommendation": ("text", {"submitted_on": REGISTRY_DAY}),
    "briefing": ("topic", {"held_on": REGISTRY_DAY}),
    "event": ("title", {"held_on": REGISTRY_DAY}),
    "campaign": ("title", {"kind": "project", "started_on": REGISTRY_DAY}),
    "publication": ("title", {"outlet": "Instagram", "published_on": REGISTRY_DAY,
                              "confirmed_by": "ПД Алматы"}),
}


def gen_registry_record(spec, marker, region="75", **extra):
    """A valid record of the registry ``spec`` in ``region``, its marker in its free-text
    column (not added to the session)."""
    attribute, values = REGISTRY_SAMPLES[spec.endpoint]
    return spec.model(region_code=region, **{attribute: marker, **values, **extra})
