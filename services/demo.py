"""Demo data for a newcomer's machine (never in production). Idempotent."""
from datetime import date

from sqlalchemy import select

from extensions import db
from models import (Appointment, AppointmentStep, Briefing, Case, Memorandum, Organization, PlanItem, Region,
                    RegionOffice, YearPlan)
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
    seed_offices()
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


# Each region's office (issue 19, item 6), fictional but as offices write them: the region's
# centre (kk, ru), its postcode and a landline with the centre's dialling code.
DEMO_OFFICES = {
    "10": ("Семей", "Семей", "071400", "+7 7222 00 00 00"),
    "11": ("Көкшетау", "Кокшетау", "020000", "+7 7162 00 00 00"),
    "15": ("Ақтөбе", "Актобе", "030000", "+7 7132 00 00 00"),
    "19": ("Қонаев", "Конаев", "040800", "+7 72772 0 00 00"),
    "23": ("Атырау", "Атырау", "060000", "+7 7122 00 00 00"),
    "27": ("Орал", "Уральск", "090000", "+7 7112 00 00 00"),
    "31": ("Тараз", "Тараз", "080000", "+7 7262 00 00 00"),
    "33": ("Талдықорған", "Талдыкорган", "040000", "+7 7282 00 00 00"),
    "35": ("Қарағанды", "Караганда", "100000", "+7 7212 00 00 00"),
    "39": ("Қостанай", "Костанай", "110000", "+7 7142 00 00 00"),
    "43": ("Қызылорда", "Кызылорда", "120000", "+7 7242 00 00 00"),
    "47": ("Ақтау", "Актау", "130000", "+7 7292 00 00 00"),
    "55": ("Павлодар", "Павлодар", "140000", "+7 7182 00 00 00"),
    "59": ("Петропавл", "Петропавловск", "150000", "+7 7152 00 00 00"),
    "61": ("Түркістан", "Туркестан", "161200", "+7 72533 0 00 00"),
    "62": ("Жезқазған", "Жезказган", "100600", "+7 7102 00 00 00"),
    "63": ("Өскемен", "Усть-Каменогорск", "070000", "+7 7232 00 00 00"),
    "71": ("Астана", "Астана", "010000", "+7 7172 00 00 00"),
    "75": ("Алматы", "Алматы", "050000", "+7 727 000 00 00"),
    "79": ("Шымкент", "Шымкент", "160000", "+7 7252 00 00 00"),
}
# "Аппарат акима города Астаны": the three cities in the genitive, as the akimats write them.
CITY_GENITIVE_RU = {"71": "города Астаны", "75": "города Алматы", "79": "города Шымкента"}


def _akim_apparatus(region):
    """The akim's apparatus of ``region`` (kk, ru), the data controller of the demo offices."""
    if region.is_city:
        genitive = CITY_GENITIVE_RU[region.code]
    elif region.name_ru.startswith("область "):  # "область Абай": "области Абай"
        genitive = "области " + region.name_ru.removeprefix("область ")
    else:  # "Акмолинская область": "Акмолинской области"
        genitive = region.name_ru.replace("ая область", "ой области")
    return f"{region.official_name('kk')} әкімінің аппараты", f"Аппарат акима {genitive}"


def seed_offices():
    """Every region's office contacts and data controller; an office already there is kept."""
    for region in db.session.scalars(select(Region).where(~Region.office.has())):
        centre_kk, centre_ru, postcode, landline = DEMO_OFFICES[region.code]
        street_kk = f"{postcode}, {centre_kk} қ., Абай даңғылы, 1"
        street_ru = f"{postcode}, г. {centre_ru}, просп. Абая, 1"
        controller_kk, controller_ru = _akim_apparatus(region)
        db.session.add(RegionOffice(
            region_code=region.code, phones=f"{landline}, +7 700 000 00 {region.code}",
            email=f"office.{region.code}@demo.kz",
            address_kk=f"{street_kk}, 214-кабинет", address_ru=f"{street_ru}, кабинет 214",
            hours_kk="Дс–Жм 9:00–18:00, түскі үзіліс 13:00–14:00",
            hours_ru="Пн–Пт 9:00–18:00, перерыв 13:00–14:00",
            controller_name_kk=controller_kk, controller_name_ru=controller_ru,
            controller_address_kk=street_kk, controller_address_ru=street_ru))


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
