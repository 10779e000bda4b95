"""Running the report parser on archived bodies, in worker processes.

trafilatura and the parser are CPU-bound and hold the GIL, so they run in worker processes
(`archive.workers`): the crawl's reactor and the archive's writer thread never wait on them. A
job carries the body when the caller has it, or only its hash, and the worker reads it from the
archive itself (so a backlog of thousands of pages costs no memory in the crawl).

The parser is named by a module path (`extract` by default; tests name a stand-in) that provides
`parse(body, *, url, content_type, filename)` and `PARSER_VERSION`, per the brief's contract.
"""

from __future__ import annotations

import importlib
import os
import posixpath
import re
import traceback
from dataclasses import dataclass
from functools import cache
from urllib.parse import unquote, urlsplit

from .reports import Parsed

DEFAULT_PARSER = "extract"


@dataclass
class ParseJob:
    report_id: int
    digest: str
    url: str
    content_type: str | None
    filename: str | None
    parser: str = DEFAULT_PARSER
    #: The body, or None for the worker to read it from `archive_path`.
    body: bytes | None = None
    archive_path: str | None = None


@cache
def load_parser(spec: str = DEFAULT_PARSER):
    module = importlib.import_module(spec)
    return module.parse, str(module.PARSER_VERSION)


def parser_version(spec: str = DEFAULT_PARSER) -> str:
    return load_parser(spec)[1]


_DISPOSITION_NAME = re.compile(r"""filename\*?=(?:UTF-8'')?["']?([^"';]+)""", re.I)


def filename_for(url: str, kind: str, disposition: str | None) -> str | None:
    """The file name a report file was served under: Content-Disposition's, else the URL's."""
    if disposition:
        match = _DISPOSITION_NAME.search(disposition)
        if match:
            return unquote(match.group(1)).strip()
    if kind != "attachment":
        return None
    return posixpath.basename(unquote(urlsplit(url).path)) or None


def parse_body(body: bytes, *, url: str, content_type: str | None, filename: str | None, parser: str) -> Parsed:
    """Parse one body; never raises (a parser failure is recorded on the version)."""
    try:
        parse, version = load_parser(parser)
    except Exception as error:  # the parser itself cannot be imported: say so on every version
        return Parsed(parser_version="unavailable", error=f"cannot load parser {parser!r}: {error}")
    from nianbao.inflation import bomb_problem

    # A DOCX/XLSX or PDF that would inflate far past its size is refused before the parser inflates
    # it whole (bytes archived before the crawl checked them, or a crawl with the guards turned off).
    bomb = bomb_problem(body)
    if bomb:
        return Parsed(parser_version=version, error=f"not parsed: a decompression bomb: {bomb}")
    try:
        report = parse(body, url=url, content_type=content_type, filename=filename)
        return Parsed(parser_version=version, report=report.to_json(), text=report.text or "")
    except Exception as error:
        detail = "".join(traceback.format_exception_only(type(error), error)).strip()
        return Parsed(parser_version=version, error=f"parser raised {detail}")


_readers: dict[str, object] = {}


def _read_body(path: str, digest: str) -> bytes:
    from .blobs import BlobStore
    from .db import connect

    store = _readers.get(path)
    if store is None:
        store = _readers[path] = BlobStore(connect(path, readonly=True))
    return store.get(digest)


def run_job(job: ParseJob) -> tuple[int, Parsed]:
    """The worker's entry point: (report id, parse)."""
    body = job.body
    if body is None:
        try:
            body = _read_body(job.archive_path, job.digest)
        except Exception as error:
            return job.report_id, Parsed(parser_version="unavailable", error=f"cannot read blob {job.digest}: {error}")
    return job.report_id, parse_body(
        body, url=job.url, content_type=job.content_type, filename=job.filename, parser=job.parser
    )


def default_workers() -> int:
    """One parser process per core beyond the one the crawl's reactor needs, at least one. The
    cores this process may run on (a pinned Scrapyd node, a container's cpuset), not the machine's."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 2)
    return max(1, cores - 1)
