# Two commands set everything up on a fresh machine: `make demo` and `make test`.
# uv is taken from PATH, or installed once into .tools/ with the system Python's pip.

PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
EXAMPLES := examples/daraa-crossing.txt examples/idlib-strikes.html examples/briefs.jsonl

.PHONY: demo test install models bench schema clean

demo: install models
	$(BIN)/sitrep analyze $(EXAMPLES)

test: install models
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Trained layers, fitted from ../shared/eval training files into the cache (skipped without them).
models: install
	$(BIN)/python -m sitrep.train

install: $(VENV)/.installed

# --compile-bytecode: every process (each Ray worker, each CLI run) otherwise recompiles the
# ~1,000 modules it imports when PYTHONDONTWRITEBYTECODE is set; a Ray actor starts in 3 s, not 8.
$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --all-extras --compile-bytecode
	@touch $@

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet "uv==0.13.8"

# Regenerate the committed JSON Schema after changing model.py (a test fails while it is stale).
schema: install
	$(BIN)/sitrep schema --out schema/report.schema.json

bench: install
	$(BIN)/python bench/throughput.py

clean:
	rm -rf $(VENV) .tools .pytest_cache
