# The two commands of the README. Each sets up what it needs (once) and then runs.
VENV := .venv
PYTHON ?= python3

.PHONY: app test

# torch first, pinned: on this machine kind that exact version is the CPU build on local disk, and the
# project's range (torch>=2.9,<3) is then satisfied without pulling a multi-gigabyte CUDA build.
$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet torch==2.13.0

$(VENV)/.app-installed: pyproject.toml | $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet --editable .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet --editable '.[test]'
	touch $@ $(VENV)/.app-installed

app: $(VENV)/.app-installed
	$(VENV)/bin/simulator

# The written rules first (lint, types, import layers), then the tests; make stops at the first that fails.
test: $(VENV)/.test-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest
