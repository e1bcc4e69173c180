# mm2report — `make help` lists the targets.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.DEFAULT_GOAL := help

## help: list the targets
help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

## setup: create .venv and install mm2report with its test tools
setup: $(BIN)/.installed

## demo: set up; validate, analyse and run the demo campaign, validate a change, build its deliverables (HTML + PDF; no server needed)
demo: setup
	$(BIN)/mm2report check parameters/demo.yml
	$(BIN)/mm2report inspect parameters/demo.yml
	$(BIN)/mm2report analyse parameters/demo.yml
	$(BIN)/mm2report run parameters/demo.yml
	$(BIN)/mm2report validate-change parameters/demo.yml --at 2026-11-17T17:55:00+01:00
	$(BIN)/mm2report report parameters/demo.yml

## test: set up and run the whole test suite (integration tests need prometheus + victoria-metrics)
test: setup
	$(BIN)/python -m pytest

## lab: install JupyterLab into .venv and start it at the workbook's root (analysts: notebooks/, parameters/, outputs/)
lab: setup
	$(BIN)/pip install --quiet -e '.[lab]'
	$(BIN)/jupyter lab --ip=127.0.0.1 --ServerApp.root_dir='$(CURDIR)' $(if $(filter 0,$(shell id -u)),--allow-root)

## mm2-lab: start the real MirrorMaker 2 lab on 127.0.0.1 and run its mini-campaign (Java, Maven, prometheus)
mm2-lab: setup
	$(BIN)/mm2report lab up --dir outputs/lab/current
	$(BIN)/mm2report lab campaign --dir outputs/lab/current

## mm2-lab-down: stop every process of the lab by PID
mm2-lab-down: setup
	$(BIN)/mm2report lab down --dir outputs/lab/current

## bench: run the benchmarks (prints ratios against a baseline measured in the same run)
bench: setup
	$(BIN)/python benchmarks/fetch.py
	$(BIN)/python benchmarks/analyse.py
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/full.py

## notebooks: rebuild notebooks/*.ipynb from their jupytext sources notebooks/*.py (edit the .py)
notebooks: setup
	$(BIN)/jupytext --update --to ipynb notebooks/*.py

## demo-snapshot: regenerate parameters/snapshots/demo from a local Prometheus
demo-snapshot: setup
	$(BIN)/python tools/record_demo.py

.PHONY: help setup demo test lab mm2-lab mm2-lab-down bench notebooks demo-snapshot
