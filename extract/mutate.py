"""Mutated reports, for the parser's robustness tests and its fuzz benchmark.

Real reports (read from ../shared at run time, never stored) are damaged the ways crawled bytes get
damaged, and the ways a hostile server would damage them: flipped bytes, truncation, shuffled and
duplicated lines, long digit runs (around dashes too), deep tag nesting, stray markup. Each case is
drawn from a seeded generator, so a failure names a case anyone can rebuild.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    name: str  # source report, mutation and seed: enough to rebuild it
    body: bytes
    filename: str


def _flip_bytes(rnd: random.Random, body: bytes) -> bytes:
    data = bytearray(body)
    for _ in range(rnd.randint(1, 40)):
        if data:
            data[rnd.randrange(len(data))] = rnd.randrange(256)
    return bytes(data)


def _truncate(rnd: random.Random, body: bytes) -> bytes:
    return body[: rnd.randrange(len(body) + 1)]


def _shuffle_lines(rnd: random.Random, body: bytes) -> bytes:
    lines = body.split(b"\n")
    rnd.shuffle(lines)
    return b"\n".join(lines)


def _duplicate_lines(rnd: random.Random, body: bytes) -> bytes:
    lines = body.split(b"\n")
    for _ in range(rnd.randint(1, 20)):
        if lines:
            i = rnd.randrange(len(lines))
            lines.insert(i, lines[rnd.randrange(len(lines))])
    return b"\n".join(lines)


def _digit_run(rnd: random.Random) -> str:
    digit = str(rnd.randint(0, 9))
    n = rnd.choice([8, 20, 40, 80, 200, 5000])
    shape = rnd.choice(["plain", "dash", "spaced", "signed"])
    if shape == "dash":
        return digit * n + rnd.choice(["——", "-", "—", "/"]) + digit * n
    if shape == "spaced":
        return " ".join(digit * rnd.randint(1, 12) for _ in range(min(n, 400)))
    if shape == "signed":
        return "-".join(digit * rnd.randint(1, 9) for _ in range(min(n, 400)))
    return digit * n


def _insert_digits(rnd: random.Random, body: bytes) -> bytes:
    text = body.decode("utf-8", "replace")
    for _ in range(rnd.randint(1, 6)):
        i = rnd.randrange(len(text) + 1)
        text = text[:i] + _digit_run(rnd) + text[i:]
    return text.encode("utf-8")


_TAGS = ("<div>", "</div>", "<table>", "<tr>", "<td>", "</td>", "</tr>", "</table>", "<p>", "<span>", "<br>",
         "<script>", "</script>", "<!--", "-->", "<td colspan=999999>", "<td rowspan=-3>", "<![CDATA[", "<?xml ?>")


def _insert_tags(rnd: random.Random, body: bytes) -> bytes:
    text = body.decode("utf-8", "replace")
    for _ in range(rnd.randint(1, 30)):
        i = rnd.randrange(len(text) + 1)
        text = text[:i] + rnd.choice(_TAGS) + text[i:]
    return text.encode("utf-8")


def _nest(rnd: random.Random, body: bytes) -> bytes:
    depth = rnd.choice([300, 1000, 3000])
    tag = rnd.choice(["div", "span", "table><tr><td", "font"])
    close = "</td></tr></table>" if tag.startswith("table") else f"</{tag}>"
    text = body.decode("utf-8", "replace")
    i = rnd.randrange(len(text) + 1)
    return (text[:i] + f"<{tag}>" * depth + text[i:] + close * depth).encode("utf-8")


MUTATIONS = {
    "flip": _flip_bytes,
    "truncate": _truncate,
    "shuffle": _shuffle_lines,
    "duplicate": _duplicate_lines,
    "digits": _insert_digits,
    "tags": _insert_tags,
    "nest": _nest,
}


def cases(sources: list[tuple[str, bytes]], count: int, seed: int = 0) -> Iterator[Case]:
    """`count` mutated inputs drawn from (filename, bytes) sources, each of one or two mutations."""
    rnd = random.Random(seed)
    names = sorted(MUTATIONS)
    for n in range(count):
        filename, body = sources[n % len(sources)]
        picked = rnd.sample(names, rnd.choice([1, 1, 2]))
        case_seed = rnd.randrange(2**32)
        case_rnd = random.Random(case_seed)
        for name in picked:
            body = MUTATIONS[name](case_rnd, body)
        yield Case(f"{filename}:{'+'.join(picked)}:{case_seed}", body, filename)
