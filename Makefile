# The two commands of the README. Each sets up what it needs (once) and then runs.
VENV := .venv
PYTHON ?= python3

.PHONY: app test

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.app-installed: pyproject.toml | $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet --editable .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet --editable '.[test]'
	touch $@ $(VENV)/.app-installed

app: $(VENV)/.app-installed
	$(VENV)/bin/simulator

test: $(VENV)/.test-installed
	$(VENV)/bin/pytest
