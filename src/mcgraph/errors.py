"""One exception tree for the library; the CLI maps it to exit codes, the API to HTTP problems."""
from __future__ import annotations

from typing import Any


class McGraphError(Exception):
    """Base of every error mcgraph raises on purpose."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(McGraphError):
    """The caller asked for something that cannot be done as asked."""


class RDFSyntaxError(McGraphError):
    """A file could not be parsed; names the file, line and column."""

    def __init__(self, file: str, line: int | None, column: int | None, detail: str) -> None:
        where = file
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {detail}")
        self.file, self.line, self.column, self.detail = file, line, column, detail


class UnsafeInput(McGraphError):
    """Input refused for safety (e.g. an XML DOCTYPE, which could expand entities)."""


class NonConformantData(McGraphError):
    """SHACL validation found violations; carries the full report."""

    exit_code = 1

    def __init__(self, report: Any) -> None:
        super().__init__(f"data does not conform: {report.summary_line()}")
        self.report = report


class UnknownResource(McGraphError):
    """A named query, graph, profile or resource does not exist."""


class DataError(McGraphError):
    """The stored graph breaks a rule validation enforces (e.g. data written past the SHACL gate)."""


class QueryError(McGraphError):
    """A SPARQL query is malformed or failed to evaluate."""


class FeatureUnavailable(McGraphError):
    """A feature needs something this machine lacks (e.g. Java for the reasoner)."""

    exit_code = 3


class QueryTimeout(McGraphError):
    """A query ran past its time limit and was stopped."""


class ServerBusy(McGraphError):
    """Every query worker stayed busy; the request can be retried."""
