# The two commands the README promises on a fresh machine: `make crawl` and `make test`.
# Each installs what it needs: the package (editable) and a Chromium for scrapy-playwright.
# Every command runs through $(PYTHON) (`make demo PYTHON=.venv/bin/python`), never a `nianbao`
# that may not be on the PATH.
PYTHON ?= python3
# The archive `make crawl` and `make demo` write.
DB ?= nianbao.db
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install install-test browser crawl test demo

install:
	$(PYTHON) -m pip install -q -e .

install-test:
	$(PYTHON) -m pip install -q -e '.[test]'

# Debian's chromium where apt exists (Playwright's browser download is blocked on some networks);
# Playwright's own Chromium everywhere else.
browser:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || \
	 { command -v apt-get >/dev/null && { $(SUDO) apt-get install -y -q chromium || \
	   { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium; }; }; } || \
	 $(PYTHON) -m playwright install chromium

crawl: install browser
	$(PYTHON) -m nianbao crawl --db $(DB)

test: install-test browser
	$(PYTHON) -m pytest

demo: install browser
	$(PYTHON) -m nianbao demo --db $(DB)
