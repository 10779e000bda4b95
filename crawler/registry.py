"""The portal registry (`spiders/portals.tsv`): the one place a portal is named.

Each line is a portal: its key (the spider's name), the agency's Chinese name, its level, its
six-digit division code where known, its site platform, where the crawl starts (one or more URLs:
a gkmlpt catalogue, an annual-report column, or the home page, from which the spider finds the
column) and the public source of these facts. The spiders (`spiders/registry.py`), the replicas,
the tests and the benchmarks read it; `nianbao portals` prints it.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import click

REGISTRY = Path(__file__).resolve().parents[1] / "spiders" / "portals.tsv"
PLATFORMS = ("guangdong", "hanweb", "lincang", "trs", "yuanlue")
LEVELS = ("province", "city", "district/county", "township", "department")
COLUMNS = ("key", "name", "level", "division_code", "platform", "start", "source")


@dataclass(frozen=True)
class Portal:
    key: str
    name: str
    level: str
    division_code: str
    platform: str
    #: Where the crawl starts: one or more URLs, space-separated in the file.
    start: tuple[str, ...]
    source: str

    @property
    def hosts(self) -> tuple[str, ...]:
        """The hosts the start URLs name, in order, each once."""
        return tuple(dict.fromkeys((urlsplit(u).hostname or "").lower() for u in self.start))

    @property
    def scheme(self) -> str:
        return urlsplit(self.start[0]).scheme

    def as_json(self) -> dict:
        record = asdict(self)
        record["start"] = " ".join(self.start)
        return record

    def line(self) -> str:
        """The portal as a registry line (tab-separated, as in the file)."""
        return "\t".join(self.as_json()[c] for c in COLUMNS)


class RegistryError(ValueError):
    pass


def parse(lines, where: str = "registry") -> list[Portal]:
    """Registry lines (comments `#` and the header skipped) as portals; a bad line says where it is."""
    rows = [line for line in lines if line.strip() and not line.startswith("#")]
    reader = csv.reader(rows, delimiter="\t")
    header = next(reader, None)
    if header is None or tuple(header) != COLUMNS:
        raise RegistryError(f"{where}: the header must be {' '.join(COLUMNS)}, not {header}")
    portals, seen = [], set()
    for number, row in enumerate(reader, start=2):
        if len(row) != len(COLUMNS):
            raise RegistryError(f"{where}, line {number}: {len(row)} fields, expected {len(COLUMNS)}: {row}")
        record = dict(zip(COLUMNS, (value.strip() for value in row)))
        portal = Portal(**{**record, "start": tuple(record["start"].split())})
        problem = _problem(portal, seen)
        if problem:
            raise RegistryError(f"{where}, line {number} ({portal.key or '?'}): {problem}")
        seen.add(portal.key)
        portals.append(portal)
    return portals


def _problem(portal: Portal, seen: set[str]) -> str | None:
    import re

    if not re.fullmatch(r"[a-z][a-z0-9_]*", portal.key):
        return "the key must be lower-case letters, digits and _ (it is the spider's name)"
    if portal.key in seen:
        return "the key is taken"
    if portal.key in PLATFORMS:
        return "a platform's name is its generic spider's, not a portal's"
    if portal.platform not in PLATFORMS:
        return f"unknown platform {portal.platform!r} (one of {', '.join(PLATFORMS)})"
    if portal.level not in LEVELS:
        return f"unknown level {portal.level!r} (one of {', '.join(LEVELS)})"
    if portal.division_code and not re.fullmatch(r"\d{6}", portal.division_code):
        return "the division code has six digits"
    if not portal.start or any(urlsplit(u).scheme not in ("http", "https") or not urlsplit(u).hostname
                               for u in portal.start):
        return "start must be one or more http(s) URLs"
    if not portal.source:
        return "say where the facts came from (source)"
    return None


@lru_cache(maxsize=None)
def load(path: str | None = None) -> tuple[Portal, ...]:
    if not path and not REGISTRY.is_file():
        # Inside a zipped egg (a Scrapyd node, `nianbao cluster`) the registry is package data, not a file.
        from importlib.resources import files

        return tuple(parse(files("spiders").joinpath("portals.tsv").read_text("utf-8").splitlines(True), "registry"))
    path = Path(path) if path else REGISTRY
    with open(path, encoding="utf-8") as f:
        return tuple(parse(f, str(path)))


def portals(platform: str | None = None) -> tuple[Portal, ...]:
    return tuple(p for p in load() if platform in (None, p.platform))


def get(key: str) -> Portal:
    for portal in load():
        if portal.key == key:
            return portal
    raise KeyError(key)


def keys() -> list[str]:
    return [p.key for p in load()]


def dumps(portal: Portal) -> str:
    """One JSON object, as `nianbao portals --json` prints it."""
    return json.dumps(portal.as_json(), ensure_ascii=False)


@click.command("portals")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
@click.option("--platform", type=click.Choice(PLATFORMS), help="Only this platform's portals.")
def portals_command(as_json: bool, platform: str | None) -> None:
    """The portal registry: every portal nianbao crawls, one line each."""
    for portal in portals(platform):
        if as_json:
            click.echo(dumps(portal))
        else:
            click.echo(f"{portal.key:<18} {portal.platform:<9} {portal.level:<15} {portal.division_code or '-':<6} "
                       f"{portal.name}  {' '.join(portal.start)}")
