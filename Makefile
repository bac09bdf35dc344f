# The two commands: `make run` (set up, then serve with a worker) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
ADDR ?= 127.0.0.1:8000
export DEBUG ?= 1

.PHONY: run dev setup test lint typecheck bench messages clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

## setup: virtualenv, pinned packages, migrations, seed corpus and demo users
setup: $(VENV)/.installed
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_seeds

## run: set up, then serve the web app (gunicorn, threads) and one Celery worker (Ctrl-C stops both)
run: setup
	$(PY) manage.py serve --addr $(ADDR)

## dev: as run, but with Django's development server, reloading when the code changes
dev: setup
	$(PY) manage.py serve --dev --addr $(ADDR)

## test: virtualenv with dev packages, then the whole suite
test: $(VENV)/.dev-installed
	$(PY) -m pytest $(PYTEST_ARGS)

## lint: pyflakes-level checks (unused names, undefined names, syntax)
lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check --select F,E9 annotations workbench tests bench manage.py

## typecheck: mypy with the Django and DRF stubs over the code (settings in mypy.ini)
typecheck: $(VENV)/.dev-installed
	$(VENV)/bin/mypy annotations workbench

## bench: the benchmarks of bench/ (see bench/RESULTS.md)
bench: $(VENV)/.dev-installed
	$(PY) bench/bench_import.py
	$(PY) bench/bench_release.py
	$(PY) bench/bench_agreement.py
	$(PY) bench/bench_learning.py
	$(PY) bench/bench_recovery.py

## messages: refresh locale/fr/LC_MESSAGES/django.po from the code and compile it (needs GNU gettext);
## translate any new entry in django.po, then run it again
messages: $(VENV)/.installed
	$(PY) manage.py makemessages -l fr --no-obsolete --ignore=.venv --ignore=tests --ignore=bench --ignore=var --ignore=test-artifacts
	$(PY) manage.py compilemessages -l fr --ignore=.venv --ignore=var

clean:
	rm -rf $(VENV) var
