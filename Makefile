# One-command set-up, chat, tests and benchmarks. Every target is idempotent.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 7860
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: setup chat test lint eval index browser-deps bench bench-full soak audit clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

index: setup
	$(BIN)/news-assistant index seeds

chat: index
	$(BIN)/news-assistant chat --host $(HOST) --port $(PORT)

browser-deps:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

lint: setup
	$(BIN)/ruff check assistant index ui tests benchmarks
	$(BIN)/ruff format --check assistant index ui tests benchmarks

eval: index
	$(BIN)/news-assistant eval --llm extractive --gate
	$(BIN)/news-assistant eval --llm local --gate

test: setup browser-deps index lint audit
	$(BIN)/python -m pytest
	$(MAKE) eval

soak: setup
	$(BIN)/python -m pytest -m soak -o addopts=-ra

audit: setup
	bash scripts/audit.sh

bench: setup
	$(BIN)/python -m benchmarks.run --quick

bench-full: setup
	$(BIN)/python -m benchmarks.run --full

clean:
	rm -rf .index eval_reports test-artifacts
