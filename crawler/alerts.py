"""Telling someone when a portal fails its health checks: Spidermon actions, chosen by settings.

`NIANBAO_ALERT_ACTIONS` lists Spidermon action classes that run when a portal's checks fail,
after its problem lines are recorded (`nianbao/health/problems` in the stats), e.g.

- `crawler.alerts.SendWebhook`: POSTs the problems as JSON to `NIANBAO_ALERT_WEBHOOK_URL`
  (added by itself whenever that setting is set);
- `spidermon.contrib.actions.email.smtp.SendSmtpEmail` (`SPIDERMON_SMTP_*`, `SPIDERMON_EMAIL_TO`);
- `spidermon.contrib.actions.slack.notifiers.SendSlackMessage` (`SPIDERMON_SLACK_*`, needs slack-sdk);
- `spidermon.contrib.actions.telegram.notifiers.SendTelegramMessage` (`SPIDERMON_TELEGRAM_*`);
- `spidermon.contrib.actions.discord.SendDiscordMessage` (`SPIDERMON_DISCORD_WEBHOOK_URL`).

Spidermon's message templates find the problem lines as
`{{ data.crawler.stats.get_value('nianbao/health/problems') | join('\\n') }}` (`data.stats` is a copy
taken before the checks ran; see deploy/README.md). An action that cannot send is logged as an error; the crawl goes on and
the run still exits 1 on the failure, which systemd's `OnFailure=` and cron's MAILTO report too.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from datetime import datetime, timezone

from scrapy.utils.misc import load_object
from spidermon import Action
from spidermon.exceptions import NotConfigured

logger = logging.getLogger(__name__)

PROBLEMS = "nianbao/health/problems"


def alert_actions(settings) -> list[type[Action]]:
    """The action classes NIANBAO_ALERT_ACTIONS names (and the webhook when its URL is set)."""
    names = list(settings.getlist("NIANBAO_ALERT_ACTIONS"))
    if settings.get("NIANBAO_ALERT_WEBHOOK_URL") and "crawler.alerts.SendWebhook" not in names:
        names.append("crawler.alerts.SendWebhook")
    return [load_object(name) for name in names]


class SendWebhook(Action):
    """POST `{"portal", "problems", "run_id", "finish_reason", "at"}` as JSON to a URL: a chat's
    incoming webhook, an alert manager, a script of one's own."""

    def __init__(self, url: str | None = None, timeout: float = 10) -> None:
        super().__init__()
        if not url:
            raise NotConfigured("set NIANBAO_ALERT_WEBHOOK_URL to the address to POST health failures to")
        self.url = url
        self.timeout = timeout

    @classmethod
    def from_crawler_kwargs(cls, crawler):
        return {"url": crawler.settings.get("NIANBAO_ALERT_WEBHOOK_URL"),
                "timeout": crawler.settings.getfloat("NIANBAO_ALERT_WEBHOOK_TIMEOUT", 10)}

    def payload(self) -> dict:
        # The crawler's own stats: RecordProblems wrote the lines there (data.stats is an earlier copy).
        stats = self.data.crawler.stats.get_stats()
        spider = self.data.spider
        return {
            "portal": getattr(spider, "portal", spider.name),
            "problems": list(stats.get(PROBLEMS) or []),
            "run_id": self.data.crawler.settings.get("NIANBAO_RUN_ID"),
            "finish_reason": stats.get("finish_reason"),
            "at": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        }

    def run_action(self) -> None:
        body = json.dumps(self.payload(), ensure_ascii=False).encode()
        request = urllib.request.Request(self.url, data=body, method="POST",
                                         headers={"Content-Type": "application/json; charset=utf-8"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except OSError as error:
            logger.error("health alert to %s not sent: %s", self.url, error)
            raise
