# djwechat: two commands.
#   make demo   set up from scratch and run the example site (127.0.0.1:8000) with the simulator (127.0.0.1:8900)
#   make test   set up from scratch and run the whole test suite
# DATABASE_URL / REDIS_URL select PostgreSQL / Redis; unset, SQLite and Django's database cache are used.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
# Extras installed by `make setup`; add mysql (needs libmariadb-dev and pkg-config) for MariaDB / MySQL.
EXTRAS ?= redis,postgres,example,test,dev,docs
# Two workers match this project's 2-core machines; set PYTEST_WORKERS=0 to run in one process.
PYTEST_WORKERS ?= 2

.PHONY: demo test setup lint typecheck layers docs bench clean

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

bench: $(STAMP)
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) example/db.sqlite3 .pytest_cache .mypy_cache .ruff_cache site build
