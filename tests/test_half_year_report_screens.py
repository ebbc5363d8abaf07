"""Submitting the half-year report [R8], its frozen versions and files, and the roll-up."""
import html
import io
import re
from datetime import date

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import select, text
from sqlalchemy.exc import InternalError

from extensions import db
from models import AuditEvent, HalfYearReport, OutboxMessage
from services import report_workflow
from core.errors import InvalidInput, PermissionDenied, RegionMismatch
from tests.factories import gen_case
from tests.helpers import csrf_token
from tests.test_reports import EXPECTED, build_cases, build_registries

BASE = "/admin/half_year_report"
PERIOD = "year=2026&half=1"
# The section titles as a Kazakh reader sees them in the files.
# Rules cited as each language writes them ("[R6.2]" is the code's shorthand).
KK_TITLES = ("Қабылданған өтініштер [6-т. 2) тт.]", "Қаралған өтініштер [6-т. 3) тт.]",
             "Профилактикалық әңгімелер [10-т. 2) тт.]", "Жылдық жоспар [6-т. 1) тт.]")
RU_TITLES = ("Поступившие обращения [пп. 2) п. 6]", "Рассмотренные обращения [пп. 3) п. 6]")


@pytest.fixture
def data(app):
    with app.app_context():
        build_cases()
        build_registries()
        db.session.commit()  # the test's outer transaction is still rolled back


def page(response):
    return html.unescape(response.get_data(as_text=True))


def submit(client, reason=None):
    form = client.get(f"{BASE}/?{PERIOD}&lang=en")
    fields = {"csrf_token": csrf_token(form.get_data(as_text=True))}
    if reason is not None:
        fields["correction_reason"] = reason
    return client.post(f"{BASE}/submit/?{PERIOD}&lang=en", data=fields, follow_redirects=True)


def versions(app, region="75"):
    with app.app_context():
        return db.session.scalars(select(HalfYearReport).where(HalfYearReport.region_code == region)
                                  .order_by(HalfYearReport.version)).all()


def test_submit_freezes_figures_and_files(app, data, login):
    ombudsman = login("ombudsman75")
    draft = page(ombudsman.get(f"{BASE}/?{PERIOD}&lang=en"))
    assert 'data-testid="not-submitted"' in draft and 'data-testid="submit-form"' in draft

    done = submit(ombudsman)
    assert "Version 1 submitted." in page(done)
    (report,) = versions(app)
    with app.app_context():
        report = db.session.get(HalfYearReport, report.id)
        assert report.figures["received"] == EXPECTED["received"]
        assert {(f.format, f.language) for f in report.files} == {
            ("xlsx", "kk"), ("xlsx", "ru"), ("pdf", "kk"), ("pdf", "ru")}
        # The Commissioner, the Committee and the akimat are alerted, with a link.
        alert = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.topic == "half_year_report")).one()
        assert {"commissioner.kz@test.kz", "committee.kz@test.kz", "akimat_admin.75@test.kz",
                app.config["COMMISSIONER_EMAIL"], app.config["COMMITTEE_EMAIL"]} <= set(alert.recipients)
        assert "akimat_admin.71@test.kz" not in alert.recipients
        assert f"/admin/half_year_report/version/?id={report.id}" in alert.body
        assert db.session.scalar(select(AuditEvent.id).where(
            AuditEvent.action == "half_year_report.submit")) is not None

    # More cases after submission change the draft, never the submitted version.
    with app.app_context():
        case, _ = gen_case()
        case.received_at = report_workflow.Period(2026, 1).since
        db.session.commit()
    frozen = page(ombudsman.get(f"{BASE}/version/?id={report.id}&lang=en"))
    assert 'data-testid="frozen-note"' in frozen
    with app.app_context():
        again = db.session.get(HalfYearReport, report.id)
        assert again.figures == report.figures
        live = report_workflow.build_half_year_report("75", 2026, 1)
        assert live["received"]["total"] == EXPECTED["received"]["total"] + 1


def test_files_hold_numbers_and_kazakh_letters(app, data, login):
    ombudsman = login("ombudsman75")
    submit(ombudsman)
    (report,) = versions(app)

    xlsx = ombudsman.get(f"{BASE}/file/?id={report.id}&format=xlsx&language=kk")
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    assert len(book.sheetnames) == 7
    cells = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            if len(row) >= 2 and isinstance(row[0].value, str):
                cells.setdefault(row[0].value, row[1])
    assert all(cell.data_type != "f" for sheet in book.worksheets for row in sheet.iter_rows()
               for cell in row)
    received = next(cell for label, cell in cells.items() if "[6-т. 2) тт.]" not in label and cell.value == 5)
    assert received.data_type == "n" and isinstance(received.value, int)

    pdf = ombudsman.get(f"{BASE}/file/?id={report.id}&format=pdf&language=kk")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    words = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    for title in KK_TITLES:
        assert title in words
    # the median days (a whole number, no ".0") and the share on time
    assert re.search(r"\s16\s", words) and "16.0" not in words and "67%" in words
    ru = ombudsman.get(f"{BASE}/file/?id={report.id}&format=pdf&language=ru")
    ru_words = "".join(p.extract_text() for p in PdfReader(io.BytesIO(ru.data)).pages)
    for title in RU_TITLES:
        assert title in ru_words

    draft = ombudsman.get(f"{BASE}/draft/?region=75&{PERIOD}&format=pdf&language=kk")
    assert draft.status_code == 200 and draft.data.startswith(b"%PDF")
    assert ombudsman.get(f"{BASE}/draft/?{PERIOD}&format=exe&language=kk").status_code == 404


def test_a_correction_is_a_new_version(app, data, login):
    ombudsman = login("ombudsman75")
    submit(ombudsman)
    refused = submit(ombudsman)
    assert "A correction of a submitted report needs a reason." in page(refused)
    assert len(versions(app)) == 1
    corrected = submit(ombudsman, reason="Two visits were missing")
    assert "Version 2 submitted." in page(corrected)
    first, second = versions(app)
    assert (second.version, second.correction_reason) == (2, "Two visits were missing")
    older = page(ombudsman.get(f"{BASE}/version/?id={first.id}&lang=en"))
    assert "Version 1 of 2" in older
    # The database itself refuses to change a submitted version.
    with app.app_context():
        with pytest.raises(InternalError, match="frozen"):
            with db.session.begin_nested():
                db.session.execute(text("UPDATE half_year_report SET figures = '{}'"))


def test_only_the_regions_ombudsman_submits(app, data, login, people):
    akimat = login("akimat75")
    assert 'data-testid="submit-form"' not in page(akimat.get(f"{BASE}/?{PERIOD}&lang=en"))
    refused = submit(akimat)
    assert "Only the regional ombudsman submits the half-year report." in page(refused)
    assert versions(app) == []
    with app.app_context():
        ombudsman = people["ombudsman75"]
        with pytest.raises(RegionMismatch):
            report_workflow.check_submit(people["ombudsman71"], "75", 2026, 1)
        with pytest.raises(PermissionDenied):
            report_workflow.check_submit(people["commissioner"], "75", 2026, 1)
        with pytest.raises(InvalidInput):  # the second half-year opens on 1 December
            report_workflow.check_submit(ombudsman, "75", 2026, 2, today=date(2026, 11, 30))
        report_workflow.check_submit(ombudsman, "75", 2026, 2, today=date(2026, 12, 1))
        assert report_workflow.due_half(date(2026, 11, 30)) == (2026, 1)
        assert report_workflow.due_half(date(2026, 12, 1)) == (2026, 2)


def test_region_71_sees_nothing_of_region_75(app, data, login):
    submit(login("ombudsman75"))
    (report,) = versions(app)
    other = login("ombudsman71")
    for url in (f"{BASE}/version/?id={report.id}", f"{BASE}/file/?id={report.id}&format=pdf&language=kk",
                f"{BASE}/file/?id={report.id}&format=xlsx&language=ru"):
        assert other.get(url).status_code == 404, url
    # ?region=75 is ignored for a regional user: the page and the draft are region 71's.
    own = page(other.get(f"{BASE}/?region=75&{PERIOD}&lang=en"))
    assert "Astana" in own or "Астана" in own
    draft = other.get(f"{BASE}/draft/?region=75&{PERIOD}&format=xlsx&language=kk")
    assert draft.status_code == 200
    assert "report-71-2026-1" in draft.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(draft.data))
    assert 5 not in {cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
                     if cell.data_type == "n" and cell.row < 8}
    # Nor can they submit for 75: the submission is always for their own region.
    submit(other)
    assert versions(app, "75")[-1].version == 1 and [v.region_code for v in versions(app, "71")] == ["71"]
    assert other.get(f"/admin/national_rollup/?{PERIOD}").status_code == 403


def test_national_rollup(app, data, login):
    submit(login("ombudsman75"))
    commissioner = login("commissioner")
    rollup = page(commissioner.get(f"/admin/national_rollup/?{PERIOD}&lang=en"))
    assert len(set(re.findall(r'data-region="(\d+)"', rollup))) == 20
    assert rollup.count('data-mark="ok"') == 1 and rollup.count('data-mark="missing"') == 19
    assert "19 regions have not submitted." in rollup
    xlsx = commissioner.get(f"/admin/national_rollup/xlsx/?{PERIOD}&lang=en")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    sheet = book.worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    total_row = next(row for row in rows if row and isinstance(row[0], str)
                     and row[0].endswith(": Cases received"))
    assert total_row[-1] == 6  # 5 in region 75, 1 in region 71
    for key in ("superadmin", "committee"):
        assert login(key).get(f"/admin/national_rollup/?{PERIOD}").status_code == 200
    assert login("akimat75").get(f"/admin/national_rollup/?{PERIOD}").status_code == 403
    national = page(commissioner.get(f"{BASE}/?region=75&{PERIOD}&lang=en"))
    assert 'data-testid="report-preview"' in national and 'data-testid="submit-form"' not in national
    assert commissioner.get(f"{BASE}/?region=99&{PERIOD}").status_code == 404
