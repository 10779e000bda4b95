"""The archive: every version of every report page, with provenance, in one SQLite file.

- `ArchiveWriter(path)` records fetches (`Fetch`) and failures (`Failure`) and parses new
  versions in worker processes; `crawler.pipelines.ArchivePipeline` drives it during a crawl.
- `open_archive(path)` opens (creating) an archive; `Archive(path)` reads one: bodies by hash,
  reports as the parser's JSON, full-text search.

The schema documents itself: `SELECT * FROM schema_docs`.
"""

from .reader import Archive
from .snapshots import Failure, Fetch
from .writer import ArchiveWriter, open_archive

__all__ = ["Archive", "ArchiveWriter", "Failure", "Fetch", "open_archive"]
