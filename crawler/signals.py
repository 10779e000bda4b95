"""Signals nianbao's components send each other, beside Scrapy's own."""

#: A report or list request ended without a usable response (HTTP error, timeout, DNS, truncated body).
#: Sent with `request`, `failure`, `spider` and `outcome` (`http_404`, `timeout`, `dns`, `truncated`,
#: `connection`, ...). The archive records it; a 404 or 410 on an archived report marks the report gone.
fetch_failed = object()
