"""A health failure reaches someone: the alert actions the settings name run when a portal fails,
here against a local HTTP receiver on 127.0.0.1 (the webhook of crawler/alerts.py, and Spidermon's
own Discord action, which is a webhook too). A healthy portal sends nothing."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from test_nightly_units import run_health as run_portal_health

START = "https://www.cqcs.gov.cn/zwgk_164/zfxxgknb/"


@pytest.fixture
def receiver():
    """An HTTP server on 127.0.0.1 that keeps every POST body (and answers 204)."""
    received: list[tuple[str, dict]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.append((self.path, json.loads(body)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.received = received
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


def run_health(stats: dict, settings: dict) -> list[str]:
    return run_portal_health(stats, settings=settings)[0]


EMPTY = {"nianbao/listed": 0, "nianbao/empty_list_page/first": START}


def test_a_health_failure_is_posted_to_the_webhook(receiver):
    problems = run_health(EMPTY, {"NIANBAO_ALERT_WEBHOOK_URL": receiver.url + "/hook", "NIANBAO_RUN_ID": 7})
    assert problems == [f"changshou: {START}: its lists showed no report (did the page layout change?)"]
    ((path, body),) = receiver.received
    assert path == "/hook"
    assert body["portal"] == "changshou" and body["problems"] == problems and body["run_id"] == 7
    assert body["finish_reason"] == "finished" and body["at"].endswith("Z")


def test_a_healthy_portal_sends_nothing(receiver):
    assert run_health({"nianbao/listed": 40}, {"NIANBAO_ALERT_WEBHOOK_URL": receiver.url}) == []
    assert receiver.received == []


def test_spidermons_own_actions_are_named_by_a_setting(receiver):
    settings = {
        "NIANBAO_ALERT_ACTIONS": ["spidermon.contrib.actions.discord.SendDiscordMessage"],
        "SPIDERMON_DISCORD_WEBHOOK_URL": receiver.url + "/discord",
        "SPIDERMON_DISCORD_MESSAGE": "nianbao: {{ data.crawler.stats.get_value('nianbao/health/problems') | join('; ') }}",
    }
    (problem,) = run_health(EMPTY, settings)
    ((path, body),) = receiver.received
    assert path == "/discord" and body == {"content": f"nianbao: {problem}"}


def test_an_alert_that_cannot_be_sent_does_not_hide_the_failure(caplog):
    # Nothing listens on port 9 of 127.0.0.1 (discard): the POST is refused at once.
    problems = run_health(EMPTY, {"NIANBAO_ALERT_WEBHOOK_URL": "http://127.0.0.1:9/hook"})
    assert len(problems) == 1
    assert any("health alert to http://127.0.0.1:9/hook not sent" in r.getMessage() for r in caplog.records)
