"""What the gates decide: one :class:`GateResult` per gate and the :class:`GateReport`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from driftloop.errors import InvalidParameterError

__all__ = ["GateReport", "GateResult", "error_text"]


@dataclass(frozen=True, slots=True)
class GateResult:
    """The outcome of one gate.

    Attributes:
        name: ``metric``, ``slice:<column>=<value>``, ``data_validation`` or ``latency``.
        passed: Whether the challenger passed it.
        message: One line saying why.
        evidence: The numbers behind the decision (JSON-ready).
    """

    name: str
    passed: bool
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data."""
        return {
            "name": self.name,
            "passed": self.passed,
            "message": self.message,
            "evidence": self.evidence,
        }


@dataclass(frozen=True, slots=True)
class GateReport:
    """Every gate's result; ``passed`` when all passed.

    Attributes:
        passed: Whether every gate passed.
        results: The results, in evaluation order (metric, slices, data, latency).
    """

    passed: bool
    results: tuple[GateResult, ...]

    @property
    def failed(self) -> tuple[str, ...]:
        """The names of the gates that failed."""
        return tuple(result.name for result in self.results if not result.passed)

    def result(self, name: str) -> GateResult:
        """The result of the gate called ``name``.

        Raises:
            InvalidParameterError: No gate of that name ran.
        """
        for result in self.results:
            if result.name == name:
                return result
        names = ", ".join(result.name for result in self.results)
        raise InvalidParameterError(f"no gate {name!r} ran (gates: {names})", field="name")

    def to_evidence(self) -> dict[str, Any]:
        """The report as event evidence: overall verdict, failed gates, every result."""
        return {
            "passed": self.passed,
            "failed": list(self.failed),
            "gates": [result.to_dict() for result in self.results],
        }


def error_text(error: BaseException) -> str:
    """``Type: first line of the message`` (at most 300 characters), for evidence."""
    text = str(error).splitlines()[0] if str(error) else ""
    text = text if len(text) <= 300 else text[:297] + "..."
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
