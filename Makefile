# The two commands of the README: `make run` and `make test`. Both work as root on a fresh
# Debian machine with Python 3.11: they install what they need, then do their job.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8050
RUN_PACKAGES  := chromium fonts-noto-cjk
TEST_PACKAGES := chromium fonts-noto-cjk postgresql poppler-utils redis-server nginx-light openssl systemd

.PHONY: run test install install-test system-run system-test clean

# --demo-if-empty: a fresh clone has no store yet, and gets the demo county (serve alone
# refuses a store that does not exist: a mistyped DATABASE_URL never becomes a new demo)
run: install system-run
	$(PY) -m dashboard serve --demo-if-empty --host $(HOST) --port $(PORT)

# The suite on pytest-xdist workers, one per core and at most two (PYTEST_ARGS=-n0 runs it
# in one process; later arguments win), each test file on one worker (its module fixtures
# built once). scripts/test.sh starts a PostgreSQL and a Redis of the run's own and stops
# them when it ends, whatever the outcome; its exit status is pytest's.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ $$n -ge 2 ] && echo 2 || echo 0)

test: install-test system-test
	PYTHON=$(PY) scripts/test.sh -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# The locks pin every distribution of the install, not only the direct ones (scripts/lock.sh)
install: $(PY)
	$(PY) -m pip install --quiet -r requirements.txt -c requirements.lock

install-test: $(PY)
	$(PY) -m pip install --quiet -r requirements-test.txt -c requirements-test.lock

system-run:
	@scripts/apt-ensure.sh $(RUN_PACKAGES)

system-test:
	@scripts/apt-ensure.sh $(TEST_PACKAGES)

clean:
	rm -rf $(VENV) instance test-artifacts .pytest_cache
