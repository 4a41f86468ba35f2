# Developer shortcuts; each target is a thin wrapper over a script or tool.
VENV ?= .venv
PY := $(VENV)/bin/python
SHARED_MODEL := $(abspath ../shared/models/en_ner_distilled_sm-0.1.1)
BENCH_OUT ?= out/bench

.PHONY: setup test lint demo bench golden clean

setup: ## create .venv and install piiscan with the dev extras
	bash -c 'source scripts/setup.sh && ensure_venv dev'

test: ## lint, then the whole test suite (installs PostgreSQL if missing)
	bash scripts/test.sh

lint: setup ## ruff lint and format check, mypy and import-linter over the installed layout
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) scripts/package_tree.py mypy
	$(PY) scripts/package_tree.py lint-imports

demo: ## scan the demo data and print the report
	bash scripts/demo.sh

bench: setup ## column-level detection quality on the synthetic corpus
	$(PY) benchmarks/corpus.py $(BENCH_OUT)/corpus --rows 300 --seed 1
	PIISCAN_SPACY_MODEL=$${PIISCAN_SPACY_MODEL:-$(SHARED_MODEL)} $(VENV)/bin/piiscan scan \
	    sqlite:///$(BENCH_OUT)/corpus/corpus.db $(BENCH_OUT)/corpus/files \
	    --no-default-allow-list --format json --output $(BENCH_OUT)/inventory.json --no-progress
	$(PY) benchmarks/evaluate_columns.py --labels $(BENCH_OUT)/corpus/labels.json \
	    --inventory $(BENCH_OUT)/inventory.json
	$(PY) benchmarks/evaluate_declarations.py --policies ../shared/privacy-policies \
	    --expected tests/data/privacy_policies_expected.yaml

golden: setup ## regenerate tests/golden/ after an intended output change
	$(PY) scripts/regen_golden.py

clean:
	rm -rf out .pytest_cache .ruff_cache build dist
