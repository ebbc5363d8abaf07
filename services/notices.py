"""Official notices to bodies outside the office: [R10.1] to the Commissioner, the Committee and
the akim, [R10.3] to the guardianship authority and the police, and the daily digest of what
is overdue, which reaches the Commissioner's office and the akimat too.

Each reads as an official letter, in Kazakh and then in Russian in one message (the
recipient's language is not known): no codes, no English, the rule named in words
("Қағидалардың 10-тармағының 1) тармақшасы", "подпункт 1) пункта 10 Правил"), dates in
words, the region with its kind ("Алматы қаласы"). It carries what the recipient needs to
act: region and registration number, when and where, what was reported, the children's
age groups and sex, whether a child is in danger now, who is responsible, and the regional
ombudsman's name and contacts. Children's names and IINs go only to the guardianship
authority and the police [R10.3], and only when the reporter consented to their processing.
"""
from flask_babel import force_locale, gettext
from sqlalchemy import select

from extensions import db
from models import Appointment, User
from models.appointment import AppointmentState
from models.case import CATEGORIES, RESPONSIBLE, SEXES
from models.checklist import RULE_LABELS
from services.deadlines import KZ_TZ
from core.formats import LOCALES, N_, bilingual_subject, date_in_words
from services.reports import AGE_GROUPS

SUBJECTS = {
    "R10.1": N_("Notice of a violation of a child's rights: case %(number)s, %(region)s"),
    "R10.3": N_("Notice of a violation by a parent living with the child: case %(number)s, %(region)s"),
}
OPENINGS = {
    "R10.1": N_("Under subparagraph 1) of paragraph 10 of the Rules of activity of the regional "
                "commissioner for children's rights, approved by Order No. 149 of the Minister of "
                "Enlightenment of the Republic of Kazakhstan of 19 June 2024, we inform you that a "
                "violation of a child's rights has been reported."),
    "R10.3": N_("Under subparagraph 3) of paragraph 10 of the Rules of activity of the regional "
                "commissioner for children's rights, approved by Order No. 149 of the Minister of "
                "Enlightenment of the Republic of Kazakhstan of 19 June 2024, we inform you that a "
                "violation of a child's rights by a parent or legal representative living with the "
                "child has been reported."),
}
AGE_WORDS = {"0-5": N_("0 to 5 years old"), "6-9": N_("6 to 9 years old"), "10-13": N_("10 to 13 years old"),
             "14-17": N_("14 to 17 years old")}


def violation_notice(case, rule, identities=False):
    """``(subject, body)`` of the notice of ``rule`` ("R10.1" or "R10.3") about ``case``;
    ``identities``: the children's names and IINs, for the guardianship authority and the
    police when the reporter consented."""
    subject = bilingual_subject(SUBJECTS[rule], number=case.registration_number, region=case.region)
    ombudsman = _ombudsman(case.region_code)
    letters = []
    for locale in LOCALES:
        with force_locale(locale):
            letters.append("\n".join(_letter(case, rule, identities and case.consent_given_at, locale, ombudsman)))
    return subject, "\n\n\n".join(letters)


def _letter(case, rule, identities, locale, ombudsman):
    yield gettext(OPENINGS[rule])
    yield ""
    yield gettext("Region: %(region)s", region=case.region.official_name(locale))
    yield gettext("Registration number of the case: %(number)s", number=case.registration_number)
    yield gettext("Registered on: %(date)s",
                  date=date_in_words(case.registered_at.astimezone(KZ_TZ).date(), locale))
    if case.occurred_when or case.occurred_where:
        yield gettext("When and where it happened, as reported: %(place)s",
                      place=", ".join(filter(None, (case.occurred_when, case.occurred_where))))
    yield gettext("What was reported: %(what)s",
                  what=", ".join(str(CATEGORIES[c]).lower() for c in case.categories))
    yield gettext("Who is responsible, as reported: %(party)s", party=str(RESPONSIBLE[case.responsible]).lower())
    yield gettext("A child is in danger now: %(answer)s", answer=gettext("yes") if case.danger_now else gettext("no"))
    for number, child in enumerate(case.children, start=1):
        yield gettext("Child %(number)s: %(age)s, %(sex)s", number=number,
                      age=gettext(AGE_WORDS[_age_group(case, child)]), sex=str(SEXES[child.sex]).lower())
        if identities and (child.name or child.iin):
            yield gettext("Child %(number)s by name: %(name)s; IIN: %(iin)s", number=number,
                          name=child.name or "—", iin=child.iin or "—")
    yield ""
    yield gettext("The regional children's ombudsman is acting on it: %(name)s, %(contacts)s.",
                  name=ombudsman[0] or gettext("not appointed"), contacts=", ".join(filter(None, ombudsman[1:])) or "—")


def _age_group(case, child):
    age = child.age if child.age is not None else case.received_at.astimezone(KZ_TZ).year - child.birth_year
    return next((name for name, _low, high in AGE_GROUPS if age <= high), AGE_GROUPS[-1][0])


def _ombudsman(region_code):
    """(name, phone, e-mail) of the region's ombudsman in office, from the appointment, or from
    the account when there is no appointment recorded; Nones when there is nobody."""
    appointment = db.session.scalar(select(Appointment).where(Appointment.region_code == region_code,
                                                              Appointment.state.in_(AppointmentState.IN_OFFICE)))
    if appointment is not None:
        return appointment.full_name, appointment.phone, appointment.email
    user = db.session.scalar(select(User).where(User.role == "ombudsman", User.region_code == region_code,
                                                User.is_enabled.is_(True)).order_by(User.id))
    return (user.name or None, None, user.email) if user else (None, None, None)


def overdue_digest(region, overdue):
    """``(subject, body)`` of a region's daily digest of what is overdue (services.escalation):
    checklist items by what they are, cases past their deadline or their forwarding term."""
    subject = bilingual_subject(N_("Overdue in %(region)s"), region=region)
    letters = []
    for locale in LOCALES:
        with force_locale(locale):
            letters.append("\n".join(_digest_lines(overdue, locale)))
    return subject, "\n\n\n".join(letters)


def _digest_lines(overdue, locale):
    yield gettext("Overdue checklist items and cases past their deadline:")
    for item in overdue["items"]:
        yield gettext("case %(number)s: %(what)s, due %(date)s", number=item.case.registration_number,
                      what=str(RULE_LABELS[item.rule]).lower(),
                      date=date_in_words(item.due_at.astimezone(KZ_TZ).date(), locale))
    for case in overdue["cases"]:
        yield gettext("case %(number)s: the answer was due %(date)s", number=case.registration_number,
                      date=date_in_words(case.deadline, locale))
    for case in overdue["forward"]:
        yield gettext("case %(number)s: not taken up, to be forwarded by %(date)s", number=case.registration_number,
                      date=date_in_words(case.forward_due_on, locale))
