"""The public site, no login [R3]: home, the report form [R6.2], its confirmation, the
status of a report by its receipt code, the privacy notice; and the health check.

Everything works without JavaScript. Views parse and render; the rules are in
``services.cases`` and ``services.intake``.
"""
import re
from flask import abort, current_app, flash, g, jsonify, make_response, redirect, render_template, request, \
    session, url_for
from flask_babel import gettext as _
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from extensions import csrf, db
from forms import error_list
from forms.report import (CloseForm, MessageForm, ReceiptForm, ReportForm, SavedForm, questions_for_page,
                          raw_answers)
from i18n import LANG_COOKIE, current_language, sort_key
from models import Case, Region
from models.case import CASE_STATE_LABELS, CaseState
from public import bp
from services import intake, public_stats, receipt_holds, settings
from services.receipt_card import receipt_card_png
from services.cases import (STATE_EXPLANATIONS, AttachmentRefused, ConsentRequired, add_reporter_message,
                            check_consent, reporter_attachment, reporter_messages, submit_case)
from core.errors import InvalidInput
from downloads import send_bytes, send_stored
from services.questionnaires import validate_answers, version_for_region
from core.receipts import format_receipt

REGION_CODE = re.compile(r"\d{2}")
RECEIPT_KEY = "receipt_hold"     # the token of the new case's held receipt code (services.receipt_holds)
DONE_KEY = "reported_case"       # the case the confirmation page is about
OPENED_KEY = "status_case"       # the case opened at /status: id and receipt hash
OFFICE_KEY = "office_region"     # the region whose office the home page and the privacy notice show


@bp.context_processor
def _public_globals():
    # Callables: only the templates that show them read the settings.
    return {"emergency_lines": settings.emergency_lines, "help_lines": settings.help_lines,
            "upload_max_mb": lambda: settings.get("upload_max_mb")}


def _private(response):
    """Pages with a receipt code, a case or what was typed: never cached, never kept by the
    back button (no-store keeps them out of the back-forward cache too)."""
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/")
def home():
    """What the ombudsman does, the numbers to call, and the office of the region chosen
    (``?region=NN``, then remembered for the browser session)."""
    return _with_office("public/home.html")


@bp.route("/exit")
def quick_exit():
    """The "Quick exit" button's target, so that it works without JavaScript."""
    return _private(redirect(current_app.config["QUICK_EXIT_URL"]))


@bp.route("/privacy")
def privacy():
    """The privacy notice; with a region chosen (as on the home page), the data controller
    and the office to ask about one's data."""
    return _with_office("public/privacy.html")


def _with_office(template):
    """``template`` with the office of the region chosen and the regions to choose from; an
    unknown region code is answered with a notice and the list (400)."""
    region, notice = _office_region()
    regions = sorted(db.session.scalars(select(Region)), key=lambda r: sort_key(r.official_name()))
    page = render_template(template, office_region=region, office_regions=regions, office_notice=notice)
    return (page, 400) if notice else page


def _office_region():
    """(Region or None, notice): ``?region=NN`` chooses a region and the session remembers it,
    ``?region=`` forgets it; without ``region`` in the query, the region remembered."""
    if "region" not in request.args:
        return _region(session.get(OFFICE_KEY)), None
    code = request.args.get("region", "").strip()
    region = _region(code)
    if region is not None:
        session[OFFICE_KEY] = region.code
        return region, None
    if code:
        return None, _("There is no such region. Choose your region from the list.")
    session.pop(OFFICE_KEY, None)
    return None, None


@bp.route("/safety")
def safety():
    """Staying safe online: quick exit, private windows, clearing the history, shared devices."""
    return render_template("public/safety.html")


STATS_CACHE_SECONDS = 300


@bp.route("/stats")
def stats():
    """Public figures of a completed half-year [R3, transparency]: cases received by
    category and by region and the share answered on time, small numbers hidden, the
    regions drawn as bars too (``services.public_stats``). ``?year=&half=&region=``; what
    is not understood falls back to the last completed half-year, or to all regions, with
    a notice (400)."""
    last = public_stats.default_period()
    year, half, region, notice = _stats_choice(request.args, last)
    figures = public_stats.figures(year, half, region.code if region else None)
    years = range(last[0], last[0] - public_stats.YEARS_SHOWN - 1, -1)
    page = render_template("public/stats.html", figures=figures, years=years, notice=notice,
                           small=public_stats.SMALL, chart=public_stats.chart(figures),
                           chosen={"year": year, "half": half, "region": region.code if region else ""})
    if notice:
        return page, 400
    return _cache_publicly(make_response(page), STATS_CACHE_SECONDS)


@bp.route("/stats.csv")
def stats_csv():
    """The figures of /stats as a table for spreadsheets, in the page's language
    (``public_stats.csv_file``) [R3, transparency]. The same query as /stats; one not
    understood gets its notice as plain text (400)."""
    figures, notice = _stats_download()
    if notice:
        return notice, 400, {"Content-Type": "text/plain; charset=utf-8"}
    name, data = public_stats.csv_file(figures)
    return _cache_publicly(send_bytes(data, "text/csv", name), STATS_CACHE_SECONDS)


@bp.route("/stats.json")
def stats_json():
    """The figures of /stats as open data for programs (``public_stats.open_data``) [R3,
    transparency]. The same query as /stats; one not understood gets its notice in a JSON
    error (400)."""
    figures, notice = _stats_download()
    if notice:
        return jsonify(error="bad_query", message=notice), 400
    name, data = public_stats.json_file(figures)
    return _cache_publicly(send_bytes(data, "application/json", name), STATS_CACHE_SECONDS)


def _stats_download():
    """(figures, None) for the query of a download, or (None, notice) when it is not understood."""
    year, half, region, notice = _stats_choice(request.args, public_stats.default_period())
    if notice:
        return None, notice
    return public_stats.figures(year, half, region.code if region else None), None


def _stats_choice(args, last):
    """(year, half, Region or None, notice) from the query string."""
    year, half = last
    region, notice = None, None
    year_arg, half_arg = args.get("year", "").strip(), args.get("half", "").strip()
    if year_arg or half_arg:
        if (year_arg and not re.fullmatch(r"[0-9]{4}", year_arg)) or half_arg not in ("", "1", "2"):
            notice = _("We could not understand the half-year you asked for. "
                       "Here are the figures of the last half-year that has ended.")
        else:
            asked = public_stats.asked_period(int(year_arg) if year_arg else None,
                                              int(half_arg) if half_arg else None, last)
            why = public_stats.unpublished(asked, last)
            if why == public_stats.NOT_ENDED:
                notice = _("Figures are shown only for half-years that have ended. "
                           "Here are the figures of the last one.")
            elif why == public_stats.TOO_OLD:
                notice = _("Figures are shown from %(year)s on. Here are the figures of the last "
                           "half-year that has ended.", year=last[0] - public_stats.YEARS_SHOWN)
            else:
                year, half = asked
    code = args.get("region", "").strip()
    if code:
        region = _region(code)
        if region is None:
            notice = notice or _("There is no such region. Here are the figures for all regions.")
    return year, half, region, notice


def _cache_publicly(response, seconds):
    """Cache-Control for a page that is the same for everyone reading it in one language:
    public for ``seconds`` — but only private when the response sets a cookie (a language
    chosen with ``?lang=``, a message taken out of the session): a shared cache must not
    hand those to others."""
    chosen = g.get("remember_language")
    sets_cookie = current_app.session_interface.should_set_cookie(current_app, session) or bool(
        chosen and request.cookies.get(LANG_COOKIE) != chosen)
    response.headers["Cache-Control"] = f"{'private' if sets_cookie else 'public'}, max-age={seconds}"
    response.vary.update(("Accept-Language", "Cookie"))
    return response


def _region(code):
    if not isinstance(code, str) or not REGION_CODE.fullmatch(code):
        return None
    return db.session.get(Region, code)


@bp.route("/report", methods=["GET", "POST"])
def report():
    """Step 1 (no region): choose the region. Step 2: the form; POST sends it."""
    region = _region(request.args.get("region"))
    if region is None:
        if request.method == "POST":
            abort(400)
        return _region_page()

    version = version_for_region(region.code)
    definition = version.definition if version else None
    form = ReportForm()
    if request.method == "GET":
        form.started.data = intake.started_token()
        return _report_page(form, region, definition)

    address = request.remote_addr
    raw = raw_answers(request.form, definition)
    try:
        intake.check_submission_limit(address)
        intake.check_not_a_robot(form.website.data, form.started.data)
    except intake.Throttled as error:
        return _report_page(form, region, definition, raw, notice=str(error), status=429)
    except intake.Refused as error:
        return _report_page(form, region, definition, raw, notice=str(error), status=400)

    valid = form.validate()
    answers, answer_errors = validate_answers(definition, raw)
    values, children = form.report_values(region.code, current_language()), form.children_values()
    try:
        check_consent(values, children, form.consent.data)
    except ConsentRequired as error:
        form.consent.errors.append(str(error))
        valid = False
    notice = None
    if valid and not answer_errors:
        try:
            intake.use_start_token(form.started.data)
            case, code = submit_case(values, children, answers, form.uploads(), version, consent=form.consent.data)
        except AttachmentRefused as error:
            db.session.rollback()
            form.attachments.errors.append(str(error))
            intake.count_submission(address)  # intake.count_submission says why
        except ConsentRequired as error:
            db.session.rollback()
            form.consent.errors.append(str(error))
        except intake.Refused as error:
            db.session.rollback()
            notice = str(error)
        except InvalidInput as error:
            db.session.rollback()
            notice = str(error)
        else:
            session[RECEIPT_KEY] = receipt_holds.hold(case, code)
            session[DONE_KEY] = case.id  # before the commit expires it
            db.session.commit()
            intake.count_submission(address)
            return redirect(url_for("public.report_done"))
    return _report_page(form, region, definition, raw, answer_errors, notice=notice, status=400)


MAX_SEARCH = 100


def _region_page():
    """Step 1: the regions in the page's language's order; ``?q=`` narrows the list (the
    script narrows it as one types, the same way), in any of the three languages."""
    regions = sorted(db.session.scalars(select(Region)), key=lambda r: sort_key(r.name))
    query = request.args.get("q", "").strip()[:MAX_SEARCH]
    found = [region for region in regions if _region_matches(region, query)]
    return render_template("public/report_region.html", regions=found or regions, query=query,
                           nothing_found=bool(query) and not found, unknown="region" in request.args)


def _region_matches(region, query):
    names = (region.name_kk, region.name_ru, region.name_en, region.official_name())
    return query.casefold() in " ".join(names).casefold()


def _report_page(form, region, definition, raw=None, answer_errors=None, notice=None, status=200):
    """The form, with what was typed kept: only files cannot be sent back to the browser."""
    language = current_language()
    questions = questions_for_page(definition, language)
    answer_errors = answer_errors or {}
    if not intake.token_is_fresh(form.started.data):
        form.started.data = intake.started_token()
    form.website.data = ""
    extra = [(q["error_target"], q["label"], str(answer_errors[q["key"]]))
             for q in questions if q["key"] in answer_errors]
    error_items = error_list(form, extra=extra, before="attachments") if request.method == "POST" else []
    files_dropped = request.method == "POST" and bool(form.uploads())
    title = ((definition or {}).get("title") or {})
    # What a child typed is never kept by the browser's cache or its back-forward cache.
    return _private(render_template(
        "public/report_form.html", form=form, region=region, questions=questions,
        questions_title=title.get(language) or title.get("kk"), answers_given=raw or {},
        answer_errors=answer_errors, error_items=error_items, notice=notice,
        files_dropped=files_dropped)), status


@bp.route("/report/done")
def report_done():
    """The confirmation. The receipt code stays on it, reload after reload, until the
    reporter says it is saved (services.receipt_holds)."""
    case = _reported_case()
    if case is None:
        return redirect(url_for("public.report"))
    return _done_page(case, SavedForm())


@bp.route("/report/done", methods=["POST"])
def receipt_saved():
    """"I have saved it": the code is no longer kept for this browser."""
    case = _reported_case()
    if case is None:
        return redirect(url_for("public.report"))
    form = SavedForm()
    if not form.validate():
        return _done_page(case, form, status=400)
    receipt_holds.forget(session.pop(RECEIPT_KEY, None))
    db.session.commit()
    return redirect(url_for("public.report_done"))


@bp.route("/report/done/receipt.png")
def receipt_card():
    """The receipt card to save on a phone, while the code is still held."""
    held = _held_receipt(_reported_case())
    if held is None:
        abort(404)
    case, code = held
    response = send_bytes(receipt_card_png(case, code), "image/png",
                          _("receipt-%(number)s.png", number=case.registration_number))
    return _private(response)


def _reported_case():
    case_id = session.get(DONE_KEY)
    return db.session.get(Case, case_id) if isinstance(case_id, int) else None


def _held_receipt(case):
    """(case, code) while the code of ``case`` is held for this browser, else None."""
    held = receipt_holds.held(session.get(RECEIPT_KEY)) if case is not None else None
    return held if held and held[0].id == case.id else None


def _done_page(case, saved_form, status=200):
    held = _held_receipt(case)
    return _private(render_template("public/report_done.html", case=case, saved_form=saved_form,
                                    receipt=format_receipt(held[1]) if held else None)), status


def _opened_case():
    opened = session.get(OPENED_KEY)
    if not isinstance(opened, dict):
        return None
    case = intake.case_for_session(opened.get("id"), opened.get("hash"))
    if case is None:
        session.pop(OPENED_KEY, None)
    return case


@bp.route("/status", methods=["GET", "POST"])
def status():
    """Open a report with its receipt code; once opened, it stays open in this browser
    session (id and receipt hash) until "Close"."""
    case = _opened_case()
    if request.method == "GET" and case is not None:
        return _case_page(case)
    form = ReceiptForm()
    code = 200
    if request.method == "POST":
        code = 400
        if form.validate():
            try:
                case = intake.open_by_receipt(form.code.data, request.remote_addr)
            except intake.Throttled as error:
                form.code.errors.append(str(error))
                code = 429
            except InvalidInput as error:
                form.code.errors.append(str(error))
            else:
                session[OPENED_KEY] = {"id": case.id, "hash": case.receipt_hash}
                return redirect(url_for("public.status"))
    return _private(render_template("public/status_form.html", form=form, error_items=error_list(form))), code


def _case_page(case, message_form=None, status=200):
    message_form = message_form or MessageForm(prefix="message", formdata=None)
    files_dropped = request.method == "POST" and bool(message_form.uploads())
    return _private(render_template(
        "public/status_case.html", case=case, messages=reporter_messages(case),
        state_label=CASE_STATE_LABELS.get(case.state, case.state),
        explanation=STATE_EXPLANATIONS.get(case.state, ""),
        message_form=message_form, close_form=CloseForm(prefix="close"),
        error_items=error_list(message_form), files_dropped=files_dropped,
        open_states=CaseState.OPEN)), status


@bp.route("/status/message", methods=["POST"])
def status_message():
    """The reporter adds a message and files to the opened case."""
    case = _opened_case()
    if case is None:
        flash(_("Please write your receipt code again."), "error")
        return redirect(url_for("public.status"))
    form = MessageForm(prefix="message")
    if form.validate():
        try:
            intake.check_message_limit(case, request.remote_addr)
            add_reporter_message(case, form.body.data, form.uploads())
        except intake.Throttled as error:
            form.body.errors.append(str(error))
        except AttachmentRefused as error:
            db.session.rollback()
            form.attachments.errors.append(str(error))
            intake.count_message(case, request.remote_addr)  # as intake.count_submission says
        except InvalidInput as error:
            db.session.rollback()
            form.body.errors.append(str(error))
        else:
            intake.count_message(case, request.remote_addr)
            db.session.commit()
            flash(_("Your message is sent."), "info")
            return redirect(url_for("public.status"))
    return _case_page(case, form, status=400)


@bp.route("/status/close", methods=["POST"])
def status_close():
    session.pop(OPENED_KEY, None)
    flash(_("Your report is closed on this device."), "info")
    return redirect(url_for("public.status"))


@bp.route("/status/files/<int:attachment_id>")
def status_file(attachment_id):
    """A file of the message exchange, for the reporter who opened the case."""
    case = _opened_case()
    attachment = reporter_attachment(case, attachment_id) if case is not None else None
    if attachment is None:
        abort(404)
    return _private(send_stored(attachment.file))


def _plain_http_allowed(view):
    """flask-talisman's per-view option: this view is not redirected to https."""
    view.talisman_view_options = {"force_https": False}
    return view


@bp.route("/healthz")
@csrf.exempt
@_plain_http_allowed
def healthz():
    """200 when the app and its database answer; 503 otherwise. Answered over plain HTTP
    too (no redirect to https): that is how a platform's health check probes a process."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="error"), 503
    return jsonify(status="ok", database="ok")

