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

DEV_SET := ../shared/corpora/rtqa_dev
DEV_ARGS := --questions $(DEV_SET)/questions.jsonl --corpus $(DEV_SET)/corpus.jsonl.gz
# The CI gate's fixed sample of the dev set's check half (questions per half; its articles index in
# about ten minutes on two cores). `make eval-dev` runs every question of both halves.
DEV_SAMPLE ?= 40
# pytest runs its test files on this many workers (pytest-xdist; each file stays on one worker, so
# its module fixtures, such as a llama.cpp server, start once). Two keep both cores of a small
# machine busy while tests wait on servers and the browser.
PYTEST_WORKERS ?= 2

.PHONY: setup prepare chat test lint eval eval-dev fit index browser-deps bench bench-full soak audit clean bench-build

setup: $(STAMP)

# llama.cpp is compiled for this CPU on the first run (pip keeps the wheel), beside the other Python
# packages: compiling keeps both cores busy while the downloads mostly wait on the network. Only what
# the project loads is built: the multimodal (llava/mtmd) library and llama.cpp's `common` library
# (which only llama.cpp's own programs link; llama-cpp-python does not ship it) are left out;
# llama.cpp's tests, examples and tools are already off when llama-cpp-python builds it.
LLAMA_CMAKE_ARGS ?= -DLLAVA_BUILD=OFF -DLLAMA_BUILD_COMMON=OFF
LLAMA_REQUIREMENT := $(shell grep -o 'llama-cpp-python\[server\][^"]*' pyproject.toml)
SETUP_LOG := $(VENV)/setup.log
CORE_STAMP := $(VENV)/.core-installed
SETUP_LOCK := $(VENV)/.setup.lock
BACKGROUND_LOG := $(VENV)/setup-background.log
# Built for this CPU (-march=native) less Intel AMX: some virtual machines report AMX but fault on
# its first tile instruction, which killed every summary there; a 270M model on two cores gains
# nothing measurable from AMX, so it is left out everywhere rather than detected.
LLAMA_CFLAGS ?= -mno-amx-tile -mno-amx-int8 -mno-amx-bf16
WHEELS := $(VENV)/wheels
OTHER_REQUIREMENTS := $(VENV)/requirements-without-llama.txt
STEP := bash scripts/step.sh

$(STAMP): pyproject.toml
	@echo "Setting up (first run: about 10 minutes on 2 cores; interrupted? run the same command again)"
	@$(MAKE) --no-print-directory $(BIN)/python
	@MAKEFLAGS= $(MAKE) --no-print-directory -j2 llama-wheel core
	@$(STEP) "Installing the project with the llama.cpp wheel just built (seconds)" $(SETUP_LOG) -- \
		$(BIN)/pip install --find-links $(WHEELS) -e '.[dev]'
	@touch $(STAMP)
	@echo "Set-up done: $(VENV) is ready."

# Everything but llama.cpp: enough to index, answer with quotes and serve the chat while llama.cpp
# still compiles (`make chat` on a fresh machine serves from this and compiles in the background).
core: $(CORE_STAMP)

$(CORE_STAMP): pyproject.toml $(BIN)/python
	@$(MAKE) --no-print-directory python-packages
	@$(STEP) "Installing the project without llama.cpp (seconds)" $(SETUP_LOG) -- \
		sh -c '$(BIN)/pip install --no-deps -e . && $(BIN)/python -m compileall -q assistant index ui'
	@touch $(CORE_STAMP)

$(BIN)/python:
	@$(STEP) "Creating the virtual environment in $(VENV) (seconds)" $(SETUP_LOG) -- $(PYTHON) -m venv $(VENV)
	@$(STEP) "Upgrading pip (seconds)" $(SETUP_LOG) -- $(BIN)/pip install --upgrade pip

# The two halves of set-up that run side by side (each is idempotent; `make setup` runs both).
.PHONY: core llama-wheel python-packages
# pip's own wheel cache is left out: its key ignores the build flags, so a wheel built with other
# flags (with AMX, say) would come back; the wheel kept in $(WHEELS) serves this environment's reruns.
llama-wheel:
	@$(STEP) "Compiling llama.cpp for this CPU (about 9 minutes the first time, seconds after)" \
		$(VENV)/setup-llama.log -- env CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CFLAGS="$(LLAMA_CFLAGS)" \
		CXXFLAGS="$(LLAMA_CFLAGS)" $(BIN)/pip wheel --no-cache-dir --no-deps --find-links $(WHEELS) \
		--wheel-dir $(WHEELS) '$(LLAMA_REQUIREMENT)'

# torch comes from pip, which takes the CPU build this machine keeps on disk; uv then installs the
# rest in parallel. Both write the bytecode of what they install (uv leaves pip's packages alone),
# so that no start of the assistant compiles its dependencies (about 2,800 modules, seconds of
# every start where PYTHONDONTWRITEBYTECODE=1). This half runs beside the llama.cpp compile, which
# takes longer.
python-packages:
	@$(STEP) "Installing torch 2.13.0, CPU build (about a minute the first time)" $(SETUP_LOG) -- \
		$(BIN)/pip install torch==2.13.0
	@$(STEP) "Installing uv, a fast Python package installer (seconds)" $(SETUP_LOG) -- $(BIN)/pip install uv
	@$(STEP) "Installing the other Python packages and their bytecode (about two minutes the first time)" \
		$(SETUP_LOG) -- sh -c '$(BIN)/python scripts/requirements.py --without llama-cpp-python \
		> $(OTHER_REQUIREMENTS) && $(BIN)/uv pip install --python $(BIN)/python --link-mode copy \
		--compile-bytecode -r $(OTHER_REQUIREMENTS)'

index: core
	$(BIN)/news-assistant index seeds

# Serves as soon as the Python packages are in: on a fresh machine llama.cpp compiles in the
# background meanwhile (one compile at a time, whoever starts it), and the chat answers with the
# verified quotes until the summaries' model can load. The server says when it is ready.
chat: index
	@test -f $(STAMP) || { echo "==> Compiling llama.cpp in the background: summaries follow when it is done" \
		"(progress in $(BACKGROUND_LOG))"; nohup setsid flock -n $(SETUP_LOCK) $(MAKE) --no-print-directory setup \
		>> $(BACKGROUND_LOG) 2>&1 & }
	$(BIN)/news-assistant chat --host $(HOST) --port $(PORT)

browser-deps:
	@test -x /usr/bin/chromium || $(STEP) "Installing Debian's chromium for the browser tests (about 2 minutes)" \
		.browser-deps.log -- sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium'

# The browser and the Python packages install side by side on a fresh machine.
prepare:
	@$(MAKE) --no-print-directory -j2 setup browser-deps

lint: setup
	$(BIN)/ruff check assistant index ui tests benchmarks
	$(BIN)/ruff format --check assistant index ui tests benchmarks

eval: setup index
	@echo "== Gold questions over the seeds (regression set) =="
	$(BIN)/news-assistant eval --llm extractive --gate
	$(BIN)/news-assistant eval --llm local --gate
	@echo "== Dev set written by others: fixed sample of the check half =="
	$(BIN)/news-assistant eval --llm extractive $(DEV_ARGS) --half check --sample $(DEV_SAMPLE) --gate

# `make eval-dev LLM=openai READER=passages` runs one generator (and reader) instead, for anyone
# with a capable model behind ASSISTANT_OPENAI_BASE_URL to reproduce the dev figures (docs/reader.md).
LLM ?=
READER ?=
eval-dev: setup
	@echo "== Dev set, both halves (tuning half: fitted on; check half: reported and gated) =="
ifeq ($(LLM),)
	$(BIN)/news-assistant eval --llm extractive $(DEV_ARGS) --gate
	$(BIN)/news-assistant eval --llm local $(DEV_ARGS)
else
	$(BIN)/news-assistant eval --llm $(LLM) $(if $(READER),--reader $(READER)) $(DEV_ARGS)
endif

fit: setup
	@echo "== Refitting the evidence models on the dev set's tuning half =="
	$(BIN)/news-assistant fit $(DEV_ARGS)

# The lead's span scorer, fitted on the answers the tuning half gets (after `make fit`).
.PHONY: fit-lead
fit-lead: setup
	@echo "== Refitting the lead's span scorer on the dev set's tuning half =="
	$(BIN)/news-assistant fit-lead $(DEV_ARGS)

test: prepare index lint audit
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile
	@echo "== A newsroom's load, short: 25 readers for a minute against the real chat server =="
	SOAK_SHORT=1 $(BIN)/python -m pytest -m soak -o addopts=-ra tests/test_soak_load.py
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

# Only the compare gold items (run through compare(), gated by COMPARE_THRESHOLDS); about 15 s.
.PHONY: eval-compare
eval-compare: index
	$(BIN)/news-assistant eval --llm extractive --category compare --gate

# find_source on 200 sentences drawn from the dev corpus (verbatim and with words dropped): the share
# whose article comes first and the latency, into benchmarks/results.md (about a minute on 2 cores).
.PHONY: bench-source
bench-source: setup
	$(BIN)/python -m benchmarks.source

# What the lead costs ask(): p50/p95 with and without it, alternating in one run (a few minutes).
.PHONY: bench-lead
bench-lead: index
	$(BIN)/python -m benchmarks.lead

# The lead's span picked by the bundled model under a grammar vs the fitted scorer, on the dev set's
# tuning half (needs the dev index `make eval-dev` builds; about 6 minutes on 2 cores).
.PHONY: bench-lead-grammar
bench-lead-grammar: setup
	$(BIN)/python -m benchmarks.lead_grammar

# Where an index build's time goes, step by step (real MiniLM, 300 dev articles, about 4 minutes).
bench-build: setup
	$(BIN)/python -m benchmarks.build_profile

# A cold `news-assistant ask` (extractive and default generator, with and without
# PYTHONDONTWRITEBYTECODE=1) beside the start before bytecode and the torch-free spaCy import, and
# the chat's first answer after it says ready, into benchmarks/results.md (a few minutes).
.PHONY: bench-coldstart
bench-coldstart: setup index
	$(BIN)/python -m benchmarks.coldstart
