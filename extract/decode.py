"""Bytes to text, trusting the bytes over the labels.

Chinese portals mislabel their encodings (GBK pages served as UTF-8, headers without a charset,
`<meta charset=gb2312>` on UTF-8 pages), so the declared charset is only one witness: valid UTF-8
wins, then the declared charset if the bytes decode cleanly under it, then GB18030 (a superset of
GBK and GB2312), then charset-normalizer, and as a last resort UTF-8 with replacement characters.
"""

from __future__ import annotations

import codecs
import re

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
#: Declared names that really mean a wider code page in practice.
_WIDER = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
          "big5": "big5hkscs", "iso-8859-1": "cp1252", "latin-1": "cp1252", "ascii": "utf-8"}


def declared_charset(body: bytes, content_type: str | None = None) -> str | None:
    if content_type:
        m = _HEADER_CHARSET.search(content_type)
        if m:
            return m.group(1).lower()
    m = _META_CHARSET.search(body[:4096])
    return m.group(1).decode("ascii", "replace").lower() if m else None


def _lookup(name: str | None) -> str | None:
    if not name:
        return None
    name = _WIDER.get(name.lower(), name.lower())
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Return (text, encoding used). Never raises."""
    if not body:
        return "", "utf-8"
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body.decode(name, "replace"), name
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    declared = _lookup(declared_charset(body, content_type))
    for name in (declared, "gb18030"):
        if name and name != "utf-8":
            try:
                return body.decode(name), name
            except (UnicodeDecodeError, LookupError):
                pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(body[:200_000]).best()
        if best is not None and best.encoding:
            return body.decode(best.encoding, "replace"), best.encoding
    except Exception:  # noqa: BLE001 - a detector failure must not stop parsing
        pass
    # Mixed encodings: keep whichever reading loses fewer characters.
    utf8 = body.decode("utf-8", "replace")
    gb = body.decode("gb18030", "replace")
    return (utf8, "utf-8") if utf8.count("\ufffd") <= gb.count("\ufffd") else (gb, "gb18030")
