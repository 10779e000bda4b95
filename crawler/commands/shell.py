"""`scrapy shell URL` fetching plainly, with Scrapy's own HTTP handler.

The project's download handler is scrapy-playwright's, which the shell's crawler thread does not
drive: `fetch()` would wait at "Spider opened" for ever (scrapy-playwright 0.0.48, Scrapy 2.19).
The few pages that need a browser (a spider marks them `meta={"playwright": True}`) are then
fetched plainly too: the shell shows what the server sends, before any script runs.
"""

from __future__ import annotations

from scrapy.commands.shell import Command as ScrapyShell


class Command(ScrapyShell):
    def process_options(self, args, opts) -> None:
        # Before the command line's own -s is applied, so that `-s DOWNLOAD_HANDLERS=...` still wins.
        self.settings.set("DOWNLOAD_HANDLERS", {}, priority="cmdline")
        super().process_options(args, opts)
