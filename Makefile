# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make book   -- build the HTML book into _build/html, its Chinese edition into _build/html/zh_CN
#   make test   -- everything, on every core: unit and Node tests, the book in a browser, every chapter under
#                  strict nbval, and every chapter run as a reader runs it (CI runs this)
# and, while working:
#   make check       -- the fast tier: unit and Node tests, no book build, no chapters
#   make reader-runs -- every chapter alone, unpinned, in both reader environments
#   make notebooks   -- re-execute every chapter in place, storing outputs and widget state
#   make panels      -- write the current charrnn/js scripts into the stored panels (seconds)
#   make wasm        -- rebuild charrnn/js/kernels_wasm.js from charrnn/wasm/kernels.c (needs clang, lld)
#   make lock        -- re-resolve requirements.txt into requirements.lock, which `make` installs
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: book test check reader-runs notebooks panels wasm lock clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

book: $(STAMP)
	rm -rf _build/.doctrees
	$(PY) scripts/build_book.py

notebooks: $(STAMP)
	$(PY) scripts/execute_notebooks.py

panels: $(STAMP)
	$(PY) scripts/refresh_panels.py

wasm: $(STAMP)
	$(PY) scripts/build_wasm.py

# Every package the build and the tests use, at one version, resolved from requirements.txt by
# pip-tools. The CPU build of torch resolves as 2.13.0+cpu where pip finds it; the lock asks for
# 2.13.0, which that build satisfies and which every machine can find.
lock: $(STAMP)
	$(PY) -m pip install --quiet pip-tools
	$(VENV)/bin/pip-compile --quiet --strip-extras --no-emit-find-links --no-emit-index-url \
		--output-file requirements.lock requirements.txt
	sed -i 's/^torch==\([0-9.]*\)+cpu$$/torch==\1/' requirements.lock

test: $(STAMP)
	$(PY) -m pytest --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg --durations=15 \
		--numprocesses=auto --dist=loadgroup

check: $(STAMP)
	$(PY) -m pytest -m "not slow" tests

reader-runs: $(STAMP)
	$(PY) scripts/reader_run.py --env native
	$(PY) scripts/reader_run.py --env default-1-thread

clean:
	rm -rf _build
