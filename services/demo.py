"""Demo data for a newcomer's machine (never in production). Idempotent."""
from datetime import date

from sqlalchemy import select

from extensions import db
from models import Appointment, AppointmentStep, Briefing, Case, Memorandum, Organization, PlanItem, YearPlan
from core.passwords import hash_password
from services.users import create_user, find_by_email

DEMO_PASSWORD = "demo-password-123"
DEMO_NOTE = "Демо-деректер"  # shown on the records: kk and ru read it alike

DEMO_USERS = (
    ("superadmin@demo.kz", "superadmin", None, "Ерлан Тұрсынов"),
    ("commissioner@demo.kz", "commissioner", None, "Гүлнар Әбенова"),
    ("committee@demo.kz", "committee", None, "Марат Сейітов"),
    ("akimat.75@demo.kz", "akimat_admin", "75", "Әсел Нұрланқызы"),
    ("ombudsman.75@demo.kz", "ombudsman", "75", "Айгерім Сәрсенова"),
    ("akimat.71@demo.kz", "akimat_admin", "71", "Бауыржан Омаров"),
    ("ombudsman.71@demo.kz", "ombudsman", "71", "Нұрлан Жақыпов"),
)

# (region, name, e-mail, workplace, state): the two demo ombudsmen in office, and one
# consent request waiting for the Commissioner in a third region [R4].
DEMO_APPOINTMENTS = (
    ("75", "Айгерім Сәрсенова", "ombudsman.75@demo.kz", "№ 12 мектеп-гимназия, директор", "active"),
    ("71", "Нұрлан Жақыпов", "ombudsman.71@demo.kz", "Астана медициналық университеті", "active"),
    ("79", "Гүлнар Оспанова", "g.ospanova@demo.kz", "Шымкент қалалық адвокаттар алқасы",
     "consent_requested"),
)


def seed_demo():
    """Create the demo users (or reset their password) and appointments; return the logins."""
    for email, role, region, name in DEMO_USERS:
        user = find_by_email(email)
        if user is None:
            create_user(email, role, DEMO_PASSWORD, region_code=region, name=name)
        else:
            user.password_hash = hash_password(DEMO_PASSWORD)
            user.is_enabled = True
    db.session.flush()
    for row in DEMO_APPOINTMENTS:
        _seed_appointment(*row)
    for region in ("75", "71"):
        _seed_directory(region)
    db.session.flush()
    _seed_cases()
    _seed_registries()
    db.session.flush()
    return [email for email, *_ in DEMO_USERS]


def _seed_appointment(region, name, email, workplace, state):
    if db.session.scalar(select(Appointment.id).where(Appointment.region_code == region)):
        return
    appointment = Appointment(region_code=region, full_name=name, email=email, workplace=workplace,
                              state=state, note=DEMO_NOTE)
    steps = [("propose", None, "draft"), ("request_consent", "draft", "consent_requested")]
    if state == "active":
        appointment.consent_number, appointment.consent_date = "04-12/318", date(2025, 1, 20)
        appointment.order_number, appointment.order_date = "15-ө", date(2025, 2, 3)
        appointment.user = find_by_email(email)
        steps += [("grant_consent", "consent_requested", "consent_granted"),
                  ("record_order", "consent_granted", "active")]
    db.session.add(appointment)
    for action, old, new in steps:
        db.session.add(AppointmentStep(appointment=appointment, action=action, from_state=old,
                                       to_state=new, note=DEMO_NOTE))


# The partner organizations each demo region's alerts and placements go to [R7].
DEMO_DIRECTORY = (
    ("guardianship", "Қорғаншылық және қамқоршылық органы", "Орган опеки и попечительства", "opeka"),
    ("police", "Полиция департаменті, ювеналдық полиция", "Департамент полиции, ювенальная полиция",
     "police"),
    ("akimat", "Әкімдік", "Акимат", "akimat"),
    ("crisis_centre", "Дағдарыс орталығы", "Кризисный центр", "crisis"),
    ("adaptation_centre", "Кәмелетке толмағандарды бейімдеу орталығы",
     "Центр адаптации несовершеннолетних", "adaptation"),
    ("child_support_centre", "Балаларды қолдау орталығы", "Центр поддержки детей", "support"),
    ("medical_organization", "Қалалық балалар ауруханасы", "Городская детская больница", "hospital"),
    ("education", "Білім басқармасы", "Управление образования", "education"),
)


def _seed_directory(region):
    if db.session.scalar(select(Organization.id).where(Organization.region_code == region)):
        return
    for kind, kk, ru, mailbox in DEMO_DIRECTORY:
        db.session.add(Organization(region_code=region, type=kind, name_kk=kk, name_ru=ru,
                                    email=f"{mailbox}.{region}@demo.kz", phone="+7 700 000 00 00"))


# (region, kind, categories, responsible, danger now, description, child): a few cases so that
# the queue, the checklist and the reports have something to show.
DEMO_CASES = (
    ("75", "appeal", ["bullying"], "education_org", False,
     "Сыныптастары балаға күн сайын күш көрсетеді, мұғалім ештеңе істемейді.", {"age": 11, "sex": "boy"}),
    ("75", "appeal", ["violence"], "parent_cohabiting", True,
     "Көршілер әкесінің кешке баланы ұрғанын естиді; бала мектепке көгерген келеді.", {"age": 8, "sex": "girl"}),
    ("71", "complaint", ["education"], "local_executive", False,
     "Аудандық білім бөлімі мүгедектігі бар балаға инклюзивті сынып ашудан бас тартты.",
     {"birth_year": 2014, "sex": "unspecified"}),
)


def _seed_cases():
    from services.cases import submit_case

    if db.session.scalar(select(Case.id).limit(1)) is not None:
        return
    for region, kind, categories, responsible, danger, description, child in DEMO_CASES:
        report = dict(region_code=region, kind=kind, categories=categories, responsible=responsible,
                      danger_now=danger, description=description, language="kk",
                      complaint_target="Аудандық білім бөлімі" if kind == "complaint" else None)
        submit_case(report, [child])


def _seed_registries():
    """Region 75 has its year plan approved on time, a briefing and a memorandum [R6.1], [R6.8], [R6.10]."""
    if db.session.scalar(select(YearPlan.id).where(YearPlan.region_code == "75")) is not None:
        return
    year = date.today().year
    plan = YearPlan(region_code="75", year=year, state="approved", approved_on=date(year - 1, 12, 20))
    plan.items = [PlanItem(position=1, activity="Мектептердегі буллингке қарсы ақпараттық науқан",
                           planned_quarter=1, rule="R12", status="done"),
                  PlanItem(position=2, activity="Жартыжылдық брифинг", planned_month=7, rule="R6.10")]
    db.session.add(plan)
    db.session.add(Briefing(region_code="75", held_on=date(year, 7, 10), topic="Балалар құқықтарын қорғау: "
                            "бірінші жартыжылдықтың қорытындысы", note=DEMO_NOTE))
    db.session.add(Memorandum(region_code="75", title="Ювеналдық полициямен өзара іс-қимыл туралы меморандум",
                              signed_on=date(year, 2, 14), valid_until=date(year + 1, 2, 14), note=DEMO_NOTE))
