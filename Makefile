# Two commands for a fresh machine with only Python: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export PORT
export FLASK_APP := app

.PHONY: run test install install-dev migrate demo worker translations clean bench bench-faults

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/flask --app app db upgrade

demo: migrate
	$(BIN)/flask --app app seed-demo

## make run: install, migrate, load demo data, serve on http://127.0.0.1:$(PORT)
run: demo
	@echo ""
	@echo "  Open http://127.0.0.1:$(PORT)/  (staff: http://127.0.0.1:$(PORT)/login)"
	@echo "  Demo logins above, password: demo-password-123"
	@echo ""
	$(BIN)/flask --app app run --host 127.0.0.1 --port $(PORT)

## make test: install the dev requirements and run the whole suite
test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

worker: install
	$(BIN)/flask --app app worker

## make bench: every figure of the performance benchmark in one table (bench/README.md);
## BENCH_ARGS="--quick" for a smoke check, "--only submit,alerts", "--cases 200000", "--no-seed"
bench: install-dev
	$(BIN)/python -m bench $(BENCH_ARGS)

## make bench-faults: Postgres restarted and SMTP down under load, about 2 minutes
bench-faults: install-dev
	$(BIN)/python -m bench faults $(BENCH_ARGS)

## make translations: extract messages and update/compile the kk, ru, en catalogues
SOURCES := $(wildcard *.py) admin api auth core forms models public services templates

translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -k lazy_gettext -k ngettext:1,2 -k bilingual -k bilingual_subject -k _tell_reporter:3 -o translations/messages.pot $(SOURCES)
	$(BIN)/pybabel update -i translations/messages.pot -d translations -D messages --no-fuzzy-matching
	$(BIN)/pybabel compile -d translations -D messages
	$(BIN)/pybabel compile -d translations -D admin

clean:
	rm -rf $(VENV) instance/pgdata .pytest_cache
