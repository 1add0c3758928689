"""Errors that reach the user as one line, never as a traceback (unless --verbose)."""

from __future__ import annotations

from dataclasses import dataclass


class SitrepError(Exception):
    """A problem the user can act on; the CLI prints ``sitrep: <message>`` and exits non-zero."""

    exit_code = 1


class ReadError(SitrepError):
    """A source (file, line, row) that could not be turned into a document."""

    exit_code = 2

    def __init__(self, origin: str, problem: str):
        self.origin = origin
        self.problem = problem
        super().__init__(f"{origin}: {problem}")


class NothingRead(SitrepError):
    """Every source of a run failed: exit code 2, as a missing file is for most Unix tools."""

    exit_code = 2


@dataclass(frozen=True)
class ReadFailure:
    """A source that failed, yielded in the stream of documents so one bad file never stops a batch."""

    origin: str
    problem: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.problem}"
