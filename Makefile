# Everything a fresh machine needs, from one of two commands:
#   make run    set up, then run the whole stack on 127.0.0.1 (Ctrl-C stops it)
#   make test   set up, then lint and run every test tier
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules --warn-undefined-variables

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
export PATH := $(abspath $(BIN)):$(PATH)

PROTO_DIR := protos
PROTOS := $(shell find $(PROTO_DIR) -name '*.proto' | sort)
GEN := gen
GEN_PY := $(GEN)/python
DESCRIPTOR := $(GEN)/descriptors/dataquality.binpb

DEPS_STAMP := $(VENV)/.deps-installed
INSTALL_STAMP := $(VENV)/.project-installed
GEN_STAMP := $(GEN)/.generated

.PHONY: all run test lint unit integration e2e generate setup browser bench bench-clean freeze clean
all: setup

## setup: virtualenv with pinned dependencies, generated code, project installed
setup: $(INSTALL_STAMP)

$(DEPS_STAMP): requirements.txt
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

## generate: Python stubs (with type stubs) and the Envoy descriptor set
generate: $(GEN_STAMP)

$(GEN_STAMP): $(PROTOS) $(DEPS_STAMP)
	rm -rf $(GEN) && mkdir -p $(GEN_PY) $(dir $(DESCRIPTOR))
	$(eval GOOGLEAPIS := $(shell $(PY) -c 'import google.rpc.status_pb2 as m, pathlib; print(pathlib.Path(m.__file__).parents[2])'))
	$(PY) -m grpc_tools.protoc -I $(PROTO_DIR) -I $(GOOGLEAPIS) \
	  --python_out=$(GEN_PY) --mypy_out=$(GEN_PY) \
	  --grpc_python_out=$(GEN_PY) --mypy_grpc_out=$(GEN_PY) \
	  $(patsubst $(PROTO_DIR)/%,%,$(PROTOS))
	$(PY) -m grpc_tools.protoc -I $(PROTO_DIR) -I $(GOOGLEAPIS) \
	  --include_imports --include_source_info --descriptor_set_out=$(DESCRIPTOR) \
	  $(patsubst $(PROTO_DIR)/%,%,$(PROTOS)) google/rpc/status.proto google/rpc/error_details.proto
	find $(GEN_PY)/dataquality -type d -exec touch {}/__init__.py \;
	touch $(GEN_PY)/dataquality/py.typed
	touch $@

$(INSTALL_STAMP): $(GEN_STAMP) pyproject.toml
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

## browser: headless Chromium for the browser test (Debian's chromium package)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium package for the browser test"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium; }

## run: the whole stack on the embedded defaults (SeaweedFS, SQLite, Envoy on :8080)
run: setup
	$(PY) -m devstack

## lint: protobuf style (buf), Python style (ruff) and types (mypy; generated code excluded)
lint: setup
	buf lint $(DESCRIPTOR) --config $(PROTO_DIR)/buf.yaml --path dataquality
	ruff check .
	ruff format --check .
	mypy

## test: lint, then every tier (unit, integration on SQLite and PostgreSQL, e2e through
## Envoy, the browser test in headless Chromium)
test: lint browser
	$(PY) -m pytest tests

unit: setup
	$(PY) -m pytest tests/unit
integration: setup
	$(PY) -m pytest tests/integration
e2e: setup browser
	$(PY) -m pytest tests/e2e

## bench: profiler speed and memory against pandas (results in bench/results/)
bench: setup
	$(PY) -m pip install --quiet -r bench/requirements.txt
	test -x .venv-bench/bin/python || python3 -m venv .venv-bench
	.venv-bench/bin/pip install --quiet -r bench/requirements-competitors.txt
	$(PY) -m bench.run_bench

## bench-clean: clean-my-data against pandas on a ~100 MB and a ~400 MB dirty file
## (results in bench/results/clean_bench.*; the files are cached in bench/data/)
bench-clean: setup
	$(PY) -m bench.clean_bench

## freeze: rewrite requirements.txt from the current virtualenv
freeze:
	{ sed -n '/^#/p' requirements.txt; $(PY) -m pip freeze --all --exclude-editable | grep -vi -e '^dataquality' -e '^pip=='; } > requirements.txt.new
	mv requirements.txt.new requirements.txt

clean:
	rm -rf $(GEN) $(VENV) .pytest_cache .ruff_cache *.egg-info
