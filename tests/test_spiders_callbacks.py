"""Scrapy's check that no callback is a generator returning a value, once per callback.

Scrapy runs it on every spider instance's first response, reading the callback's source each time
(529 portals a run); the project turns it off (WARN_ON_GENERATOR_RETURN_VALUE) and runs it here
instead, over every function of every spider the project lists."""

from __future__ import annotations

import inspect

from scrapy.spiderloader import SpiderLoader
from scrapy.utils.misc import is_generator_with_return_value
from scrapy.utils.project import get_project_settings


def spider_generators() -> dict[str, object]:
    loader = SpiderLoader.from_settings(get_project_settings())
    found = {}
    for name in loader.list():
        for _, function in inspect.getmembers(loader.load(name), inspect.isgeneratorfunction):
            found[f"{function.__module__}.{function.__qualname__}"] = function
    return found


def test_no_spider_generator_returns_a_value():
    generators = spider_generators()
    assert any(name.endswith("PortalSpider.parse_report") for name in generators), sorted(generators)[:20]
    assert [name for name, function in generators.items() if is_generator_with_return_value(function)] == []


def test_the_check_finds_a_generator_that_returns_a_value():
    def parse(response):
        yield {"url": response}
        return "lost"

    assert is_generator_with_return_value(parse)


def test_scrapy_does_not_run_it_per_spider():
    assert get_project_settings().getbool("WARN_ON_GENERATOR_RETURN_VALUE") is False
