# The two commands the README promises on a fresh machine: `make crawl` and `make test`.
# Each installs what it needs: the package (editable) and a Chromium for scrapy-playwright.
PYTHON ?= python3
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
	nianbao crawl

test: install-test browser
	$(PYTHON) -m pytest

demo: install browser
	nianbao demo
