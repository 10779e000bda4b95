"""Text normalisation shared by every step: NFKC (full-width digits and punctuation become ASCII)
and the gap characters a printed label may be broken by (spaces, line breaks, quotes)."""

from __future__ import annotations

import re
import unicodedata

#: Characters a label may be broken by or wrapped in; ignored when matching labels.
GAP_CHARS = " \n\r\u200b“”\"'‘’「」『』"
GAP = "[" + re.escape(GAP_CHARS) + "]*"
_GAP_RE = re.compile(GAP[:-1] + "+")
_MAP = str.maketrans({"、": "、", "﹑": "、", "〔": "(", "〕": ")", "【": "[", "】": "]", "－": "-", "−": "-", "—": "—"})


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_MAP)


def compact(text: str) -> str:
    """A label as the matcher compares it: normalised, without gap characters."""
    return _GAP_RE.sub("", nfkc(text)).replace("\t", "")
