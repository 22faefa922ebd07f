"""The continuous-training page's timeline: episodes with their steps and the numbers behind.

Pure: episodes and events of one deployment in, one :class:`EpisodeView` per episode out
(newest first), each with its steps in the order they happened: trigger (with its evidence)
-> pipeline run -> challenger -> gates (challenger against champion) -> shadow -> canary
steps -> promoted or rolled back. The evidence is shown as facts (``label: value``), with
the gates and the live comparisons as small tables.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import yaml

from driftloop.entities import CtEpisode, CtEvent, CtEventKind

TITLES = {
    CtEventKind.TRIGGER_FIRED.value: "Trigger",
    CtEventKind.PIPELINE_STARTED.value: "Pipeline started",
    CtEventKind.PIPELINE_FINISHED.value: "Pipeline run finished",
    CtEventKind.PIPELINE_FAILED.value: "Pipeline failed",
    CtEventKind.CHALLENGER_REGISTERED.value: "Challenger registered",
    CtEventKind.GATE_PASSED.value: "Gates passed",
    CtEventKind.GATE_FAILED.value: "Gates failed",
    CtEventKind.SHADOW_STARTED.value: "Shadow",
    CtEventKind.CANARY_STEP.value: "Canary step",
    CtEventKind.PROMOTED.value: "Promoted",
    CtEventKind.ROLLED_BACK.value: "Rolled back",
}
GOOD = frozenset({"gate_passed", "promoted", "pipeline_finished", "challenger_registered"})
BAD = frozenset({"gate_failed", "rolled_back", "pipeline_failed", "failed"})
COMPARED = ("version", "requests", "labelled", "metric", "p99_ms", "error_rate")
"""The numbers of a live comparison (champion and challenger), in table order."""
_EPOCH_MS = 10**12
"""Values of ``*_ms`` keys from here on are times (after September 2001), else durations."""


@dataclass(frozen=True, slots=True)
class Fact:
    """One number (or word) of an event's evidence."""

    label: str
    value: str


@dataclass(frozen=True, slots=True)
class GateRow:
    """One gate's result."""

    name: str
    passed: bool
    metric: str
    challenger: str
    champion: str
    message: str


@dataclass(frozen=True, slots=True)
class Step:
    """One event of an episode.

    Attributes:
        kind: The event kind (``trigger_fired``, ``gate_passed`` ...).
        title: The kind in words (``Canary step 1: 50%``).
        timestamp: When it happened, ms.
        message: The decision in words.
        outcome: ``good``, ``bad`` or empty (the page says it in words, not colour only).
        facts: The evidence's other numbers.
        gates: The gates' results (gate events).
        comparison: ``(what, champion, challenger)`` rows of a live comparison.
        run_id: A tracking run to link to (the pipeline run), or None.
        version: A model version to link to (the challenger), or None.
    """

    kind: str
    title: str
    timestamp: int
    message: str
    outcome: str = ""
    facts: tuple[Fact, ...] = ()
    gates: tuple[GateRow, ...] = ()
    comparison: tuple[tuple[str, str, str], ...] = ()
    run_id: str | None = None
    version: int | None = None


@dataclass(frozen=True, slots=True)
class EpisodeView:
    """One episode and its steps, oldest step first."""

    episode: CtEpisode
    steps: tuple[Step, ...]
    trigger_facts: tuple[Fact, ...] = field(default_factory=tuple)

    @property
    def outcome(self) -> str:
        """The phase in words (``promoted``, ``rolled back``, ``in progress: canary``)."""
        phase = self.episode.phase
        if phase.terminal:
            return phase.value.replace("_", " ")
        return f"in progress: {phase.value}"


def build_timeline(episodes: Sequence[CtEpisode], events: Iterable[CtEvent]) -> list[EpisodeView]:
    """One view per episode, newest first, with the events of each in commit order."""
    by_episode: dict[str, list[CtEvent]] = {}
    for event in events:
        if event.episode_id is not None:
            by_episode.setdefault(event.episode_id, []).append(event)
    ordered = sorted(episodes, key=lambda e: (e.created, e.episode_id), reverse=True)
    views = []
    for episode in ordered:
        found = sorted(by_episode.get(episode.episode_id, []), key=lambda e: e.event_id)
        views.append(
            EpisodeView(
                episode,
                tuple(step_of(event) for event in found),
                tuple(flatten(episode.evidence)),
            )
        )
    return views


def controller_events(events: Iterable[CtEvent], limit: int = 20) -> list[CtEvent]:
    """The newest events outside any episode (controller started, lease, manual requests)."""
    outside = [event for event in events if event.episode_id is None]
    return sorted(outside, key=lambda e: e.event_id, reverse=True)[:limit]


def policy_in_force(events: Iterable[CtEvent]) -> str | None:
    """The policy of the newest ``controller_started`` event, as YAML; None if there is none."""
    started = [
        e
        for e in events
        if e.kind == CtEventKind.CONTROLLER_STARTED.value and "policy" in e.evidence
    ]
    if not started:
        return None
    newest = max(started, key=lambda e: e.event_id)
    text: str = yaml.safe_dump(newest.evidence["policy"], sort_keys=False, allow_unicode=True)
    return text


def step_of(event: CtEvent) -> Step:
    """The step of one event, with the numbers its kind carries."""
    evidence = dict(event.evidence)
    kind = event.kind
    outcome = "good" if kind in GOOD else "bad" if kind in BAD else ""
    title = TITLES.get(kind, kind.replace("_", " ").capitalize())
    gates: tuple[GateRow, ...] = ()
    comparison: tuple[tuple[str, str, str], ...] = ()
    run_id: str | None = None
    version: int | None = None
    if kind == CtEventKind.TRIGGER_FIRED.value and "kind" in evidence:
        title = f"Trigger: {evidence.pop('kind')}"
    if kind in (CtEventKind.GATE_PASSED.value, CtEventKind.GATE_FAILED.value):
        gates = tuple(_gate(g) for g in evidence.pop("gates", []) if isinstance(g, Mapping))
        evidence.pop("passed", None)
    if isinstance(evidence.get("champion"), Mapping) and isinstance(
        evidence.get("challenger"), Mapping
    ):
        champion, challenger = evidence.pop("champion"), evidence.pop("challenger")
        comparison = tuple(
            (name, format_value(name, champion.get(name)), format_value(name, challenger.get(name)))
            for name in COMPARED
            if name in champion or name in challenger
        )
    if kind == CtEventKind.CANARY_STEP.value:
        title = _canary_title(evidence)
    if kind == CtEventKind.PIPELINE_FINISHED.value:
        run_id = _text(evidence.get("run_id"))
    if kind == CtEventKind.CHALLENGER_REGISTERED.value:
        version = _integer(evidence.get("version"))
        run_id = _text(evidence.get("pipeline_run_id"))
        if version is not None:
            title = f"Challenger v{version} registered"
    return Step(
        kind=kind,
        title=title,
        timestamp=event.timestamp,
        message=event.message,
        outcome=outcome,
        facts=tuple(flatten(evidence)),
        gates=gates,
        comparison=comparison,
        run_id=run_id,
        version=version,
    )


def flatten(evidence: Mapping[str, Any], prefix: str = "") -> list[Fact]:
    """The evidence as facts: nested keys joined with ``.``, lists with ``, ``.

    >>> [(f.label, f.value) for f in flatten({"a": {"b": 0.5}, "c": [1, 2]})]
    [('a.b', '0.5'), ('c', '1, 2')]
    """
    facts: list[Fact] = []
    for key, value in evidence.items():
        label = f"{prefix}{key}"
        if isinstance(value, Mapping):
            facts.extend(flatten(value, label + "."))
        elif isinstance(value, list | tuple):
            if all(not isinstance(item, Mapping | list | tuple) for item in value):
                shown = ", ".join(format_value(str(key), item) for item in value)
                facts.append(Fact(label, shown or "none"))
            else:
                for index, item in enumerate(value):
                    if isinstance(item, Mapping):
                        facts.extend(flatten(item, f"{label}[{index}]."))
                    else:
                        facts.append(Fact(f"{label}[{index}]", format_value(str(key), item)))
        else:
            facts.append(Fact(label, format_value(str(key), value)))
    return facts


def format_value(key: str, value: Any) -> str:
    """A value of the evidence in words: times for ``*_ms`` keys, short numbers.

    >>> format_value("change_ms", 1_700_000_000_000), format_value("metric", 0.93203883)
    ('2023-11-14 22:13:20', '0.932039')
    >>> format_value("elapsed_ms", 3905), format_value("fraction", None)
    ('3905', '—')
    """
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float) and key.endswith("_ms") and value >= _EPOCH_MS:
        return datetime.fromtimestamp(value / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        return f"{value:.6g}"
    return str(value)


def _gate(data: Mapping[str, Any]) -> GateRow:
    evidence = data.get("evidence")
    numbers: Mapping[str, Any] = evidence if isinstance(evidence, Mapping) else {}
    return GateRow(
        name=str(data.get("name", "")),
        passed=bool(data.get("passed")),
        metric=str(numbers.get("metric", "")),
        challenger=format_value("challenger", numbers.get("challenger")),
        champion=format_value("champion", numbers.get("champion")),
        message=str(data.get("message", "")),
    )


def _canary_title(evidence: Mapping[str, Any]) -> str:
    fraction = evidence.get("fraction")
    step = _integer(evidence.get("canary_step"))
    number = 1 if step is None else step + 2  # the event records the step it leaves
    if isinstance(fraction, int | float) and not isinstance(fraction, bool):
        return f"Canary step {number}: {fraction:.0%} of requests to the challenger"
    return f"Canary step {number}"


def _integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
