# Two commands for users: `make run` and `make test`. Everything else is for developers.
# the interpreter of .venv: the distribution's python3 when it is 3.11 or newer and has venv,
# else the first python3 on PATH. On the 2-core machine PATH's python3 is a pyenv build
# (configured without --enable-optimizations): Debian's python3.11 ran the suite with 0.84x its
# CPU and a CLI command with 0.89x (bench/RESULTS.md, "2026-12-05 (morning)").
# `make test PYTHON=python3` picks PATH's.
# (python3 when neither qualifies: the version check or venv below then says what is missing)
ifeq ($(origin PYTHON), undefined)
PYTHON := $(shell { for p in /usr/bin/python3 python3; do \
	$$p -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& { echo $$p; break; }; done; echo python3; } | head -1)
endif
VENV ?= .venv
BIN = $(VENV)/bin
# the interpreter's real path: .venv is made again (--clear) when it was made with another one
PYTHON_REAL := $(shell $(PYTHON) -c 'import os, sys; print(os.path.realpath(sys.executable))' 2>/dev/null)
STAMP = $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)-$(shell echo '$(PYTHON_REAL)' | cksum | cut -d' ' -f1)
PORT ?= 8000
# the suite's xdist workers: three on the 2-core machine. Two left the cores idle ~13 % of the
# run (workers waiting on the servers, chromium and PostgreSQL they drive); three took 0.94x and
# 0.98x the wall time of two in two paired runs (bench/RESULTS.md, "2026-12-05")
TEST_WORKERS ?= 3
# Python keeps compiled modules (__pycache__) even where the environment says not to: without
# them every process (each pytest worker, each `bch serve` and `bch` the tests start) compiles
# src/bch again (~0.25 s of CPU each) and pytest rewrites every test module again
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install run test test-slow test-all pretest test-full fuzz crash node-faults screenshots lint format bench bench-reads load soak clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python >= 3.11 is required"; exit 1; }
	@if [ -e $(BIN)/python ] && [ "$$(readlink -f $(BIN)/python)" != "$(PYTHON_REAL)" ]; then \
		echo "$(VENV) was made with $$(readlink -f $(BIN)/python): made again with $(PYTHON_REAL)"; \
		$(PYTHON) -m venv --clear $(VENV); \
	else $(PYTHON) -m venv $(VENV); fi
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test,load]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/bch serve --port $(PORT)

# the suite on both databases, the browser tests included, without its `slow` tests (kill -9 of
# real processes, loads, servers of several workers: 31 tests, a fifth of the suite's CPU), which
# `make test-slow` runs. CI runs both (.ci/run); `make test-all` runs them in one go.
test: pretest
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup -m "not slow"

# the `slow` tests (pyproject.toml's marker), at the bounded size CI runs them: each kill once or
# twice (CRASH_ROUNDS), one round of each node fault (BCH_TEST_NODE_FAULTS); `make crash` and
# `make node-faults` run many more
test-slow: install
	sh scripts/ensure-faketime.sh
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup -m slow

# lint, then every test of the suite in one run (`make test` and `make test-slow` together)
test-all: pretest
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

# what `make test` and `make test-all` do first: the lint, then Debian's chromium (the browser
# tests) and libfaketime (the nodes' clocks), installed with apt-get when missing
pretest: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	sh scripts/ensure-chromium.sh
	sh scripts/ensure-faketime.sh

# the suite with the equivalence tests over all the shipped records, not their sample
# (BCH_TEST_FULL=1, tests/shipped_sample.py)
test-full: install
	sh scripts/ensure-chromium.sh
	sh scripts/ensure-faketime.sh
	BCH_TEST_FULL=1 $(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

# the OpenAPI fuzzers of the suite (tests/api/test_openapi_fuzz.py, and the stateful one following
# the write flows' links - drafts and requests, forums, consultations, attachments -
# tests/api/test_openapi_stateful.py, BCH_FUZZ_STATEFUL scenarios per flow) with many more examples, and
# their summaries: requests and statuses per operation, then the findings
fuzz: install
	BCH_TEST_EXPLORE=1 BCH_FUZZ_EXAMPLES=$${BCH_FUZZ_EXAMPLES:-60} BCH_FUZZ_STATEFUL=$${BCH_FUZZ_STATEFUL:-150} \
	$(BIN)/pytest tests/api/test_openapi_fuzz.py tests/api/test_openapi_stateful.py -n 2 -q; \
	status=$$?; cat test-artifacts/openapi-fuzz-*.txt test-artifacts/openapi-stateful-*.txt; exit $$status

# crash safety (issue 15 item 6): kill -9 a real `bch serve` during publishes, index builds and
# exports, 25 times per
# database (make test-slow runs 2 of the publishes, 1 of the exports); CRASH_SEED picks other moments
crash: install
	CRASH_ROUNDS=$${CRASH_ROUNDS:-25} $(BIN)/pytest tests/faults -n0 -q

# national nodes' fault test (issue 12) with more rounds of each fault (make test-slow runs 1): kill -9
# at observed moments of bootstrap, feed application and pushes, garbled feed pages, skewed
# clocks, the central stopped, a central with all the shipped records (make test-slow: their sample);
# NODE_FAULTS_SEED replays a run (each run prints its seed)
node-faults: install
	sh scripts/ensure-faketime.sh
	BCH_TEST_NODE_FAULTS=$${NODE_FAULTS_ROUNDS:-10} BCH_TEST_FULL=1 BCH_TEST_SEED=$${NODE_FAULTS_SEED:-} \
	$(BIN)/pytest tests/nodes/test_node_faults.py -n0 -q -s

# the browser tests with their full-page screenshots at desktop and phone width, into
# test-artifacts/ (make test takes none, except of the pages a failed browser test left open)
screenshots: install
	sh scripts/ensure-chromium.sh
	SCREENSHOTS=1 $(BIN)/pytest -n 2 --dist loadgroup -q $$(grep -rl 'xdist_group("browser' tests)

lint: install
	$(BIN)/ruff check src tests bench

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: install
	$(BIN)/python -m bench

# read throughput side by side with wrk (Debian's, scripts/ensure-wrk.sh): bch, Datasette, bare
# Starlette, bch --workers 2; the LMO page at 50 connections (bench/bench_reads.py)
bench-reads: install
	$(BIN)/python -m bench bench_reads

# the realistic mix with locust (the `load` extra) against a real `bch serve`: 60 s at 100
# concurrent users, p50/p99 printed, fails on any error (bench/load.py, bench/locustfile.py)
load: install
	$(BIN)/python -m bench.load --seconds $${LOAD_SECONDS:-60} --users $${LOAD_USERS:-100}

# the same mix for 10 minutes; the server's memory sampled every 10 s and reported flat or not
soak: install
	$(BIN)/python -m bench.load --soak --seconds $${SOAK_SECONDS:-600} --users $${LOAD_USERS:-100}

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
