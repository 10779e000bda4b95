"""`crawl_in_turn`: how many portals run at once, portals of one host one after another, and only a
few browser portals at a time. Driven with a stand-in for Scrapy's CrawlerProcess whose crawls end
when the test says so."""

from __future__ import annotations

from twisted.internet.defer import Deferred

from crawler.run import crawl_in_turn


class FakeCrawler:
    def __init__(self, spider):
        self.spider = spider
        self.stats = type("Stats", (), {"get_value": staticmethod(lambda key: "finished")})()


class FakeProcess:
    def __init__(self, browsers_at_once: int = 2):
        self.settings = type("Settings", (), {"getint": staticmethod(lambda key, default=0: browsers_at_once)})()
        self.running: dict[str, Deferred] = {}
        self.most_at_once = 0
        self.most_browsers = 0
        self.overlapping_hosts: list[tuple[str, str]] = []

    def create_crawler(self, spider):
        return FakeCrawler(spider)

    def crawl(self, crawler):
        name = crawler.spider.name
        host = crawler.spider.start_urls[0].split("/")[2]
        for other in self.running:
            if other.split("@")[1] == host:
                self.overlapping_hosts.append((other, name))
        key = f"{name}@{host}"
        self.running[key] = deferred = Deferred()
        self.most_at_once = max(self.most_at_once, len(self.running))
        browsers = sum(1 for k in self.running if k.startswith("browser"))
        self.most_browsers = max(self.most_browsers, browsers)
        deferred.addBoth(lambda result, k=key: self.running.pop(k) and result)
        return deferred

    def finish_all(self):
        """Ends the running crawls one at a time (each end may start the next) until none is left."""
        started = 0
        while self.running:
            next(iter(self.running.values())).callback(None)
            started += 1
        return started


def spider(name: str, host: str, uses_browser: bool = False):
    return type(name, (), {"name": name, "start_urls": [f"https://{host}/col/"], "uses_browser": uses_browser})


def test_at_most_at_once_portals_run_and_every_one_runs():
    process = FakeProcess()
    spiders = [spider(f"p{i}", f"host{i}.example.cn") for i in range(10)]
    crawlers: list = []
    crawl_in_turn(process, spiders, crawlers, at_once=3)
    assert len(process.running) == 3
    process.finish_all()
    assert process.most_at_once == 3
    assert sorted(c.spider.name for c in crawlers) == sorted(s.name for s in spiders)


def test_portals_of_one_host_never_run_side_by_side():
    process = FakeProcess()
    spiders = [spider(f"shared{i}", "www.district.gov.cn") for i in range(4)]
    spiders += [spider(f"own{i}", f"own{i}.gov.cn") for i in range(4)]
    crawlers: list = []
    crawl_in_turn(process, spiders, crawlers, at_once=4)
    # The host with the longest chain starts first.
    assert any(key.startswith("shared") for key in process.running)
    process.finish_all()
    assert process.overlapping_hosts == []
    assert len(crawlers) == 8


def test_only_a_few_browser_portals_run_at_once():
    process = FakeProcess(browsers_at_once=2)
    spiders = [spider(f"browser{i}", f"b{i}.gov.cn", uses_browser=True) for i in range(6)]
    spiders += [spider(f"plain{i}", f"p{i}.gov.cn") for i in range(6)]
    crawlers: list = []
    crawl_in_turn(process, spiders, crawlers, at_once=8)
    # The browser portals wait for each other, the others fill the room they leave.
    assert sum(key.startswith("browser") for key in process.running) == 2
    assert len(process.running) == 8
    process.finish_all()
    assert process.most_browsers == 2
    assert len(crawlers) == 12


def test_the_browser_limit_comes_from_the_settings_unless_given():
    process = FakeProcess(browsers_at_once=1)
    spiders = [spider(f"browser{i}", f"b{i}.gov.cn", uses_browser=True) for i in range(3)]
    crawl_in_turn(process, spiders, [], at_once=8)
    assert len(process.running) == 1
    process.finish_all()
    process = FakeProcess(browsers_at_once=1)
    crawl_in_turn(process, spiders, [], at_once=8, browsers_at_once=3)
    assert len(process.running) == 3


def test_a_stand_in_for_a_registry_portal_takes_its_hosts_and_its_browser_lane():
    from crawler import registry
    from crawler.run import BROWSER_LANE, portal_lanes

    process = FakeProcess()
    process.spider_loader = type("Loader", (), {"load": staticmethod(
        lambda name: type(name, (), {"uses_browser": name == "linxiang"}))})()
    replay = type("bare_linxiang", (), {"name": "bare_linxiang", "runs_as": "linxiang"})
    assert portal_lanes(replay, process) == set(registry.get("linxiang").sites) | {BROWSER_LANE}
    plain = type("bare_changshou", (), {"name": "bare_changshou", "runs_as": "changshou"})
    assert portal_lanes(plain, process) == set(registry.get("changshou").sites)
