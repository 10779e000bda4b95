"""Table 二 broken into fragments by a PDF converter: which numbers belong to which label.

A converter that cuts a table into small pipe tables leaves a row's label in one fragment and its
figures in the next (`| 行政许可 |` then `| 97 |`), prints the figures before the label instead,
or spills a row's last cells onto a line of their own (`| 规章 | 0 | 0 |` then `| 0 |`). A label
alone on its line takes the line of figures after it, or the one before it, whichever every
such label of the table agrees with; where they do not agree, no alone label takes any (its row
is left out and said), since reading the wrong side gives another row's figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .stream import HIT, TEXT, TOK, Tok


@dataclass
class _Line:
    index: int
    hits: list = field(default_factory=list)
    toks: list[Tok] = field(default_factory=list)
    text: bool = False

    @property
    def numbers(self) -> bool:
        """Figures and nothing else: a fragment of cells."""
        return bool(self.toks) and not self.hits and not self.text

    @property
    def alone(self) -> bool:
        """One label and no figures."""
        return len(self.hits) == 1 and not self.toks


def _lines(events: list[tuple]) -> list[_Line]:
    out: list[_Line] = []
    for kind, payload, li in events:
        if kind not in (HIT, TOK, TEXT):
            continue
        if not out or out[-1].index != li:
            out.append(_Line(li))
        if kind == HIT:
            out[-1].hits.append(payload)
        elif kind == TOK:
            out[-1].toks.append(payload)
        else:
            out[-1].text = True
    return out


@dataclass
class Placement:
    #: Figures for labels alone on their line that print them before it, by the hit's start (the
    #: figures after a label are read as any row's).
    cells: dict[int, list[Tok]] = field(default_factory=dict)
    #: Labels alone whose side is not certain, by the hit's start.
    uncertain: set[int] = field(default_factory=set)
    #: Cells spilled onto the next line, by the start of the hit whose row they continue.
    spilled: dict[int, list[Tok]] = field(default_factory=dict)


def place(events: list[tuple], widths: dict[str, int]) -> Placement:
    """Where the figures of fragmented rows are; `widths` gives each row key's number of cells."""
    lines = _lines(events)
    out = Placement()
    alone = [i for i, line in enumerate(lines) if line.alone]

    def run(first: int, step: int) -> tuple[int, ...] | None:
        """The lines of figures next to line `first - step` on one side (one cell per line makes many)."""
        found = []
        i = first
        while 0 <= i < len(lines) and lines[i].numbers:
            found.append(i)
            i += step
        return tuple(sorted(found)) or None

    def before(i: int) -> tuple[int, ...] | None:
        return run(i - 1, -1)

    def after(i: int) -> tuple[int, ...] | None:
        return run(i + 1, 1)

    if alone:
        # Figures after each label: no label's figures before it, except the previous label's.
        follows = all(after(i) and (before(i) is None or (k and before(i) == after(alone[k - 1])))
                      for k, i in enumerate(alone))
        precedes = all(before(i) and (after(i) is None or (k + 1 < len(alone) and after(i) == before(alone[k + 1])))
                       for k, i in enumerate(alone))
        for i in alone:
            hit = lines[i].hits[0]
            if precedes and not follows:
                out.cells[hit.start] = [t for j in before(i) for t in lines[j].toks]
            elif precedes == follows:
                out.uncertain.add(hit.start)
    taken = {j for i in alone for side in (before(i), after(i)) if side for j in side}
    for i, line in enumerate(lines):
        if len(line.hits) == 1 and line.toks and i + 1 < len(lines) and lines[i + 1].numbers and i + 1 not in taken:
            nxt = lines[i + 1]
            short = widths.get(line.hits[0].key, 0) - len(line.toks)
            if short > 0 and len(nxt.toks) == short:
                out.spilled[line.hits[0].start] = nxt.toks
                taken.add(i + 1)
    return out
