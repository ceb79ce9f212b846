# djwechat: two commands.
#   make demo   set up from scratch and run the example site (127.0.0.1:8000) with the simulator (127.0.0.1:8900)
#   make test   set up from scratch and run the whole test suite
# DATABASE_URL / REDIS_URL select PostgreSQL / Redis; unset, SQLite and Django's database cache are used.
#   make bench-http   the HTTP benchmark (gunicorn + wrk, PostgreSQL + Redis): docs/benchmarks.md
#   make bench-smoke  the same harness in under a minute, for CI (no figure is meaningful)
#   make soak         locust against gunicorn + PostgreSQL + Redis + the simulator, then the invariants
#                     (SOAK_ARGS="--faults" for the fault schedule, "--smoke" for a short run; CI runs
#                     "--smoke --faults"): docs/reliability.md
#   make fuzz         schemathesis against the example site's OpenAPI schema (FUZZ_ARGS=--smoke: short)
#   make messages     compile every translation catalogue (.po -> .mo; needs GNU gettext's msgfmt)

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
# Extras installed by `make setup`; add mysql (needs libmariadb-dev and pkg-config) for MariaDB / MySQL.
EXTRAS ?= redis,postgres,example,test,dev,docs
# Two workers match this project's 2-core machines; set PYTEST_WORKERS=0 to run in one process.
PYTEST_WORKERS ?= 2

# The HTTP benchmark's own virtualenv: djwechat from this checkout plus the peers it is compared with.
BENCH_VENV := bench/.peers
BENCH_PY := $(BENCH_VENV)/bin/python
BENCH_STAMP := $(BENCH_VENV)/.installed-stamp
BENCH_ARGS ?=
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test setup lint typecheck layers docs messages bench bench-tools bench-http bench-smoke soak fuzz clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[$(EXTRAS)]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(PY) example/manage.py migrate --noinput
	$(PY) example/manage.py createcachetable
	$(PY) example/manage.py wechat_demo

test: $(STAMP)
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests example bench
	$(VENV)/bin/ruff format --check src tests example bench

typecheck: $(STAMP)
	$(VENV)/bin/mypy src

layers: $(STAMP)
	$(VENV)/bin/lint-imports

# The guides and the API reference (from the docstrings) into site/; any warning fails the build.
docs: $(STAMP)
	$(VENV)/bin/mkdocs build --strict --quiet

# The .po files are edited by hand (their msgids are the English texts of the code); the compiled
# .mo files are committed, so that the wheel ships them and no install needs gettext.
messages:
	for po in $$(find src/djwechat -path '*/locale/*/LC_MESSAGES/*.po'); do \
		msgfmt --check -o "$${po%.po}.mo" "$$po" || exit 1; \
	done

bench: $(STAMP)
	$(PY) bench/run_all.py

$(BENCH_STAMP): pyproject.toml bench/requirements.txt
	test -x $(BENCH_PY) || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_PY) -m pip install --quiet --upgrade pip
	$(BENCH_PY) -m pip install --quiet -e '.[redis,postgres,example]' -r bench/requirements.txt
	touch $(BENCH_STAMP)

# wrk is a Debian package; installed only when missing.
bench-tools: $(BENCH_STAMP)
	command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq wrk; }

bench-http: bench-tools
	$(BENCH_PY) -m bench.httpbench $(BENCH_ARGS)

bench-smoke: bench-tools
	$(BENCH_PY) -m bench.httpbench --smoke $(BENCH_ARGS)

SOAK_ARGS ?=
soak: $(STAMP)
	$(PY) -c 'import locust' 2>/dev/null || $(PY) -m pip install --quiet -e '.[load]'
	$(PY) -m bench.soak $(SOAK_ARGS)

FUZZ_ARGS ?=
fuzz: $(STAMP)
	$(PY) -c 'import schemathesis' 2>/dev/null || $(PY) -m pip install --quiet -e '.[fuzz]'
	$(PY) -m bench.fuzz $(FUZZ_ARGS)

clean:
	rm -rf $(VENV) $(BENCH_VENV) example/db.sqlite3 .pytest_cache .mypy_cache .ruff_cache site build
