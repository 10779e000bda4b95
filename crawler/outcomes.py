"""Name what went wrong with a request in one word the archive and the stats can count."""

from __future__ import annotations

from twisted.internet import error as tx_error
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from scrapy.spidermiddlewares.httperror import HttpError

#: What a report taken down answers: the archive marks it gone, no failure of the portal.
GONE_OUTCOMES = frozenset({"http_404", "http_410"})

def _names(exc: BaseException) -> set[str]:
    names = {type(exc).__name__}
    for inner in getattr(exc, "reasons", None) or []:
        value = getattr(inner, "value", inner)
        names.add(type(value).__name__)
    cause = exc.__cause__ or exc.__context__
    if cause is not None and cause is not exc:
        names.add(type(cause).__name__)
    return names


def classify(failure: Failure | BaseException) -> str:
    """`http_<status>`, `timeout`, `dns`, `truncated`, `connection`, `challenge`, `host_given_up`
    (not asked: its host stopped answering earlier in the run, `crawler.hosts`), or `error`.

    A spider's errback then names what is about the body itself (`crawler.bodies.body_failure`):
    `too_large`, `decompression_bomb`, `redirect_loop`, and `truncated` with the bytes announced
    and received."""
    exc = failure.value if isinstance(failure, Failure) else failure
    if isinstance(exc, HttpError):
        from .middlewares import is_js_challenge

        return "challenge" if is_js_challenge(exc.response) else f"http_{exc.response.status}"
    names = _names(exc)
    if "HostGivenUp" in names:
        return "host_given_up"
    if names & {"_DataLoss", "PotentialDataLoss", "DataLoss", "ResponseDataLossError", "TruncatedResponse"}:
        return "truncated"
    if names & {"TimeoutError", "TCPTimedOutError", "UserTimeoutError", "DownloadTimeoutError"} or isinstance(
        exc, (tx_error.TimeoutError, tx_error.TCPTimedOutError)
    ):
        return "timeout"
    if names & {"DNSLookupError", "CannotResolveHostError"}:
        return "dns"
    if names & {"JavaScriptChallengeError"}:
        return "challenge"
    if isinstance(exc, (ResponseFailed, ResponseNeverReceived, tx_error.ConnectError, tx_error.ConnectionLost)) or names & {
        "ConnectionRefusedError",
        "ConnectionLost",
        "ConnectionDone",
        "ConnectionAborted",
        "DownloadConnectionRefusedError",
        "DownloadFailedError",
        "ResponseFailed",
        "ResponseNeverReceived",
    }:
        return "connection"
    if "TimeoutError" in type(exc).__name__ or "Timeout" in type(exc).__name__:
        return "timeout"
    return "error"
