"""The portal registry (`spiders/portals.tsv`): the one place a portal is named.

Each line is a portal: one publishing agency's annual-report column (or a column that lists many
agencies' reports, which the line says). Its key (the spider's name), the agency's Chinese name, its
level, its six-digit division code where known, its site platform, where the crawl starts (one or
more URLs: a gkmlpt catalogue, an annual-report column, or the home page, from which the spider
finds the column), what the column covers (`own`: the agency's own reports; `many`: a column or tree
listing many agencies', the line naming the government whose site it is), how strong the evidence
is (`report`: a real report page was seen on the host; `platform`: the platform's own addresses
were seen there; `host`: only the host and its address shape, the platform unconfirmed) and the
public source of these facts.

Several lines may share a host (a department's or a town's column on its district's site, a gkmlpt
catalogue on a path of a host). Each then owns the folders its start URLs lie in (its *trees*): no
line's tree lies inside another's on the same host, and a line starting at a home page (whose tree
is the whole site) is the only one on its host. `owner(url)` names the line an address belongs to,
so a spider never takes a report or a list page of another line's column, the replica knows which
site answers, and a crawl treats the lines of one host as one host (`host_groups()`).

The spiders (`spiders/registry.py`), the replicas, the tests and the benchmarks read it;
`nianbao portals` prints it.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import click

from .urls import is_home_page

REGISTRY = Path(__file__).resolve().parents[1] / "spiders" / "portals.tsv"
PLATFORMS = ("anhui", "guangdong", "hanweb", "lincang", "trs", "yuanlue")
LEVELS = ("province", "city", "district/county", "township", "department")
#: What a line's column holds: the agency's own reports, or those of many agencies.
COVERS = ("own", "many")
#: How strong the line's evidence is, strongest first (shared/registry: strengths A, B, C).
EVIDENCE = ("report", "platform", "host")
COLUMNS = ("key", "name", "level", "division_code", "platform", "start", "covers", "evidence", "source")


@dataclass(frozen=True)
class Portal:
    key: str
    name: str
    level: str
    division_code: str
    platform: str
    #: Where the crawl starts: one or more URLs, space-separated in the file.
    start: tuple[str, ...]
    #: `own` (the agency's own reports) or `many` (a column listing many agencies' reports).
    covers: str
    #: `report`, `platform` or `host`: how strong the evidence for the line is.
    evidence: str
    source: str

    @property
    def hosts(self) -> tuple[str, ...]:
        """The hosts the start URLs name, in order, each once."""
        return tuple(dict.fromkeys((urlsplit(u).hostname or "").lower() for u in self.start))

    @property
    def sites(self) -> tuple[str, ...]:
        """The hosts without `www.`: a bare host and its `www.` twin are one site."""
        return tuple(dict.fromkeys(site_of(h) for h in self.hosts))

    @property
    def trees(self) -> tuple[tuple[str, str], ...]:
        """(site, folder) of each start URL: the part of a site the line owns (`/` for a home page)."""
        return tuple(dict.fromkeys((site_of(urlsplit(u).hostname or ""), tree_of(u)) for u in self.start))

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


def site_of(host: str) -> str:
    host = host.lower()
    return host[4:] if host.startswith("www.") else host


def tree_of(url: str) -> str:
    """The folder a start URL owns: its own folder, or `/` for a home page."""
    path = urlsplit(url).path or "/"
    if is_home_page(url):
        return "/"
    return path if path.endswith("/") else path.rsplit("/", 1)[0] + "/"


def parse(lines, where: str = "registry") -> list[Portal]:
    """Registry lines (comments `#` and the header skipped) as portals; a bad line says where it is."""
    rows = [line for line in lines if line.strip() and not line.startswith("#")]
    reader = csv.reader(rows, delimiter="\t")
    header = next(reader, None)
    if header is None or tuple(header) != COLUMNS:
        raise RegistryError(f"{where}: the header must be {' '.join(COLUMNS)}, not {header}")
    portals, seen, trees = [], set(), {}
    for number, row in enumerate(reader, start=2):
        if len(row) != len(COLUMNS):
            raise RegistryError(f"{where}, line {number}: {len(row)} fields, expected {len(COLUMNS)}: {row}")
        record = dict(zip(COLUMNS, (value.strip() for value in row)))
        portal = Portal(**{**record, "start": tuple(record["start"].split())})
        problem = _problem(portal, seen) or _overlap(portal, trees)
        if problem:
            raise RegistryError(f"{where}, line {number} ({portal.key or '?'}): {problem}")
        seen.add(portal.key)
        for tree in portal.trees:
            trees.setdefault(tree[0], []).append((tree[1], portal.key))
        portals.append(portal)
    return portals


def _overlap(portal: Portal, trees: dict[str, list[tuple[str, str]]]) -> str | None:
    """Why `portal` cannot share its hosts with the lines before it (None when it can)."""
    for site, folder in portal.trees:
        for other_folder, other in trees.get(site, ()):
            if other == portal.key:
                continue
            if "/" in (folder, other_folder):
                return (f"{site} is also {other}'s: a line starting at a home page must be the only one on its host "
                        f"(start at the column instead)")
            if folder.startswith(other_folder) or other_folder.startswith(folder):
                return f"its column {folder} on {site} lies inside {other}'s {other_folder} (or holds it)"
    return None


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
    if portal.covers not in COVERS:
        return f"covers is one of {', '.join(COVERS)} (the agency's own reports, or many agencies')"
    if portal.evidence not in EVIDENCE:
        return f"unknown evidence {portal.evidence!r} (one of {', '.join(EVIDENCE)})"
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


@lru_cache(maxsize=None)
def _trees_by_site() -> dict[str, tuple[tuple[str, str], ...]]:
    """site -> ((folder, key), ...), the deepest folder first."""
    by_site: dict[str, list[tuple[str, str]]] = {}
    for portal in load():
        for site, folder in portal.trees:
            by_site.setdefault(site, []).append((folder, portal.key))
    return {site: tuple(sorted(trees, key=lambda t: -len(t[0]))) for site, trees in by_site.items()}


def owner(url: str) -> str | None:
    """The registry line whose tree holds `url` (None: no line's, e.g. another host or a path of a
    shared host outside every column). On a host with one line, every address of it is that line's."""
    site = site_of(urlsplit(url).hostname or "")
    trees = _trees_by_site().get(site)
    if not trees:
        return None
    if len({key for _folder, key in trees}) == 1:
        return trees[0][1]
    path = urlsplit(url).path or "/"
    return next((key for folder, key in trees if path.startswith(folder)), None)


def shares_host(key: str) -> bool:
    """Whether another registry line lies on one of this line's hosts."""
    trees = _trees_by_site()
    return any(other != key for site in get(key).sites for _folder, other in trees.get(site, ()))


def host_groups(names: list[str] | tuple[str, ...] | None = None) -> list[list[str]]:
    """`names` (default: every line) grouped so that lines sharing a host (or a host's `www.` twin)
    are in one group, each group in registry order, groups in the order of their first line."""
    names = list(names) if names is not None else keys()
    parent = {name: name for name in names}

    def root(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    first_on_site: dict[str, str] = {}
    for name in names:
        try:
            sites = get(name).sites
        except KeyError:  # a platform's generic spider: a group of its own
            continue
        for site in sites:
            if site in first_on_site:
                parent[root(name)] = root(first_on_site[site])
            else:
                first_on_site[site] = name
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(root(name), []).append(name)
    return list(groups.values())


def dumps(portal: Portal) -> str:
    """One JSON object, as `nianbao portals --json` prints it."""
    return json.dumps(portal.as_json(), ensure_ascii=False)


@click.command("portals")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
@click.option("--platform", type=click.Choice(PLATFORMS), help="Only this platform's portals.")
@click.option("--evidence", type=click.Choice(EVIDENCE), help="Only the lines with this strength of evidence.")
def portals_command(as_json: bool, platform: str | None, evidence: str | None) -> None:
    """The portal registry: every portal nianbao crawls, one line each."""
    for portal in portals(platform):
        if evidence and portal.evidence != evidence:
            continue
        if as_json:
            click.echo(dumps(portal))
        else:
            click.echo(f"{portal.key:<18} {portal.platform:<9} {portal.level:<15} {portal.division_code or '-':<6} "
                       f"{portal.covers:<4} {portal.evidence:<8} {portal.name}  {' '.join(portal.start)}")
