"""The report body as one normalised string, and the events a table parser reads from a span of it.

`Stream` joins the body's lines (table rows as `\\x01cell\\tcell...`, text lines as they are) so
labels can be matched across line breaks and sections located by position. `events` walks a span
and yields, in reading order: label hits, value tokens (the numeric or blank cells after a table
row's last label cell; the numbers of a text line) and markers for other text and line ends.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from .document import Line
from .labels import Hit
from .normalize import nfkc

ROW = "\x01"
NUM = re.compile(r"(?<![\d.])(?:-(?=\d))?\d+(?:,\d{3}(?!\d))*(?:\.\d+)?(?![\d%])(?:\s*(万元|元))?")
#: A cell holding only figures, units and separators. Single characters and whole words only, no
#: nested repetition: the test takes time linear in the cell, however long its digit runs.
_CELL_NUMS = re.compile(r"(?=.*\d)(?:[\d\s,.\-]|万元|元|件|条|个|次|项|人次)+")
#: Digits in one run beyond this are no figures, nor cells run together (fifteen cells of eight
#: digits are 120): words, as far as the tables are concerned. Keeps every later step bounded.
MAX_RUN = 120
#: The text of such a cell's token: it keeps its place in the row, and no reader takes it for digits.
NOT_A_FIGURE = "#"
#: Cell contents that mean "nothing printed here".
BLANKS = frozenset({"", "-", "—", "——", "/", "\\", "无", "空", "--", "–", "_"})
#: In a line of text, one of these standing alone between spaces (or alone on its line) is a blank cell.
_BLANK_WORDS = BLANKS - {""}
#: A 计量单位 column's cells.
UNITS = frozenset({"条", "件", "个", "次", "项", "元", "万元", "人次", "人", "份", "宗", "篇", "期"})
#: `+` too: 本年增/减 prints a rise as `+3` (and no change as `+0`).
_NOISE = re.compile(r"[\s|,.:;，。：；、()（）\[\]\-—_/+]+|万元|人次|[元件条个次项]")
#: A change cell with its sign: the figure is the digits (a minus keeps its own reading below).
_PLUS = re.compile(r"\+\s*(\d+)")


@dataclass(slots=True)
class Tok:
    text: str  # the digits as printed ('' for a blank cell)
    line: int
    row: bool  # from a table row: a cell of its own
    unit: str | None = None
    start: int = 0
    col: int = -1  # the cell's index in its table row
    width: int = 0  # how many cells that row has
    #: A minus sign glued to the digits before it (`48-12`): in a change column (本年增/减) the
    #: sign belongs to this number; elsewhere it is a dash between two figures.
    minus: bool = False

    @property
    def bad(self) -> bool:
        """A cell whose digits run longer than any figure or row of cells: unreadable, never a number."""
        return self.text == NOT_A_FIGURE

    @property
    def blank(self) -> bool:
        return self.text == ""


# Event kinds
HIT, TOK, TEXT, EOL = "hit", "tok", "text", "eol"


class Stream:
    def __init__(self, lines: list[Line]):
        texts = []
        for line in lines:
            if line.row:
                texts.append(ROW + "\t".join(c.replace("\t", " ").replace("\n", " ") for c in line.cells))
            else:
                texts.append(line.cells[0].replace("\n", " ") if line.cells else "")
        self.text = nfkc("\n".join(texts))
        # NFKC never turns "\n" into anything else, so line starts survive normalisation.
        self.starts = [0]
        for m in re.finditer("\n", self.text):
            self.starts.append(m.end())
        self.rows = [t.startswith(ROW) for t in self.text.split("\n")] if self.text else []

    def line_of(self, pos: int) -> int:
        return bisect.bisect_right(self.starts, pos) - 1

    def cells(self, index: int) -> list[str] | None:
        """The cells of a table-row line (None for a text line)."""
        if not self.rows[index]:
            return None
        start, end = self.line_span(index)
        return self.text[start + 1 : end].split("\t")

    def line_span(self, index: int) -> tuple[int, int]:
        start = self.starts[index]
        end = self.starts[index + 1] - 1 if index + 1 < len(self.starts) else len(self.text)
        return start, end

    def find(self, pattern: re.Pattern, start: int = 0, end: int | None = None):
        return pattern.search(self.text, start, len(self.text) if end is None else end)

    def events(self, start: int, end: int, hits: list[Hit]) -> list[tuple]:
        """Events of the span [start, end); `hits` are label hits found in it (sorted)."""
        out: list[tuple] = []
        hits = [h for h in hits if start <= h.start < end]
        if start >= end:
            return out
        first, last = self.line_of(start), self.line_of(max(start, end - 1))
        h = 0
        for li in range(first, last + 1):
            ls, le = self.line_span(li)
            a, b = max(ls, start), min(le, end)
            line_hits = []
            while h < len(hits) and hits[h].start < b:
                line_hits.append(hits[h])
                h += 1
            near = [hh for hh in hits if hh.start < b and hh.end > ls] if hits else hits
            if self.rows[li]:
                self._row_events(out, li, ls, a, b, line_hits, near)
            else:
                self._text_events(out, li, a, b, line_hits, near)
            out.append((EOL, None, li))
        return out

    @staticmethod
    def _covered(pos_a: int, pos_b: int, hits: list[Hit]) -> bool:
        return any(hh.start < pos_b and hh.end > pos_a for hh in hits)

    def _row_events(self, out, li, ls, a, b, line_hits, all_hits) -> None:
        text = self.text
        cells = []
        pos = ls + 1  # after the ROW marker
        for cell in text[ls + 1 : self.line_span(li)[1]].split("\t"):
            cells.append((pos, pos + len(cell), cell))
            pos += len(cell) + 1
        kinds = []
        for cs, ce, cell in cells:
            if (cs < a or cs > b) if cs == ce else (ce <= a or cs >= b):
                kinds.append("out")
            elif all_hits and self._covered(cs, ce, all_hits):
                kinds.append("label")
            else:
                s = cell.strip()
                if len(s) > MAX_RUN and _longest_digits(s) > MAX_RUN:
                    kinds.append("bad")
                elif _PLUS.fullmatch(s):
                    kinds.append("noted")
                elif s.isdigit() and s.isascii() or _CELL_NUMS.fullmatch(s):
                    kinds.append("num" if s else "blank")
                elif s in BLANKS:
                    kinds.append("blank")
                elif s in UNITS:
                    kinds.append("unit")
                elif _NOTED.fullmatch(s):
                    kinds.append("noted")
                elif _ASCII_DIGIT.search(s):
                    # Not a label, not a figure, yet digits: a value cell garbled (run into a dash,
                    # say). It keeps its place, so the cells after it are not taken for its row's.
                    kinds.append("bad")
                else:
                    kinds.append("text")
        last_label = max((i for i, k in enumerate(kinds) if k in ("label", "text", "unit")), default=-1)
        if "num" not in kinds and not line_hits and not (len(cells) >= 15 and all(k == "blank" for k in kinds)):
            # A header row padded with empty cells, or an empty row: no values here. (Fifteen and
            # more empty cells in a row are table 四's figures printed blank.)
            kinds = [k if k in ("text", "unit") else "out" for k in kinds]
        hi = 0
        for i, ((cs, ce, cell), kind) in enumerate(zip(cells, kinds)):
            while hi < len(line_hits) and line_hits[hi].start < ce:
                out.append((HIT, line_hits[hi], li))
                hi += 1
            if kind == "text":
                out.append((TEXT, None, li))
            elif i > last_label and kind == "blank":
                out.append((TOK, Tok("", li, True, None, cs, i, len(cells)), li))
            elif i > last_label and kind == "noted":
                m = _NOTED.fullmatch(cell.strip()) or _PLUS.fullmatch(cell.strip())
                out.append((TOK, Tok(m.group(1), li, True, None, cs, i, len(cells)), li))
            elif i > last_label and kind == "bad":
                out.append((TOK, Tok(NOT_A_FIGURE, li, True, None, cs, i, len(cells)), li))
            elif i > last_label and kind == "num":
                s = cell.strip()
                if s.isdigit() and s.isascii():
                    out.append((TOK, Tok(s, li, True, None, cs, i, len(cells)), li))
                    continue
                for m in NUM.finditer(cell):
                    # Two cells fused into one (`2648-18`): the minus is the second figure's sign.
                    minus = cell[m.start() - 1 : m.start()] == "-" and cell[m.start() - 2 : m.start() - 1].isdigit()
                    out.append((TOK, Tok(m.group(0).split("万")[0].rstrip("元 ").replace(",", ""), li, True,
                                         _unit(m.group(1), cell), cs + m.start(), i, len(cells), minus), li))
        while hi < len(line_hits):
            out.append((HIT, line_hits[hi], li))
            hi += 1

    def _text_events(self, out, li, a, b, line_hits, all_hits) -> None:
        text = self.text
        pos = a
        # Spans of this line covered by hits (a hit may start on an earlier line and run into this one).
        covers = sorted((max(hh.start, a), min(hh.end, b), hh) for hh in all_hits if hh.start < b and hh.end > a)
        segments = []
        for cs, ce, hh in covers:
            if cs > pos:
                segments.append((pos, cs, None))
            # A label begun on an earlier line (its ordinal alone on the line before, a wrapped
            # label) covers its rest here too: no words of this line.
            segments.append((cs, ce, hh if hh.start >= a else _COVERED))
            pos = max(pos, ce)
        if pos < b:
            segments.append((pos, b, None))
        for sa, sb, hh in segments:
            if hh is _COVERED:
                continue
            if hh is not None:
                out.append((HIT, hh, li))
                continue
            if sb <= sa:
                continue
            frag = text[sa:sb]
            prev = 0
            for m in NUM.finditer(frag):
                self._gap_events(out, li, (" " if prev == 0 else "") + frag[prev : m.start()], sa + prev)
                digits = m.group(0)
                if len(digits) > MAX_RUN:
                    out.append((TOK, Tok(NOT_A_FIGURE, li, False, None, sa + m.start()), li))
                    prev = m.end()
                    continue
                if m.group(1):
                    digits = digits[: -len(m.group(1))].rstrip()
                at = sa + m.start()
                minus = text[at - 1 : at] == "-" and text[at - 2 : at - 1].isdigit()
                out.append((TOK, Tok(digits.replace(",", ""), li, False, m.group(1), at, minus=minus), li))
                prev = m.end()
            self._gap_events(out, li, (" " if prev == 0 else "") + frag[prev:] + " ", sa + prev)

    @staticmethod
    def _gap_events(out, li, gap: str, at: int) -> None:
        """What stands before a number of a text line (or the fragment's end), padded with a space
        at the fragment's edges: words (TEXT), then any dashes standing alone between spaces, each
        a blank cell (a table row printed as a line of text, or one cell per line)."""
        words = gap.split()
        blanks = 0
        if gap[-1:].isspace():
            while blanks < len(words) and words[len(words) - 1 - blanks] in _BLANK_WORDS:
                blanks += 1
        if blanks and blanks == len(words) and not gap[:1].isspace():
            blanks -= 1  # glued to the number before it: "12—" is not a cell of its own
        if _NOISE.sub("", " ".join(words[: len(words) - blanks])):
            out.append((TEXT, None, li))
        out.extend((TOK, Tok("", li, False, None, at), li) for _ in range(blanks))


_COVERED = object()
_DIGIT_RUN = re.compile(r"\d+")
_ASCII_DIGIT = re.compile(r"[0-9]")
#: A figure with a note on it in the same cell: 9（其中修订3件）.
_NOTED = re.compile(r"\s*(\d+)\s*(?:件|个|项|条)?\s*\([^()]{1,40}\)\s*")


def _longest_digits(text: str) -> int:
    return max((len(m) for m in _DIGIT_RUN.findall(text)), default=0)


def _unit(unit: str | None, cell: str) -> str | None:
    if unit:
        return unit
    if cell.rstrip().endswith("万元"):
        return "万元"
    if cell.rstrip().endswith("元"):
        return "元"
    return None
