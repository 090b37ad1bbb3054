"""Errors kg reports to users. Every message is one line and names what went wrong."""

from __future__ import annotations

__all__ = ["KgError", "IngestError", "RuleError", "QueryError", "ExitCode"]

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes of the ``kg`` command (documented in the README)."""

    OK = 0  # everything succeeded
    FAILED = 1  # nothing was built / the command failed
    USAGE = 2  # bad command line (typer/click's own code)
    PARTIAL = 3  # the build succeeded, but some inputs were skipped with a warning
    INTERRUPTED = 130  # Ctrl-C: previous outputs left intact


class KgError(Exception):
    """A failure the user can act on; ``str(err)`` is a single line."""


class IngestError(KgError):
    """An input file (or line) that cannot be read as an article."""

    def __init__(self, source: str, problem: str):
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


class RuleError(KgError):
    """A rule or lexicon file in ontology/ that is malformed (file, line and problem)."""


class QueryError(KgError):
    """A SPARQL query that cannot be parsed or run."""
