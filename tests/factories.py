"""Factories for tests: cases and organizations made through the services."""
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
