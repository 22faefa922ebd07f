"""Concept drift in a monitoring run: a change detector over the window's error stream.

The features can look the same while the model gets worse (the relation between features
and label moved). The labelled rows of the window, in time order, give one error each
(:meth:`LabelledRows.errors`); :func:`~driftloop.monitoring.detectors.detect_changes` says
where that stream changed. river is optional: without it the run goes on and says why no
detection was made.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from driftloop.errors import InvalidParameterError, MissingDependencyError
from driftloop.monitoring._monitor_labels import LabelledRows
from driftloop.monitoring.detectors import ChangePoint, Detector, detect_changes

NO_DETECTOR = "none"
"""The ``detector`` value that turns change detection off."""

DETECTOR_CHOICES = (*(d.value for d in Detector), NO_DETECTOR)
"""Every accepted ``detector`` name."""

CHANGE_POINTS_METRIC = "change_points"
"""The metric (column ``__performance__``) counting a run's change points."""

KSWIN_SEED = 42
"""KSWIN samples its reference window; this seed makes a run repeatable unless one is given."""


@dataclass(frozen=True, slots=True)
class ChangeDetection:
    """What the detector found on a window's error stream.

    Attributes:
        detector: The detector that ran, or None when none ran (no labels, turned off, or
            river missing).
        changes: Where it fired, oldest first; ``index`` counts the window's labelled rows.
        note: Why no detection was made although it was asked for, or None.
    """

    detector: str | None = None
    changes: tuple[ChangePoint, ...] = ()
    note: str | None = None


def resolve_detector(detector: Detector | str | None) -> Detector | None:
    """The detector to run, or None for ``None`` / ``"none"``.

    Raises:
        InvalidParameterError: An unknown name.
    """
    if detector is None or detector == NO_DETECTOR:
        return None
    try:
        return Detector(detector)
    except ValueError:
        raise InvalidParameterError(
            f"unknown detector {detector!r}; use one of {', '.join(DETECTOR_CHOICES)}",
            field="detector",
        ) from None


def detect_error_changes(
    rows: LabelledRows | None,
    detector: Detector | None,
    parameters: Mapping[str, Any] | None = None,
) -> ChangeDetection:
    """Run ``detector`` over the labelled rows' errors in time order.

    Without labelled rows or a detector nothing runs. A missing river is not an error here:
    the result carries a one-line note with the install command instead.

    Raises:
        InvalidParameterError: Bad detector parameters.
    """
    if rows is None or detector is None:
        return ChangeDetection()
    options = dict(parameters or {})
    if detector is Detector.KSWIN:
        options.setdefault("seed", KSWIN_SEED)
    try:
        changes = detect_changes(
            rows.errors(), detector=detector, timestamps=rows.timestamps, **options
        )
    except MissingDependencyError as error:
        return ChangeDetection(note=f"change detection skipped: {error.message}")
    return ChangeDetection(detector.value, tuple(changes))
