"""Figure 1: a realistic bench database, loaded fast.

``seed(database_url, cases=1_000_000)`` builds the schema (``flask db upgrade``) and adds
cases until the database holds ``cases`` of them: over the 20 regions (weighted by
population) and five calendar years up to now, in time order, each with its children,
workflow steps, messages, [R10]/[R11] checklist, alerts in the outbox with their delivery
attempts; and per region and year the registries ([R6.1]-[R6.11], [R9], [R12], [R13]) in
proportion. Registration numbers ``<region>-<year>-<sequence>`` are gapless per region
and year and ``case_counter`` is set to match, so the app goes on numbering after them.
Everything is written with ``COPY`` in chunks, in one transaction (the secondary indexes
of the big tables are dropped and rebuilt inside it, so an interrupted run leaves nothing),
then ``VACUUM ANALYZE``. A database that already holds enough cases is left alone.

Each table's rows come from one small function (``case_row``, ``child_rows``, …); the
identities (names, IIN, the reporter's contacts) are encrypted there with the app's keys
and the IIN is stored with its keyed hash, as the app stores them.

    python -m bench.seed --cases 1000000 --database-url postgresql://postgres@127.0.0.1/bench
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import queue
import random
import threading
import time
from array import array
from datetime import date, datetime, timedelta, timezone
from datetime import time as dtime
from functools import lru_cache
from zoneinfo import ZoneInfo

from bench.common import Row, flask_env, libpq_url, migrate, say

KZ = ZoneInfo("Asia/Almaty")
YEARS = 5
CHUNK_CASES = 20_000
REBUILD_INDEXES_FROM = 50_000  # cases added: below this, indexes are kept during the load
RANDOM_SEED = 20260625

# Region code → weight (roughly the population, 2024).
REGION_WEIGHTS = {
    "10": 6, "11": 8, "15": 10, "19": 16, "23": 7, "27": 7, "31": 12, "33": 7, "35": 11,
    "39": 8, "43": 9, "47": 8, "55": 7, "59": 5, "61": 21, "62": 2, "63": 7, "71": 15,
    "75": 23, "79": 12,
}

# --- words of the descriptions (real Kazakh and Russian, so that word search is real) ----

# Places: each appears in about 0.5 % of the cases; bench/lists.py searches one of them.
PLACES = (
    "Қарасай", "Талғар", "Еңбекшіқазақ", "Іле", "Жамбыл", "Райымбек", "Кеген", "Ұйғыр", "Панфилов",
    "Сарқант", "Ақсу", "Көксу", "Ескелді", "Балқаш", "Алакөл", "Қаратал", "Байзақ", "Меркі",
    "Шу", "Қордай", "Мойынқұм", "Сарысу", "Талас", "Жуалы", "Сайрам", "Түлкібас", "Төлеби",
    "Қазығұрт", "Мақтаарал", "Жетісай", "Келес", "Сарыағаш", "Ордабасы", "Бәйдібек", "Созақ",
    "Отырар", "Арыс", "Кентау", "Түркістан", "Шардара", "Жаңақорған", "Шиелі", "Сырдария",
    "Жалағаш", "Қармақшы", "Арал", "Қазалы", "Байқоңыр", "Теміртау", "Балқаш", "Шахтинск",
    "Саран", "Абай", "Бұқар", "Осакаров", "Нұра", "Шет", "Ақтоғай", "Қарқаралы", "Екібастұз",
    "Ақсу", "Баянауыл", "Железин", "Ертіс", "Май", "Успен", "Щербакты", "Рудный", "Лисаков",
    "Арқалық", "Жітіқара", "Қостанай", "Әулиекөл", "Денисов", "Меңдіқара", "Ұзынкөл", "Қамысты",
    "Хромтау", "Қандыағаш", "Шалқар", "Ырғыз", "Мұғалжар", "Темір", "Ойыл", "Қарғалы", "Алға",
    "Жаңаөзен", "Бейнеу", "Маңғыстау", "Түпқараған", "Қарақия", "Мұнайлы", "Құлсары", "Мақат",
    "Индер", "Исатай", "Махамбет", "Қызылқоға", "Ақсай", "Бөрлі", "Теректі", "Жәнібек",
    "Сырым", "Казталов", "Риддер", "Зайсан", "Катонқарағай", "Күршім", "Ұлан", "Глубокое",
    "Семей", "Аягөз", "Үржар", "Бесқарағай", "Көкпекті", "Ақкөл", "Степногорск", "Щучинск",
    "Атбасар", "Есіл", "Макинск", "Петропавл", "Тайынша", "Булаево", "Мамлют", "Сергеев",
    "Жезқазған", "Сәтбаев", "Қаражал", "Ұлытау",
)
SEARCH_WORD = "Сарыағаш"         # a place: ~0.5 % of the cases
COMMON_WORD = "мектеп"           # with its endings (мектепте, мектептен…): about half the cases

KK_SENTENCES = (
    "Сыныптастары баланы күн сайын қорлайды, мұғалім ешқандай шара қолданбайды.",
    "Бала {place} ауданындағы №{n} мектепте оқиды, сабаққа барудан қорқады.",
    "Өгей әкесі баланы жиі ұрады, көршілер айғайды естиді.",
    "Анасы жұмыссыз, балалар тамақсыз қалып жүр, үйде жылу жоқ.",
    "Мектеп директоры мүгедектігі бар баланы қабылдаудан бас тартты.",
    "{place} ауылында балабақшаға орын берілмей жатыр, кезек екі жылдан бері жылжымайды.",
    "Жасөспірімді базарда ауыр жұмысқа жегіп, ақысын төлемейді.",
    "Бала ауруханада дер кезінде көмек алмады, дәрігерлер қабылдамады.",
    "Әлеуметтік төлем үш ай бойы тағайындалмай жатыр, құжаттар қайта-қайта қайтарылады.",
    "Интернетте баланың суретін таратып, қорқытып ақша талап етеді.",
    "Мектеп автобусы {place} ауылынан балаларды тасымалдамайды, балалар жаяу жүреді.",
    "Қыз бала мектепте зорлық-зомбылыққа ұшырады, ата-анасы полицияға жүгінді.",
    "Балалар үйінде тәрбиешілер балаларға қатыгездік көрсетеді деген ақпарат бар.",
    "Ата-анасы ажырасқаннан кейін әкесі баланы анасына көрсетпейді.",
    "Жергілікті атқарушы орган көпбалалы отбасына тұрғын үй беруден бас тартты.",
    "Баланың денсаулығы нашар, бірақ емханада мамандар жоқ, {place} қаласына бару керек.",
    "Мектепте ыстық тамақ берілмейді, балалар аш отырады.",
    "Бала үйден кетіп қалды, ата-анасы іздестіру туралы арыз берді.",
    "Сынып жетекшісі баланы басқа балалардың алдында қорлады.",
    "Көрші үйдегі балалар қараусыз қалады, ата-анасы ішімдікке салынған.",
    "Мектеп-интернатта балалар суық бөлмелерде тұрады, киім жетіспейді.",
    "Жасөспірімге кәмелетке толмағандар ісі жөніндегі комиссия шешімі негізсіз шығарылды.",
    "Инклюзивті білім беру үшін тьютор бөлінбеді, бала үйде отыр.",
    "Бала спорт секциясында жаттықтырушыдан зәбір көрді.",
    "Отбасы {place} ауданына көшкеннен кейін балаларды мектепке қабылдамады.",
)
RU_SENTENCES = (
    "Одноклассники каждый день унижают ребёнка, классный руководитель не принимает мер.",
    "Ребёнок учится в школе №{n} в посёлке {place} и боится ходить на уроки.",
    "Отчим регулярно избивает ребёнка, соседи слышат крики по вечерам.",
    "Мать не работает, дети остаются без еды, в доме нет отопления.",
    "Директор школы отказал в приёме ребёнку с инвалидностью.",
    "В посёлке {place} ребёнку не дают место в детском саду, очередь не движется два года.",
    "Подростка заставляют работать на рынке и не платят за работу.",
    "Ребёнку не оказали своевременную помощь в больнице, врачи отказали в приёме.",
    "Социальное пособие не назначают уже три месяца, документы возвращают снова и снова.",
    "В интернете распространяют фотографии ребёнка и вымогают деньги.",
    "Школьный автобус не возит детей из посёлка {place}, дети ходят пешком.",
    "Девочка подверглась насилию в школе, родители обратились в полицию.",
    "Есть сведения, что воспитатели детского дома жестоко обращаются с детьми.",
    "После развода отец не даёт матери видеться с ребёнком.",
    "Местный исполнительный орган отказал многодетной семье в жилье.",
    "У ребёнка слабое здоровье, но в поликлинике нет специалистов, приходится ездить в {place}.",
    "В школе не дают горячее питание, дети сидят голодные.",
    "Ребёнок ушёл из дома, родители подали заявление о розыске.",
    "Классный руководитель унизил ребёнка перед другими детьми.",
    "Дети соседей остаются без присмотра, родители злоупотребляют алкоголем.",
    "В школе-интернате дети живут в холодных комнатах, не хватает одежды.",
    "Решение комиссии по делам несовершеннолетних в отношении подростка вынесено без оснований.",
    "Для инклюзивного обучения не выделили тьютора, ребёнок сидит дома.",
    "Ребёнок пострадал от тренера в спортивной секции.",
    "После переезда семьи в {place} детей не приняли в школу.",
)
EN_SENTENCES = (
    "Older pupils take his lunch and push him every day after school.",
    "The child studies at school No. {n} in {place} and is afraid to attend lessons.",
    "The stepfather beats the child, and the neighbours hear shouting in the evenings.",
    "The family has no heating and the children often go without food.",
    "The school refused to admit a child with a disability.",
)
KK_FIRST = ("Айгерім", "Нұрлан", "Данияр", "Аружан", "Ерасыл", "Әсел", "Мирас", "Томирис", "Алихан",
            "Жансая", "Нұрсұлтан", "Аяулым", "Ислам", "Дана", "Бекзат", "Інжу", "Арман", "Мадина")
KK_LAST = ("Сәрсенов", "Жақыпов", "Омаров", "Серіков", "Ахметов", "Оспанов", "Төлеуов", "Бекова",
           "Нұрланова", "Әбдірахманов", "Қасымов", "Ержанова", "Сейітов", "Мұратова")
RU_FIRST = ("Анна", "Максим", "Дарья", "Артём", "Полина", "Иван", "София", "Кирилл", "Алина", "Егор")
RU_LAST = ("Иванов", "Петрова", "Смирнов", "Ковалёва", "Ким", "Шевченко", "Попов", "Морозова")
SCHOOLS = ("№{n} мектеп-гимназия", "№{n} жалпы білім беретін мектеп", "Школа-лицей №{n}",
           "Средняя школа №{n}", "№{n} балабақша", "{place} ауылының мектебі")

CATEGORY_WEIGHTS = {"bullying": 18, "violence": 16, "neglect": 14, "education": 16, "health": 9,
                    "social_support": 12, "sexual_abuse": 3, "exploitation": 3, "other": 9}
RESPONSIBLE_WEIGHTS = {"parent_cohabiting": 18, "family_member": 8, "education_org": 24,
                       "health_org": 8, "social_org": 8, "local_executive": 10, "other_person": 12,
                       "unknown": 12}
COMPLAINT_RESPONSIBLE = ("local_executive", "education_org", "health_org", "social_org")
CHANNEL_WEIGHTS = {"web": 55, "phone": 12, "visit": 10, "letter": 8, "email": 6, "e_otinish": 6,
                   "line_111": 2, "media": 1}
PERSON_RESPONSIBLE = ("parent_cohabiting", "family_member", "other_person", "local_executive",
                      "education_org", "health_org", "social_org")
PERSON_LABELS = {  # [R10.2] whom the conversation is with, as the checklist writes it (kk)
    "parents": "Баланың ата-анасы немесе заңды өкілдері",
    "parent_cohabiting": "Баламен бірге тұратын ата-ана немесе заңды өкіл",
    "family_member": "Отбасының басқа мүшесі", "other_person": "Басқа адам",
    "local_executive": "Жергілікті атқарушы орган (әкімдік) немесе лауазымды тұлға",
    "education_org": "Мектеп, балабақша немесе басқа білім беру ұйымы",
    "health_org": "Аурухана, емхана немесе басқа денсаулық сақтау ұйымы",
    "social_org": "Әлеуметтік қорғау ұйымы",
}
R11 = ("R11.1", "R11.2", "R11.3", "R11.4", "R11.5", "R11.6", "R11.7")
R11_ALWAYS = ("R11.1", "R11.3", "R11.4", "R11.6")
R11_IN_DANGER = ("R11.2", "R11.7")
R11_URGENT = ("R11.1", "R11.2", "R11.7")
POLICE_CATEGORIES = {"violence", "sexual_abuse", "exploitation", "neglect"}


def _choices(weights):
    """(keys, cumulative weights) for ``_pick``."""
    keys = list(weights)
    total, cum = 0, []
    for key in keys:
        total += weights[key]
        cum.append(total)
    return keys, cum


def _pick(rng, choices):
    keys, cum = choices
    return rng.choices(keys, cum_weights=cum)[0]


# --- COPY plumbing -------------------------------------------------------------------------

def _text(value):
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _array(values):
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def _json(value):
    return _text(json.dumps(value, ensure_ascii=False))


_FORMAT = {  # value type → its COPY text form
    str: _text, int: str, float: repr, bool: lambda v: "t" if v else "f", type(None): lambda v: "\\N",
    datetime: datetime.isoformat, date: date.isoformat, list: lambda v: _text(_array(v)),
    tuple: lambda v: _text(_array(v)), dict: _json,
}


def _line(row):
    return "\t".join([_FORMAT[type(value)](value) for value in row])


class Copier:
    """Rows buffered per table as COPY text. ``flush`` hands the buffers, in FK dependency
    order, to a thread that sends them while the next chunk is being generated (the
    driver releases the GIL while Postgres parses); ``close`` waits for the last one."""

    def __init__(self, cursor, columns):
        self.cursor = cursor
        self.columns = columns  # {table: (column, ...)}, in FK dependency order
        self.buffers = {table: io.StringIO() for table in columns}
        self.counts = dict.fromkeys(columns, 0)
        self.pending = queue.Queue(maxsize=2)
        self.failure = None
        self.sender = threading.Thread(target=self._send, daemon=True)
        self.sender.start()

    def add(self, table, rows):
        write = self.buffers[table].write
        for row in rows:
            write(_line(row))
            write("\n")
        self.counts[table] += len(rows)

    def flush(self):
        if self.failure:
            raise self.failure
        chunk = [(table, buffer) for table, buffer in self.buffers.items() if buffer.tell()]
        self.buffers = {table: io.StringIO() for table in self.columns}
        if chunk:
            self.pending.put(chunk)

    def close(self):
        self.flush()
        self.pending.put(None)
        self.sender.join()
        if self.failure:
            raise self.failure
        return self.counts

    def _send(self):
        while (chunk := self.pending.get()) is not None:
            if self.failure:
                continue
            try:
                for table, buffer in chunk:
                    buffer.seek(0)
                    self.cursor.copy_expert(
                        f"COPY {table} ({', '.join(self.columns[table])}) FROM STDIN", buffer)
            except Exception as exc:  # noqa: BLE001 — raised again in the generating thread
                self.failure = exc


# --- one case's story ----------------------------------------------------------------------

class Ids:
    """The next id of each table (ids are given here, sequences set at the end)."""

    def __init__(self, start):
        self.next = dict(start)

    def take(self, table):
        value = self.next[table]
        self.next[table] = value + 1
        return value


@lru_cache(maxsize=8192)
def _due(local_day, after_cutoff):
    """15 working days from receipt, by the app's own calendar (without DB overrides)."""
    calendar = _calendar()
    day = local_day
    if not calendar.is_working_day(day) or after_cutoff:
        day = calendar.add_working_days(day, 1)
    return calendar.add_working_days(day, 15)


@lru_cache(maxsize=1)
def _calendar():
    from services.deadlines import WorkingCalendar

    return WorkingCalendar()


def _later(start, rng, low_days, high_days, now):
    """A time ``low``-``high`` days after ``start``, in office hours; None if after ``now``."""
    at = start + timedelta(days=rng.uniform(low_days, high_days))
    local = at.astimezone(KZ)
    if not 9 <= local.hour < 18:
        at += timedelta(hours=(9 - local.hour) % 24 + rng.uniform(0, 8))
    return at if at <= now else None


class Story:
    """What happened to one case, decided up front; the row functions read it."""

    __slots__ = ("id", "region", "number", "received_at", "registered_at", "kind", "categories",
                 "responsible", "danger", "channel", "language", "reporter", "due_on",
                 "extended_due_on", "state", "started_at", "extended_at", "police_at",
                 "answered_at", "closed_at", "ending", "outcome", "children", "rng", "now")


def plan_case(rng, case_id, region, number, received_at, now):
    s = Story()
    s.rng, s.id, s.region, s.number, s.received_at, s.now = rng, case_id, region, number, received_at, now
    s.registered_at = received_at + timedelta(milliseconds=rng.randint(20, 400))
    s.kind = "complaint" if rng.random() < 0.18 else "appeal"
    s.categories = sorted({_pick(rng, _CATEGORIES) for _ in range(rng.choice((1, 1, 1, 2, 2, 3)))})
    s.responsible = (rng.choice(COMPLAINT_RESPONSIBLE) if s.kind == "complaint"
                     else _pick(rng, _RESPONSIBLE))
    s.danger = rng.random() < 0.04
    s.channel = _pick(rng, _CHANNELS)
    s.language = rng.choices(("kk", "ru", "en"), (60, 38, 2))[0]
    s.reporter = rng.random() < 0.65
    local = received_at.astimezone(KZ)
    s.due_on = _due(local.date(), local.hour >= 18)
    s.extended_due_on = s.started_at = s.extended_at = s.police_at = None
    s.answered_at = s.closed_at = s.outcome = None
    s.state = "registered"
    # The path the case takes, and when each step falls (None: not yet, as of now).
    roll = rng.random()
    s.ending = ("forward" if roll < 0.10 else "reject" if roll < 0.18 else
                "withdraw" if roll < 0.20 else "stay_answered" if roll < 0.26 else "close")
    if s.ending in ("forward", "reject", "withdraw"):
        s.started_at = _later(received_at, rng, 0.2, 2, now) if rng.random() < 0.4 else None
        when = _later(received_at, rng, 0.5, 4 if s.ending == "forward" else 12, now)
        if s.started_at and when and when < s.started_at:
            when = s.started_at + timedelta(hours=2)
        if s.started_at:
            s.state = "in_progress"
        if when and when <= now:
            s.closed_at = when
            s.state = {"forward": "forwarded", "reject": "rejected", "withdraw": "withdrawn"}[s.ending]
            s.outcome = {"forward": "forwarded", "reject": "rejected"}.get(s.ending)
        return s
    s.started_at = _later(received_at, rng, 0.1, 3, now)
    if s.started_at is None:
        return s
    s.state = "in_progress"
    if POLICE_CATEGORIES & set(s.categories) and rng.random() < 0.35:
        s.police_at = _later(s.started_at, rng, 1, 7, now)
    days_to_deadline = (s.due_on - local.date()).days
    if rng.random() < 0.07:
        s.extended_at = _later(received_at, rng, days_to_deadline * 0.5, days_to_deadline * 0.9, now)
        if s.extended_at:
            from services.deadlines import months_after

            s.extended_due_on = min(s.due_on + timedelta(days=rng.randint(10, 35)),
                                    months_after(received_at, 2))
    limit = ((s.extended_due_on or s.due_on) - local.date()).days
    late = rng.random() < 0.08
    s.answered_at = _later(s.started_at, rng, 1, limit + (rng.uniform(1, 15) if late else -1), now)
    if s.answered_at is None:
        return s
    if s.police_at and s.police_at > s.answered_at:
        s.police_at = None
    s.state = "answered"
    if s.ending == "close":
        s.closed_at = _later(s.answered_at, rng, 0.5, 14, now)
        if s.closed_at:
            s.state = "closed"
            s.outcome = rng.choices(("restored_fully", "restored_partly", "not_restored"), (55, 30, 15))[0]
    return s


def _finished_at(s):
    return s.closed_at or s.answered_at


def _describe(rng, language):
    sentences = {"kk": KK_SENTENCES, "ru": RU_SENTENCES}.get(language, EN_SENTENCES)
    count = rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5, 6, 8, 12))
    text = " ".join(rng.choice(sentences) for _ in range(count))
    return text.replace("{place}", rng.choice(PLACES)).replace("{n}", str(rng.randint(1, 180)))


def _person_name(rng, language):
    if language == "ru" and rng.random() < 0.7:
        return f"{rng.choice(RU_FIRST)} {rng.choice(RU_LAST)}"
    return f"{rng.choice(KK_FIRST)} {rng.choice(KK_LAST)}"


def _iin(rng, born, sex):
    """A valid IIN: birth date, century-and-sex digit, serial, check digit (core.iin)."""
    from core.iin import iin_check_digit

    century = (3, 4) if born.year < 2000 else (5, 6)
    digit = century[0] if sex == "boy" else century[1] if sex == "girl" else rng.choice(century)
    while True:
        first = f"{born:%y%m%d}{digit}{rng.randint(0, 9999):04d}"
        check = iin_check_digit(first)
        if check is not None:
            return first + str(check)


# --- one function per table ------------------------------------------------------------------

CASE_COLUMNS = (
    "id", "registration_number", "region_code", "kind", "complaint_target", "categories",
    "description", "occurred_when", "occurred_where", "responsible", "responsible_details",
    "danger_now", "urgent", "reporter_type", "reporter_name", "reporter_phone", "reporter_email",
    "consent_given_at", "language", "channel", "state", "received_at", "due_on", "receipt_hash",
    "answers", "registered_at", "answered_at", "closed_at", "extended_due_on", "extension_reason",
    "forwarded_to", "forwarded_on", "rejection_reason", "outcome", "police_confirmed_on",
    "police_reference")


def case_row(s, keys):
    """The case; the reporter's name, phone and e-mail encrypted (core.crypto)."""
    rng = s.rng
    named = s.reporter
    reporter_name = keys.encrypt(_person_name(rng, s.language)) if named else None
    phone = keys.encrypt(f"+7 70{rng.randint(0, 9)} {rng.randint(100, 999)} {rng.randint(10, 99)} "
                         f"{rng.randint(10, 99)}") if named and rng.random() < 0.9 else None
    email = keys.encrypt(f"reporter{s.id}@example.kz") if named and rng.random() < 0.5 else None
    personal = named or any(child[5] or child[6] for child in s.children)
    forwarded = s.state == "forwarded"
    return (
        s.id, s.number, s.region, s.kind,
        "Аудандық білім бөлімі" if s.kind == "complaint" else None, s.categories,
        _describe(rng, s.language), rng.choice((None, "кеше", "өткен аптада", "в прошлом месяце")),
        rng.choice(PLACES) if rng.random() < 0.4 else None, s.responsible, None, s.danger, s.danger,
        rng.choice(("parent", "relative", "teacher", "neighbour", "child", "other")) if named else None,
        reporter_name, phone, email, s.received_at if personal else None, s.language, s.channel,
        s.state, s.received_at, s.due_on,
        hashlib.sha256(f"bench-receipt-{s.id}".encode()).hexdigest(), {},
        s.registered_at, s.answered_at, s.closed_at, s.extended_due_on,
        "Қосымша тексеру қажет: полиция мен мектептен жауап күтілуде." if s.extended_due_on else None,
        "Облыстық прокуратура" if forwarded else None,
        s.closed_at.astimezone(KZ).date() if forwarded else None,
        "Өтініш балалар құқықтарына қатысты емес." if s.state == "rejected" else None, s.outcome,
        s.police_at.astimezone(KZ).date() if s.police_at else None,
        f"КУИ №{rng.randint(1000, 99999)}" if s.police_at else None)


# The last two are copies of the case's, which triggers keep in the app (migration 0013); the
# load runs with triggers off (``_skip_foreign_key_checks``), so it writes them itself.
CHILD_COLUMNS = ("id", "case_id", "age", "birth_year", "sex", "name", "iin", "iin_hash", "school",
                 "region_code", "case_received_at")


def child_rows(s, ids, keys):
    """The children of a case: name and IIN encrypted, the IIN also as its keyed hash (what
    ``core.iin.search_key`` finds it by)."""
    rng = s.rng
    rows = []
    for _ in range(rng.choices((1, 2, 3), (78, 17, 5))[0]):
        age = rng.choices(range(18), (2, 2, 3, 3, 4, 5, 7, 8, 9, 9, 9, 9, 8, 8, 7, 6, 5, 4))[0]
        year = s.received_at.year - age
        sex = rng.choices(("girl", "boy", "unspecified"), (46, 46, 8))[0]
        how = rng.random()
        named = rng.random() < 0.55
        iin = _iin(rng, date(year, rng.randint(1, 12), rng.randint(1, 28)), sex) \
            if named and rng.random() < 0.45 else None
        school = rng.choice(SCHOOLS).replace("{n}", str(rng.randint(1, 180))).replace(
            "{place}", rng.choice(PLACES)) if rng.random() < 0.4 else None
        rows.append((ids.take("case_child"), s.id, age if how < 0.8 else None,
                     year if how >= 0.7 else None, sex,
                     keys.encrypt(_person_name(rng, s.language)) if named else None,
                     keys.encrypt(iin), keys.iin_hash(iin) if iin else None, school, s.region,
                     s.received_at))
    return rows


STEP_COLUMNS = ("id", "case_id", "at", "actor_id", "action", "from_state", "to_state", "note")


def step_rows(s, ids):
    """The timeline: register, start, extend, confirm_police, answer, close or a side exit."""
    events = [(s.registered_at, "register", "received", "registered", None)]
    state = "registered"
    if s.started_at:
        events.append((s.started_at, "start", state, "in_progress", None))
        state = "in_progress"
    if s.extended_at:
        events.append((s.extended_at, "extend", state, state, "Қосымша тексеру қажет."))
    if s.police_at:
        events.append((s.police_at, "confirm_police", state, state, "КУИ"))
    if s.answered_at:
        events.append((s.answered_at, "answer", state, "answered", None))
        state = "answered"
    if s.closed_at:
        action = {"closed": "close", "forwarded": "forward", "rejected": "reject",
                  "withdrawn": "withdraw"}[s.state]
        events.append((s.closed_at, action, state, s.state, None))
    events.sort(key=lambda event: event[0])
    return [(ids.take("case_step"), s.id, at, None, action, old, new, note)
            for at, action, old, new, note in events]


MESSAGE_COLUMNS = ("id", "case_id", "created_at", "from_reporter", "internal", "is_final_answer",
                   "author_id", "body")


def message_rows(s, ids):
    """The office's answer, and what the reporter is told on a forward, rejection or extension."""
    rows = []
    if s.extended_at:
        rows.append((s.extended_at, False, "Өтінішті қарау мерзімі ұзартылды. Себебі: қосымша тексеру."))
    if s.answered_at:
        rows.append((s.answered_at, True, "Сіздің өтінішіңіз бойынша тексеру жүргізілді: мектеп "
                     "әкімшілігімен және қорғаншылық органымен кездесу өтті, баланың құқықтарын "
                     "қалпына келтіру бойынша шаралар қабылданды."))
    if s.state in ("forwarded", "rejected"):
        rows.append((s.closed_at, False, "Өтініш біздің құзыретімізге жатпайды және тиісті органға жіберілді."
                     if s.state == "forwarded" else "Өтініш қаралмайды. Себебі: балалар құқықтарына қатысы жоқ."))
    return [(ids.take("case_message"), s.id, at, False, False, final, None, body)
            for at, final, body in rows]


# The last two: as for CHILD_COLUMNS.
ITEM_COLUMNS = ("id", "case_id", "rule", "position", "person", "required", "automatic", "due_at",
                "status", "done_at", "done_by_id", "held_on", "note", "na_reason", "reference",
                "organization_id", "created_at", "region_code", "case_registered_at")


def _end_of(day):
    return datetime.combine(day, dtime(23, 59), tzinfo=KZ)


def checklist_rows(s, ids, placements):
    """[R10.1], [R10.2], [R10.3] at registration; [R11] after the police confirm."""
    rng, rows = s.rng, []
    deadline_end = _end_of(s.extended_due_on or s.due_on)
    alert_due = s.registered_at + timedelta(hours=1)
    working_until = min(_finished_at(s) or s.now, s.now)

    def alert(rule, position):
        roll = rng.random()
        if roll < 0.003:
            status, done_at = "open", None  # never delivered: the escalation's business
        else:
            status = "done"
            done_at = s.registered_at + (timedelta(seconds=rng.uniform(3, 600)) if roll < 0.99
                                         else timedelta(hours=rng.uniform(1, 6)))
        rows.append((ids.take("checklist_item"), s.id, rule, position, None, True, True, alert_due,
                     status, done_at, None, None, None, None,
                     f"№{rng.randint(100, 9999)}" if rule == "R10.3" and status == "done" else None,
                     None, s.registered_at))

    def conversation(position, person):
        done_at = None
        if s.started_at and rng.random() < 0.85:
            done_at = _later(s.started_at, rng, 0.5, 10, working_until)
        rows.append((ids.take("checklist_item"), s.id, "R10.2", position, person, True, False,
                     deadline_end, "done" if done_at else "open", done_at, None,
                     done_at.astimezone(KZ).date() if done_at else None,
                     "Алдын алу әңгімесі өтті, баланың жағдайы талқыланды." if done_at else None,
                     None, None, None, s.registered_at))

    alert("R10.1", 10)
    conversation(20, PERSON_LABELS["parents"])
    if s.responsible in PERSON_RESPONSIBLE:
        conversation(21, PERSON_LABELS[s.responsible])
    if s.responsible == "parent_cohabiting":
        alert("R10.3", 30)
    if s.police_at:
        for position, rule in enumerate(R11, 40):
            required = rule in R11_ALWAYS or (rule in R11_IN_DANGER and s.danger)
            due = s.police_at + timedelta(hours=1) if rule in R11_URGENT and (rule == "R11.1" or s.danger) \
                else deadline_end
            status, done_at, reason, organization = "open", None, None, None
            if s.answered_at and rng.random() < 0.85:
                status, done_at = "done", s.police_at + (s.answered_at - s.police_at) * rng.random()
                if rule == "R11.7":
                    organization = rng.choice(placements) if placements else None
            elif not required and rng.random() < 0.7:
                status, reason = "not_applicable", "Қажеттілік болмады."
            rows.append((ids.take("checklist_item"), s.id, rule, position, None, required, False, due,
                         status, done_at, None, None, "Орындалды." if done_at else None, reason, None,
                         organization, s.police_at))
    return [row + (s.region, s.registered_at) for row in rows]


OUTBOX_COLUMNS = ("id", "created_at", "recipients", "subject", "body", "topic", "object_type",
                  "object_id", "dedupe_key", "status", "attempts", "next_attempt_at", "sent_at",
                  "last_error")
ATTEMPT_COLUMNS = ("id", "message_id", "at", "succeeded", "error", "transport")


def outbox_rows(s, ids, items):
    """The alerts the case queued: the new case to the ombudsman, [R10.1] and [R10.3]."""
    rows, attempts = [], []
    region = s.region

    def message(to, subject, topic, object_type, object_id, sent_at):
        message_id = ids.take("outbox_message")
        status = "sent" if sent_at else "pending"
        tries = 1 if sent_at else s.rng.randint(2, 5)
        rows.append((message_id, s.registered_at, to, subject,
                     f"{subject}. Ашу / Открыть: https://ombudsman.example.kz/admin/case/details/?id={s.id}",
                     topic, object_type, str(object_id), None, status, tries,
                     sent_at or s.registered_at + timedelta(minutes=10 * 2 ** tries),
                     sent_at, None if sent_at else "SMTP 451: try again later"))
        for n in range(tries):
            ok = bool(sent_at) and n == tries - 1
            attempts.append((ids.take("outbox_attempt"), message_id,
                             sent_at if ok else s.registered_at + timedelta(seconds=10 * 2 ** n), ok,
                             None if ok else "SMTP 451: try again later", "smtp"))

    urgent = ["commissioner@bench.kz"] if s.danger else []
    message([f"ombudsman.{region}@bench.kz", *urgent],
            f"{'ШҰҒЫЛ: ' if s.danger else ''}Жаңа іс {s.number} / Новое дело {s.number}",
            "case.new", "cases", s.id, s.registered_at + timedelta(seconds=s.rng.uniform(1, 30)))
    for item in items:
        if item[2] in ("R10.1", "R10.3"):
            to = (["commissioner@bench.kz", "committee@bench.kz", f"akimat.{region}@bench.kz"]
                  if item[2] == "R10.1" else [f"opeka.{region}@bench.kz", f"police.{region}@bench.kz"])
            message(to, f"Баланың құқықтарын бұзу: іс {s.number} [{item[2]}]", f"alert.{item[2]}",
                    "checklist_item", item[0], item[9])
    return rows, attempts


# --- registries, per region and year ----------------------------------------------------------

# Records per region and year at 1,000,000 cases; scaled with the number of cases.
REGISTRY_RATES = {"memorandum": 3, "commission_meeting": 16, "visit": 24, "document_request": 30,
                  "court_hearing": 10, "legislative_recommendation": 2, "briefing": 2, "event": 12,
                  "campaign": 3, "publication": 20}
REGISTRY_COLUMNS = {
    "year_plan": ("id", "region_code", "year", "state", "remarks", "sent_at", "agreed_at",
                  "agreed_by_id", "approved_on", "created_at"),
    "plan_item": ("id", "plan_id", "position", "activity", "planned_month", "planned_quarter", "rule",
                  "status", "record_type", "record_id"),
    "memorandum": ("id", "region_code", "created_at", "note", "title", "subject", "programmes",
                   "signed_on", "valid_until", "terminated_on"),
    "memorandum_party": ("memorandum_id", "organization_id"),
    "commission_meeting": ("id", "region_code", "created_at", "note", "commission", "held_on", "agenda",
                           "attended", "decisions"),
    "commission_meeting_case": ("commission_meeting_id", "case_id"),
    "advisory_body": ("id", "region_code", "created_at", "note", "name", "host_organization", "basis",
                      "member_since", "meetings_attended"),
    "visit": ("id", "region_code", "created_at", "note", "organization_type", "organization_name",
              "visited_on", "purpose", "findings", "follow_up"),
    "visit_case": ("visit_id", "case_id"),
    "document_request": ("id", "region_code", "created_at", "note", "addressee", "subject", "sent_on",
                         "answer_due", "answered_on", "result"),
    "court_hearing": ("id", "region_code", "created_at", "note", "court", "court_case_number",
                      "hearing_on", "closed_session", "case_id", "outcome"),
    "legislative_recommendation": ("id", "region_code", "created_at", "note", "text", "submitted_on",
                                   "response", "response_on"),
    "briefing": ("id", "region_code", "created_at", "note", "held_on", "topic", "resonant_cases", "media"),
    "event": ("id", "region_code", "created_at", "note", "title", "held_on", "organizer", "role"),
    "campaign": ("id", "region_code", "created_at", "note", "kind", "title", "started_on", "ended_on",
                 "partners", "description"),
    "publication": ("id", "region_code", "created_at", "note", "outlet", "title", "link",
                    "published_on", "confirmed_by"),
}
VISIT_TYPES = ("education", "health", "social_protection", "culture_sport", "local_executive",
               "penal_institution")


def _day_in(rng, year, today, first=None):
    start = first or date(year, 1, 1)
    end = min(date(year, 12, 31), today)
    return start + timedelta(days=rng.randint(0, max((end - start).days, 0)))


def _stamp(day):
    return datetime.combine(day, dtime(11, 0), tzinfo=KZ)


def year_plan_rows(rng, ids, region, year, today):
    """[R6.1] the year plan, approved by 30 December of the year before (a few late)."""
    approved = (date(year - 1, 12, rng.randint(10, 30)) if rng.random() < 0.9
                else date(year, 1, rng.randint(5, 25)))
    plan_id = ids.take("year_plan")
    plan = (plan_id, region, year, "approved", None, _stamp(approved - timedelta(days=20)),
            _stamp(approved - timedelta(days=5)), None, approved, _stamp(date(year - 1, 11, 20)))
    items = []
    for position in range(1, rng.randint(8, 15)):
        month = rng.randint(1, 12)
        done = date(year, month, 28) < today and rng.random() < 0.85
        items.append((ids.take("plan_item"), plan_id, position,
                      rng.choice(("Мектептерде буллингке қарсы ақпараттық науқан", "Жартыжылдық брифинг",
                                  "Балалар үйлеріне бару", "КДН отырыстарына қатысу",
                                  "Заңнаманы жетілдіру бойынша ұсыныстар")),
                      month if rng.random() < 0.6 else None,
                      None if rng.random() < 0.6 else (month - 1) // 3 + 1,
                      rng.choice(("R6.5", "R6.10", "R9", "R12", "R6.4")),
                      "done" if done else "planned", None, None))
    return [plan], items


def memorandum_rows(rng, ids, region, day, organizations):
    memo_id = ids.take("memorandum")
    row = (memo_id, region, _stamp(day), None, "Ювеналдық полициямен өзара іс-қимыл туралы меморандум",
           "Балалардың құқықтарын қорғау", None, day, day + timedelta(days=rng.choice((365, 730, 1095))),
           None)
    parties = [(memo_id, org) for org in rng.sample(organizations, min(2, len(organizations)))]
    return [row], parties


def commission_meeting_rows(rng, ids, region, day, case_ids):
    meeting_id = ids.take("commission_meeting")
    row = (meeting_id, region, _stamp(day), None, rng.choice(("kdn", "kdn", "kdn", "women_family")), day,
           "Кәмелетке толмағандардың құқық бұзушылықтарының алдын алу", rng.random() < 0.9,
           "Ұсыныстар қабылданды")
    links = ([(meeting_id, case) for case in set(rng.choices(case_ids, k=rng.randint(0, 3)))]
             if case_ids else [])
    return [row], links


def visit_rows(rng, ids, region, day, case_ids):
    visit_id = ids.take("visit")
    kind = rng.choice(VISIT_TYPES)
    row = (visit_id, region, _stamp(day), None, kind, f"{rng.choice(PLACES)} ауданының ұйымы", day,
           "Балалардың жағдайын тексеру", "Кемшіліктер анықталды", "Ұсыныс жіберілді")
    links = [(visit_id, case) for case in set(rng.choices(case_ids, k=rng.randint(0, 2)))] if case_ids else []
    return [row], links


def document_request_rows(rng, ids, region, day, today):
    answered = day + timedelta(days=rng.randint(3, 40))
    return [(ids.take("document_request"), region, _stamp(day), None, "Білім басқармасы",
             "Мектептегі оқиға бойынша құжаттар", day, day + timedelta(days=15),
             answered if answered <= today and rng.random() < 0.85 else None, None)]


def court_hearing_rows(rng, ids, region, day, case_ids):
    return [(ids.take("court_hearing"), region, _stamp(day), None, "Аудандық сот",
             f"2-{rng.randint(100, 9999)}/{day.year}", day, rng.random() < 0.3,
             rng.choice(case_ids) if case_ids and rng.random() < 0.6 else None, None)]


def simple_registry_rows(rng, ids, table, region, day):
    """Briefings, events, campaigns, publications, legislative recommendations."""
    base = (ids.take(table), region, _stamp(day), None)
    if table == "briefing":
        return [base + (day, "Балалар құқықтарын қорғау: жартыжылдықтың қорытындысы", None, "Хабар 24")]
    if table == "event":
        return [base + ("Балаларды қорғау күні", day, "Әкімдік", "Баяндамашы")]
    if table == "campaign":
        return [base + (rng.choice(("campaign", "project")), "Буллингсіз мектеп", day,
                        day + timedelta(days=90), "Білім басқармасы", None)]
    if table == "publication":
        return [base + ("Kazinform", "Омбудсмен балалар құқықтары туралы", None, day,
                        "Омбудсмен кеңсесі")]
    return [base + ("Балаларды қорғау туралы заңға түзетулер", day, None, None)]


def advisory_body_rows(rng, ids, region, since):
    return [(ids.take("advisory_body"), region, _stamp(since), None, "Балалар құқықтары жөніндегі кеңес",
             "Облыс әкімдігі", rng.choice(("own_initiative", "agreement")), since, rng.randint(0, 12))
            for _ in range(3)]


# --- the load ----------------------------------------------------------------------------------

_CATEGORIES = _choices(CATEGORY_WEIGHTS)
_RESPONSIBLE = _choices(RESPONSIBLE_WEIGHTS)
_CHANNELS = _choices(CHANNEL_WEIGHTS)
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 1, 2, 4, 7, 10, 11, 11, 9, 10, 11, 10, 9, 7, 6, 5, 4, 3, 2, 1)

CASE_TABLES = {  # in FK dependency order
    "cases": CASE_COLUMNS, "case_child": CHILD_COLUMNS, "case_step": STEP_COLUMNS,
    "case_message": MESSAGE_COLUMNS, "checklist_item": ITEM_COLUMNS,
    "outbox_message": OUTBOX_COLUMNS, "outbox_attempt": ATTEMPT_COLUMNS,
}


ID_TABLES = ("organization", *CASE_TABLES, *(t for t, columns in REGISTRY_COLUMNS.items() if "id" in columns))


def _arrivals(rng, count, start, now):
    """``count`` arrival times from ``start`` to ``now``, in order: more on working days and
    in office hours, a little more each year."""
    days = []
    day = start.date()
    while day <= now.date():
        weight = (1.0, 1.0, 1.0, 1.0, 0.95, 0.45, 0.35)[day.weekday()] * (1 + 0.08 * (day.year - start.year))
        days.append((day, weight))
        day += timedelta(days=1)
    total = sum(weight for _, weight in days)
    expected = [count * weight / total for _, weight in days]
    counts = [int(e) for e in expected]
    for index in rng.choices(range(len(days)), weights=[e - c for e, c in zip(expected, counts)],
                             k=count - sum(counts)):
        counts[index] += 1
    hours = range(24)
    for (day, _), n in zip(days, counts):
        midnight = datetime.combine(day, dtime(0), tzinfo=KZ)
        if day == now.astimezone(KZ).date():  # today: up to now
            elapsed = (now - midnight).total_seconds()
            times = sorted(midnight + timedelta(seconds=rng.uniform(0, elapsed)) for _ in range(n))
        else:
            times = sorted(midnight + timedelta(hours=h, seconds=rng.uniform(0, 3600))
                           for h in rng.choices(hours, HOUR_WEIGHTS, k=n))
        for at in times:
            yield at.astimezone(timezone.utc)


def _keys(database_url):
    """The keys of the app on the bench database (``bench.common.flask_env``: DATA_KEYS and
    IIN_HASH_KEY from the environment, else the dev-only keys of its SECRET_KEY)."""
    from core.crypto import Keys

    env = flask_env(database_url)
    return Keys.from_config({name: env.get(name) for name in
                             ("APP_ENV", "SECRET_KEY", "DATA_KEYS", "IIN_HASH_KEY")})


def _connect(database_url):
    import psycopg2

    return psycopg2.connect(libpq_url(database_url))


def _start_ids(cur, tables):
    start = {}
    for table in tables:
        cur.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")
        start[table] = cur.fetchone()[0]
    return start


def _skip_foreign_key_checks(cur):
    """The rows are consistent by construction: load them as a replica would (no per-row
    foreign-key triggers), as pg_restore --disable-triggers does. Needs a superuser; other
    roles load with the checks."""
    cur.execute("SAVEPOINT replica_role")
    try:
        cur.execute("SET LOCAL session_replication_role = replica")
    except Exception:  # noqa: BLE001 — psycopg2.errors.InsufficientPrivilege
        cur.execute("ROLLBACK TO SAVEPOINT replica_role")
        say("seed: not a superuser: foreign keys are checked row by row (slower)")
    cur.execute("RELEASE SAVEPOINT replica_role")


def _secondary_indexes(cur, tables):
    """(name, definition) of the indexes that back no constraint: dropped during the load."""
    cur.execute("""
        SELECT i.relname, pg_get_indexdef(x.indexrelid)
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
        WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)""",
                (list(tables),))
    return cur.fetchall()


def _organizations(cur, rng, regions, ids):
    """The region's partner organizations [R7]; a few are added where a region has none."""
    cur.execute("SELECT region_code, id, type FROM organization WHERE region_code IS NOT NULL")
    found = {}
    for region, org_id, kind in cur.fetchall():
        found.setdefault(region, []).append((org_id, kind))
    rows = []
    for region in regions:
        if region in found:
            continue
        for kind, kk, ru in (("guardianship", "Қорғаншылық органы", "Орган опеки"),
                             ("police", "Ювеналдық полиция", "Ювенальная полиция"),
                             ("akimat", "Әкімдік", "Акимат"),
                             ("crisis_centre", "Дағдарыс орталығы", "Кризисный центр"),
                             ("medical_organization", "Балалар ауруханасы", "Детская больница")):
            org_id = ids.take("organization")
            rows.append((org_id, region, kind, kk, ru, f"{kind}.{region}@bench.kz", "+7 700 000 00 00", True))
            found.setdefault(region, []).append((org_id, kind))
    return rows, found


def seed(database_url, cases=1_000_000):
    """Fill ``database_url`` up to ``cases`` cases (see the module docstring); return rows."""
    began = time.monotonic()
    migrate(database_url)
    conn = _connect(database_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM cases")
            existing = cur.fetchone()[0]
        if existing >= cases:
            say(f"seed: the database already holds {existing:,} cases (≥ {cases:,}): nothing to do")
            return [Row("seed: cases in the bench database", existing, "cases",
                        note="already seeded: skipped")]
        to_add = cases - existing
        say(f"seed: adding {to_add:,} cases ({existing:,} already there)")
        counts, load_seconds, index_seconds = _load(conn, to_add, _keys(database_url))
    finally:
        conn.close()
    vacuum_began = time.monotonic()
    _vacuum(database_url)
    vacuum_seconds = time.monotonic() - vacuum_began
    total_rows = sum(counts.values())
    rate = total_rows / load_seconds if load_seconds else None
    detail = ", ".join(f"{table} {n:,}" for table, n in counts.items() if n)
    say(f"seed: {total_rows:,} rows in {load_seconds:.0f} s = {rate:,.0f} rows/s; indexes rebuilt in "
        f"{index_seconds:.0f} s; VACUUM ANALYZE {vacuum_seconds:.0f} s")
    return [
        Row("seed: cases added", to_add, "cases", note=f"{existing:,} were there before"),
        Row("seed: rows written", total_rows, "rows", note=detail),
        Row("seed: load rate", rate, "rows/s",
            note="generation + COPY in time order, one transaction; indexes rebuilt after"),
        Row("seed: index rebuild", index_seconds, "s"),
        Row("seed: total time", time.monotonic() - began, "s",
            note="migrations, load, indexes, VACUUM ANALYZE"),
    ]


def _load(conn, to_add, keys):
    rng = random.Random(RANDOM_SEED + to_add)
    now = datetime.now(timezone.utc) - timedelta(minutes=5)
    today = now.astimezone(KZ).date()
    first_year = today.year - YEARS + 1
    with conn.cursor() as cur:
        cur.execute("SET LOCAL synchronous_commit = off")
        cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
        _skip_foreign_key_checks(cur)
        cur.execute("SELECT code FROM region ORDER BY code")
        regions = [code for (code,) in cur.fetchall()]
        weights = [REGION_WEIGHTS.get(code, 8) for code in regions]
        cur.execute("SELECT region_code, year, last FROM case_counter")
        counters = {(region, year): last for region, year, last in cur.fetchall()}
        ids = Ids(_start_ids(cur, ID_TABLES))
        org_rows, organizations = _organizations(cur, rng, regions, ids)
        if org_rows:
            copier = Copier(cur, {"organization": ("id", "region_code", "type", "name_kk", "name_ru",
                                                   "email", "phone", "is_active")})
            copier.add("organization", org_rows)
            copier.close()
        rebuild = to_add >= REBUILD_INDEXES_FROM
        dropped = _secondary_indexes(cur, CASE_TABLES) if rebuild else []
        for name, _definition in dropped:
            cur.execute(f'DROP INDEX "{name}"')
        load_began = time.monotonic()
        copier = Copier(cur, CASE_TABLES)
        placements = {region: [org for org, kind in orgs if kind in ("crisis_centre", "medical_organization",
                                                                     "adaptation_centre", "child_support_centre")]
                      for region, orgs in organizations.items()}
        case_ids = {region: array("i") for region in regions}
        start = datetime(first_year, 1, 1, tzinfo=KZ)
        region_pick = _choices(dict(zip(regions, weights)))
        for n, received_at in enumerate(_arrivals(rng, to_add, start, now), 1):
            region = _pick(rng, region_pick)
            year = received_at.year
            sequence = counters.get((region, year), 0) + 1
            counters[(region, year)] = sequence
            case_id = ids.take("cases")
            story = plan_case(rng, case_id, region, f"{region}-{year}-{sequence:06d}", received_at, now)
            story.children = child_rows(story, ids, keys)
            copier.add("cases", [case_row(story, keys)])
            copier.add("case_child", story.children)
            copier.add("case_step", step_rows(story, ids))
            copier.add("case_message", message_rows(story, ids))
            items = checklist_rows(story, ids, placements.get(region))
            copier.add("checklist_item", items)
            messages, attempts = outbox_rows(story, ids, items)
            copier.add("outbox_message", messages)
            copier.add("outbox_attempt", attempts)
            case_ids[region].append(case_id)
            if n % CHUNK_CASES == 0:
                copier.flush()
                elapsed = time.monotonic() - load_began
                say(f"seed: {n:,} / {to_add:,} cases, {sum(copier.counts.values()) / elapsed:,.0f} rows/s")
        counts = dict(copier.close())
        counts.update(_registries(cur, rng, ids, regions, organizations, case_ids, to_add, first_year, today))
        counts["organization"] = len(org_rows)
        load_seconds = time.monotonic() - load_began
        index_began = time.monotonic()
        for name, definition in dropped:
            say(f"seed: rebuilding {name}")
            cur.execute(definition)
        index_seconds = time.monotonic() - index_began
        cur.execute("""
            INSERT INTO case_counter (region_code, year, last)
            SELECT r, y, l FROM unnest(%s::varchar[], %s::int[], %s::int[]) AS t(r, y, l)
            ON CONFLICT (region_code, year) DO UPDATE SET last = GREATEST(case_counter.last, EXCLUDED.last)""",
                    ([r for r, _ in counters], [y for _, y in counters], list(counters.values())))
        for table in ids.next:
            cur.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)",
                        (table, ids.next[table]))
    conn.commit()
    return counts, load_seconds, index_seconds


def _registries(cur, rng, ids, regions, organizations, case_ids, to_add, first_year, today):
    """Registry records per region and year, in proportion to the number of cases."""
    scale = to_add / 1_000_000
    cur.execute("SELECT region_code, year FROM year_plan")
    planned = set(cur.fetchall())
    cur.execute("SELECT DISTINCT region_code FROM advisory_body")
    advised = {region for (region,) in cur.fetchall()}
    copier = Copier(cur, {table: REGISTRY_COLUMNS[table] for table in (
        "year_plan", "plan_item", "memorandum", "memorandum_party", "commission_meeting",
        "commission_meeting_case", "advisory_body", "visit", "visit_case", "document_request",
        "court_hearing", "legislative_recommendation", "briefing", "event", "campaign", "publication")})

    def how_many(rate):
        expected = rate * scale
        return int(expected) + (rng.random() < expected - int(expected))

    for region in regions:
        orgs = [org for org, _kind in organizations.get(region, [])]
        cases_here = case_ids[region]
        if region not in advised:
            copier.add("advisory_body", advisory_body_rows(rng, ids, region, date(first_year, 3, 1)))
        for year in range(first_year, today.year + 1):
            if (region, year) not in planned:
                plan, items = year_plan_rows(rng, ids, region, year, today)
                copier.add("year_plan", plan)
                copier.add("plan_item", items)
            for table, rate in REGISTRY_RATES.items():
                for _ in range(how_many(rate)):
                    day = _day_in(rng, year, today)
                    if table == "memorandum":
                        rows, links = memorandum_rows(rng, ids, region, day, orgs)
                        copier.add("memorandum_party", links)
                    elif table == "commission_meeting":
                        rows, links = commission_meeting_rows(rng, ids, region, day, cases_here)
                        copier.add("commission_meeting_case", links)
                    elif table == "visit":
                        rows, links = visit_rows(rng, ids, region, day, cases_here)
                        copier.add("visit_case", links)
                    elif table == "document_request":
                        rows = document_request_rows(rng, ids, region, day, today)
                    elif table == "court_hearing":
                        rows = court_hearing_rows(rng, ids, region, day, cases_here)
                    else:
                        rows = simple_registry_rows(rng, ids, table, region, day)
                    copier.add(table, rows)
    return copier.close()


def _vacuum(database_url):
    """Visibility map and statistics: index-only scans and good plans from the first query."""
    conn = _connect(database_url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("VACUUM (ANALYZE)")
    finally:
        conn.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args(argv)
    from bench.common import table

    table(seed(args.database_url, args.cases))


if __name__ == "__main__":
    main()
