# kg — two commands do all the set-up:
#   make run    create .venv, install kg, build the example articles into output/
#   make test   create .venv, install kg and test tools (+ Debian chromium when missing), run all tests
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.kg-installed

.PHONY: run test test-quick setup browser bench clean

run: setup
	$(BIN)/kg build examples/ --out output/

test: setup browser
	KG_REQUIRE_BROWSER=$${KG_REQUIRE_BROWSER:-1} KG_REQUIRE_FUZZ=1 KG_HYPOTHESIS_PROFILE=$${KG_HYPOTHESIS_PROFILE:-long} \
	  $(BIN)/python -m pytest -q

test-quick: setup
	$(BIN)/python -m pytest -q -m "not slow"

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[model,test]'
	touch $(STAMP)

# Headless Chromium for the HTML tests (Debian package; needs root). Skipped when present.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "note: /usr/bin/chromium missing and not root: browser tests will be skipped"; fi; \
	fi

bench: setup
	$(BIN)/python bench/throughput.py --articles 1000

clean:
	rm -rf $(VENV) output/graph.* .pytest_cache
