"""``python -m bench`` (``make bench``): every figure of the "Scale" issue in one table.

    python -m bench                      # everything, 1,000,000 cases
    python -m bench --quick              # short runs and 20,000 cases: a smoke check
    python -m bench --only submit,alerts # some figures only (names below)
    python -m bench --quick --only api   # POST /api/v1/cases at 16 connections ÷ the floor
    python -m bench --cases 200000 --no-seed
    python -m bench --fresh              # drop the bench database first, then everything
    python -m bench faults [--quick]     # the fault run (``make bench-faults``)

The database is an embedded PostgreSQL 18 in ``instance/bench-pgdata`` unless
``BENCH_DATABASE_URL`` is set. Progress goes to stderr, the table to stdout; the table
is also written to ``instance/bench-logs/last-run.txt``.
"""
from __future__ import annotations

import argparse
import importlib
import io
import sys
import time
import traceback
from datetime import datetime, timezone

from bench.common import BENCH_LOGS, BenchPostgres, Row, machine, migrate, say, table, unavailable

STEPS = ("seed", "submit", "api", "lists", "reports", "alerts", "memory")
OTHERS = {"seed", "lists", "reports"}  # modules written separately; skipped when missing


def _module(name):
    try:
        return importlib.import_module(f"bench.{name}")
    except ModuleNotFoundError as error:
        if error.name == f"bench.{name}":
            return None
        raise


def _run_step(name, rows, func):
    say(f"--- {name}")
    began = time.monotonic()
    try:
        rows += func()
    except Exception as error:  # noqa: BLE001 — one failed figure must not hide the others
        traceback.print_exc()
        rows.append(unavailable(name, f"failed: {type(error).__name__}: {str(error).splitlines()[0][:150]}"
                                      if str(error) else f"failed: {type(error).__name__}"))
    say(f"--- {name}: {time.monotonic() - began:.0f} s")


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["faults"]:
        from bench import faults

        return faults.main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m bench", description="The performance benchmark.",
                                     epilog="Subcommand: `python -m bench faults [--quick]` for the fault run.")
    parser.add_argument("--quick", action="store_true",
                        help="short runs (4 s loads, 1,000 requests, 20,000 cases): a smoke check")
    parser.add_argument("--only", action="append", default=[],
                        help=f"run only these steps, comma-separated: {', '.join(STEPS)}")
    parser.add_argument("--cases", type=int, default=None,
                        help="cases the seed puts in the database (default 1,000,000; 20,000 with --quick)")
    parser.add_argument("--no-seed", action="store_true", help="keep the database as it is (no seed step)")
    parser.add_argument("--fresh", action="store_true",
                        help="drop and recreate the embedded bench database first (e.g. after a migration "
                             "was edited)")
    parser.add_argument("--duration", type=float, default=None,
                        help="seconds of each load run (default 20; 4 with --quick)")
    args = parser.parse_args(argv)

    only = {name.strip() for item in args.only for name in item.split(",") if name.strip()}
    unknown = only - set(STEPS)
    if unknown:
        parser.error(f"unknown step(s) {', '.join(sorted(unknown))}; choose from {', '.join(STEPS)}")
    steps = [s for s in STEPS if (not only or s in only) and not (s == "seed" and args.no_seed)]
    duration = args.duration or (4.0 if args.quick else 20.0)
    cases = args.cases or (20_000 if args.quick else 1_000_000)

    started = datetime.now(timezone.utc)
    pg = BenchPostgres()
    say("starting the bench database" + (" (BENCH_DATABASE_URL)" if pg.external else " (embedded)"))
    url = pg.start()
    if args.fresh:
        pg.reset()
    migrate(url)
    rows: list[Row] = []
    prepared = {}

    def need_prepared():
        if not prepared:
            from bench.submit import prepare

            prepared.update(prepare(url))
        return prepared

    for step in steps:
        if step in OTHERS:
            module = _module(step)
            if module is None:
                rows.append(unavailable(step, f"not available (bench/{step}.py is not there yet)"))
                continue
            if step == "seed":
                _run_step(step, rows, lambda m=module: m.seed(url, cases=cases))
            else:
                _run_step(step, rows, lambda m=module: m.measure(url))
        elif step == "submit":
            from bench import submit

            _run_step(step, rows, lambda: submit.measure(url, need_prepared(), duration=duration))
        elif step == "api":
            from bench import api

            _run_step(step, rows, lambda: api.measure(url, need_prepared(), duration=duration))
        elif step == "alerts":
            from bench import alerts

            _run_step(step, rows, lambda: alerts.measure(url, need_prepared(), duration=duration))
        elif step == "memory":
            from bench import memory

            _run_step(step, rows, lambda: memory.measure(url, need_prepared(),
                                                         requests=1_000 if args.quick else 10_000))

    out = io.StringIO()
    header = (f"Bench {'(quick) ' if args.quick else ''}{started:%Y-%m-%d %H:%M} UTC on {machine()}; "
              f"{time.time() - started.timestamp():.0f} s")
    print(header, file=out)
    table(rows, file=out)
    text = out.getvalue()
    print("\n" + text, end="")
    BENCH_LOGS.mkdir(parents=True, exist_ok=True)
    (BENCH_LOGS / "last-run.txt").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
