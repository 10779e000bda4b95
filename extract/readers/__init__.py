"""Readers: one per input format, each returning an `extract.document.Document`."""
