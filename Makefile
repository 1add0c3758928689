# Two commands set everything up on a fresh machine: `make demo` and `make test`.
# uv is taken from PATH, or installed once into .tools/ with the system Python's pip.

PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
EXAMPLES := examples/daraa-crossing.txt examples/idlib-strikes.html examples/briefs.jsonl

.PHONY: demo test install models web browser map bench schema clean

demo: install models web
	$(BIN)/sitrep analyze $(EXAMPLES)

test: install models web browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Trained layers, fitted from ../shared/eval training files into the cache (skipped without them).
models: install
	$(BIN)/python -m sitrep.train

install: $(VENV)/.installed

# --compile-bytecode: every process (each Ray worker, each CLI run) otherwise recompiles the
# ~1,000 modules it imports when PYTHONDONTWRITEBYTECODE is set (measured: a local Ray cluster
# starts in 5 s, not 12; a pipeline is ready in 6 s, not 13).
$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --all-extras --compile-bytecode
	@touch $@

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet "uv==0.13.8"

# The map page's browser libraries (leaflet, topojson-client, world-atlas, swagger-ui-dist), from
# web/package-lock.json into web/node_modules; `sitrep serve` sends them from there (no CDN).
# --ignore-scripts: no install script runs (swagger-ui-dist pulls in a telemetry postinstall).
web: web/node_modules/.package-lock.json

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	command -v npm >/dev/null || (apt-get update && apt-get install -y --no-install-recommends npm)
	cd web && npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

# Debian's chromium, which the browser tests drive through Playwright (no browser download).
browser:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y --no-install-recommends chromium)

# The examples on the map: ingest them into build/examples.duckdb and serve it on 127.0.0.1:8000.
map: install web
	$(BIN)/sitrep ingest $(EXAMPLES) --db build/examples.duckdb
	$(BIN)/sitrep serve --db build/examples.duckdb

# Regenerate the committed JSON Schema after changing model.py (a test fails while it is stale).
schema: install
	$(BIN)/sitrep schema --out schema/report.schema.json

bench: install
	$(BIN)/python bench/throughput.py

clean:
	rm -rf $(VENV) .tools .pytest_cache web/node_modules
