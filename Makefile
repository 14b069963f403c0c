PYTHON ?= python3
VENV = .venv
BIN = $(VENV)/bin
INSTALLED = $(VENV)/.installed
PYTEST_ARGS ?=

export PIP_DISABLE_PIP_VERSION_CHECK = 1
# Every target here is development: DEBUG is off unless set (production fails closed without
# SECRET_KEY and DATABASE_URL), so it is turned on for them, over SQLite with the demo data.
export DEBUG ?= True

.DEFAULT_GOAL := test
.PHONY: run test unit lint clean check-python

check-python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { \
		echo "gymbooking needs Python 3.12 or newer; '$(PYTHON)' was not found. Install it or run: make PYTHON=python3.13 ..." >&2; \
		exit 1; }
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if v >= (3, 12) else "gymbooking needs Python 3.12 or newer; found %d.%d. Install it or run: make PYTHON=python3.13 ..." % v)'

# The virtual environment is created once, with the interpreter checked first.
$(BIN)/python:
	@$(MAKE) --no-print-directory check-python
	$(PYTHON) -m venv $(VENV)

# One environment serves run, test and lint; it is reinstalled whenever pyproject.toml changes.
$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

run: $(INSTALLED)
	$(BIN)/python manage.py migrate
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(INSTALLED)
	$(BIN)/pytest $(PYTEST_ARGS)

# The framework-free tests (domain and use cases over the in-memory fakes): seconds.
unit: $(INSTALLED)
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .import_linter_cache *.egg-info
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +

# Every benchmark (scripts, not tests), each on a throwaway database beside the one
# DATABASE_URL names (SQLite by default; PostgreSQL for the workers and the rush, which is
# skipped without it), each printing its ratios last. README "Performance" has the figures.
BENCH_SCRIPTS = dispatch use_cases pages locations http_load rush
.PHONY: bench $(addprefix bench-,$(BENCH_SCRIPTS))
bench: $(addprefix bench-,$(BENCH_SCRIPTS))

# benchmarks/http_load.py drives gunicorn with wrk (apt-get install wrk).
bench-dispatch bench-use_cases bench-pages bench-locations bench-http_load: bench-%: $(INSTALLED)
	$(BIN)/python benchmarks/$*.py

# What a request costs outside its view, middleware by middleware (a diagnostic, in-process).
.PHONY: bench-overhead
bench-overhead: $(INSTALLED)
	$(BIN)/python benchmarks/request_overhead.py

bench-rush: $(INSTALLED)
	@case "$$DATABASE_URL" in postgres*) $(BIN)/python benchmarks/rush.py ;; \
	  *) echo "benchmarks/rush.py: PostgreSQL only, skipped (set DATABASE_URL=postgres://...)" ;; esac

# Promotion latency with and without 10,000 e-mails waiting (PostgreSQL: set DATABASE_URL).
.PHONY: bench-backlog
bench-backlog: $(INSTALLED)
	$(BIN)/python benchmarks/promotion_backlog.py

# The README's screenshots, regenerated from the demo data (needs Debian's chromium).
.PHONY: screenshots
screenshots: $(INSTALLED)
	$(BIN)/python scripts/screenshots.py
