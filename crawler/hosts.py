"""Hosts that stop answering are given up on for the run, so that one dead file server costs minutes.

A request to a host that hangs costs the download timeout, and each retry costs it again: a host
whose files all hang would hold its portal (and the night) for hours. `UnresponsiveHostMiddleware`
counts, per host, the attempts in a row that ended in a timeout, a reset or refused connection, or
a failed name lookup; any answer the server gave (a 404 included) ends the run of failures, and a
5xx neither ends nor lengthens it (the server is there, and the retry middleware handles it).
After NIANBAO_HOST_GIVE_UP_AFTER such attempts in a row the host is given up on for the rest of
this portal's crawl: every later request to it, retries included, fails at once with
`HostGivenUp`, which the spider's errback records (`host_given_up` in `fetch_failures`) like any
other outcome, and the portal's health check names the host and why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response

from .outcomes import classify

logger = logging.getLogger(__name__)

#: What counts towards giving up on a host: the attempts on which it did not answer at all.
UNANSWERED_OUTCOMES = frozenset({"timeout", "connection", "dns"})

#: The stats the health check reads: `<PREFIX><host>` is the requests not made to that host.
GIVEN_UP_PREFIX = "nianbao/host_given_up/"
#: `<REASON_PREFIX><host>`: why that host was given up on, in words.
REASON_PREFIX = "nianbao/host_given_up_reason/"


class HostGivenUp(IgnoreRequest):
    """A request not made: its host stopped answering earlier in this run."""

    def __init__(self, host: str, reason: str) -> None:
        self.host, self.reason = host, reason
        super().__init__(f"not asked: {host} was given up on for this run ({reason})")


@dataclass
class HostRecord:
    in_a_row: int = 0
    #: The outcomes of the current run of unanswered attempts.
    outcomes: dict[str, int] = field(default_factory=dict)
    #: Set once the host is given up on: why, in words.
    given_up: str = ""


def host_of(request: Request) -> str:
    return (urlsplit(request.url).hostname or "").lower()


class UnresponsiveHostMiddleware:
    """Give up on a host after NIANBAO_HOST_GIVE_UP_AFTER unanswered attempts in a row (0: never)."""

    def __init__(self, crawler, after: int) -> None:
        self.crawler, self.after = crawler, after
        self.hosts: dict[str, HostRecord] = {}

    @classmethod
    def from_crawler(cls, crawler):
        after = crawler.settings.getint("NIANBAO_HOST_GIVE_UP_AFTER", 0)
        if after <= 0:
            raise NotConfigured
        return cls(crawler, after)

    def process_request(self, request: Request, spider=None) -> None:
        host = host_of(request)
        record = self.hosts.get(host)
        if record is not None and record.given_up:
            self.crawler.stats.inc_value(GIVEN_UP_PREFIX + host)
            raise HostGivenUp(host, record.given_up)

    def process_response(self, request: Request, response: Response, spider=None) -> Response:
        if response.status < 500:
            record = self.hosts.get(host_of(request))
            if record is not None and not record.given_up:
                record.in_a_row, record.outcomes = 0, {}
        return response

    def process_exception(self, request: Request, exception: Exception, spider=None) -> None:
        if isinstance(exception, IgnoreRequest):
            return None
        outcome = classify(exception)
        if outcome not in UNANSWERED_OUTCOMES:
            return None
        host = host_of(request)
        record = self.hosts.setdefault(host, HostRecord())
        if record.given_up:
            return None
        record.in_a_row += 1
        record.outcomes[outcome] = record.outcomes.get(outcome, 0) + 1
        if record.in_a_row >= self.after:
            self.give_up(host, record)
        return None

    def give_up(self, host: str, record: HostRecord) -> None:
        kinds = ", ".join(f"{count} {outcome}" for outcome, count in sorted(record.outcomes.items(), key=lambda p: -p[1]))
        record.given_up = f"{record.in_a_row} attempts in a row went unanswered: {kinds}"
        self.crawler.stats.set_value(GIVEN_UP_PREFIX + host, self.crawler.stats.get_value(GIVEN_UP_PREFIX + host, 0))
        self.crawler.stats.set_value(REASON_PREFIX + host, record.given_up)
        spider = self.crawler.spider
        logger.warning("%s: giving up on %s for this run: %s; its remaining requests are recorded as "
                       "host_given_up", getattr(spider, "portal", getattr(spider, "name", "?")), host, record.given_up)


def given_up_hosts(stats: dict) -> dict[str, tuple[str, int]]:
    """The hosts a crawl gave up on: host -> (why, how many requests were not made)."""
    reasons = {key[len(REASON_PREFIX):]: value for key, value in stats.items() if key.startswith(REASON_PREFIX)}
    return {host: (why, int(stats.get(GIVEN_UP_PREFIX + host, 0) or 0)) for host, why in reasons.items()}
