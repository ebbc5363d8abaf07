"""Figure 5: reports at a million cases (``bench.seed``). One region's half-year report
computed (target ≤ 100 ms), the national roll-up of the 20 regions (≤ 500 ms), and the
XLSX and PDF files of a region's report (≤ 2 s each, computing included).

Timed in-process on the real app (``create_app`` on the bench database), the half-year
being the last completed one; each figure is warmed up once, then timed a few times and
reported as its p95 (the worst of few runs). A module not written yet gives a "not
available" row instead of a figure.
"""
from __future__ import annotations

import time

from bench.common import Row, percentile, say, unavailable

REGION = "75"  # the region with the most cases
REPORT_MS, ROLLUP_MS, FILE_MS = 100.0, 500.0, 2000.0


def _timed(fn, repeat):
    fn()  # warm up: first queries, templates, fonts
    timings = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - began) * 1000)
    return percentile(timings, 95), percentile(timings, 50)


def _row(figure, timings, target_ms, note=""):
    p95, median = timings
    return Row(figure, p95, "ms p95", f"≤ {target_ms:,.0f} ms", p95 <= target_ms,
               f"median {median:,.0f} ms" + (f"; {note}" if note else ""))


def measure(database_url, region=REGION, repeat=5):
    """Time the report figures on ``database_url``; return the rows."""
    from bench.lists import _app

    try:
        from services.reports import build_half_year_report, last_completed_half, national_rollup
    except ImportError as exc:
        return [unavailable("reports: region half-year report", f"not available yet: {exc}"),
                unavailable("reports: national roll-up", f"not available yet: {exc}")]
    app = _app(database_url)
    rows = []
    with app.test_request_context("/?lang=kk"):
        from extensions import db
        from models import Region

        year, half = last_completed_half()
        period = f"{year} H{half}, region {region}"
        rows.append(_row("reports: region half-year report (compute)",
                         _timed(lambda: build_half_year_report(region, year, half), repeat * 2),
                         REPORT_MS, period))
        say(f"reports: region report {rows[-1].value:.0f} ms")
        rows.append(_row("reports: national roll-up (20 regions)",
                         _timed(lambda: national_rollup(year, half), repeat), ROLLUP_MS,
                         f"{year} H{half}"))
        say(f"reports: national roll-up {rows[-1].value:.0f} ms")
        try:
            from services.report_files import pdf_bytes, xlsx_bytes
            from services.report_layout import render
        except ImportError as exc:
            return rows + [unavailable(f"reports: {kind} file of a region's report",
                                       f"not available yet: {exc}") for kind in ("XLSX", "PDF")]
        place = db.session.get(Region, region)
        for kind, make in (("XLSX", xlsx_bytes), ("PDF", pdf_bytes)):
            def build(make=make):
                return make(render(build_half_year_report(region, year, half), place, "kk"))
            size = len(build())
            rows.append(_row(f"reports: {kind} file of a region's report", _timed(build, repeat),
                             FILE_MS, f"compute + layout + file, kk, {size / 1024:,.0f} KB"))
            say(f"reports: {kind} {rows[-1].value:.0f} ms")
    return rows


if __name__ == "__main__":
    import argparse

    from bench.common import table

    parser = argparse.ArgumentParser(description="Figure 5: reports at a million cases.")
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    table(measure(args.database_url))
