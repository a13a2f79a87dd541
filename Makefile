# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make book   -- build the HTML book into _build/html, its Chinese edition into _build/html/zh_CN
#   make test   -- everything: unit and Node tests, the book in a browser, every chapter under
#                  strict nbval, and every chapter run as a reader runs it (CI runs this)
# and, while working:
#   make check       -- the fast tier: unit and Node tests, no book build, no chapters
#   make reader-runs -- every chapter alone, unpinned, in both reader environments
#   make notebooks   -- re-execute every chapter in place, storing outputs and widget state
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: book test check reader-runs notebooks clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

book: $(STAMP)
	rm -rf _build/.doctrees
	$(PY) scripts/build_book.py

notebooks: $(STAMP)
	$(PY) scripts/execute_notebooks.py

test: $(STAMP)
	$(PY) -m pytest --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

check: $(STAMP)
	$(PY) -m pytest -m "not slow" tests

reader-runs: $(STAMP)
	$(PY) scripts/reader_run.py --env native
	$(PY) scripts/reader_run.py --env default-1-thread

clean:
	rm -rf _build
