"""nianbao (年报): crawl, archive and parse government information-disclosure annual reports."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("nianbao")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.1.0"
