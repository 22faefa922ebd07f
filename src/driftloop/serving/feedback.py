"""Ground truth for earlier predictions: parse ``POST /v1/feedback``, check ids, hand to the log.

Labels arrive late (that is the normal case), one at a time or in batches. Each label names
the ``request_id`` the scoring server returned (and ``row_index`` for multi-row requests). An
id is *known* when this worker answered it recently or it is in the written inference log;
*pending* when it is a driftloop request id minted within the last ``pending_window_ms`` (its
record may still sit in another worker's buffer); otherwise *unknown*. Known and pending
labels are written; unknown ones are reported back to the caller and not written.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from driftloop.errors import InvalidParameterError
from driftloop.monitoring.inference_log import FeedbackLabel
from driftloop.monitoring.request_ids import request_id_time_ms

MAX_LABELS_PER_CALL = 10_000


@dataclass(frozen=True, slots=True)
class FeedbackOutcome:
    """What happened to each label of a call.

    Attributes:
        accepted: Request ids whose labels were written (known ids).
        pending: Request ids too recent to be in the written log yet; labels written.
        unknown: Request ids no prediction has; labels not written.
    """

    accepted: tuple[str, ...]
    pending: tuple[str, ...]
    unknown: tuple[str, ...]

    def to_dict(self, written_labels: int) -> dict[str, Any]:
        """The JSON response body: labels written, pending ids and unknown ids."""
        return {
            "accepted": written_labels,
            "pending": list(self.pending),
            "unknown": list(self.unknown),
        }


def parse_feedback(payload: object) -> list[FeedbackLabel]:
    """Labels from ``{"request_id", "label", "row_index"?}`` or ``{"labels": [...]}``.

    Raises:
        InvalidParameterError: A field is missing or of the wrong type (``field`` names it,
            e.g. ``labels[3].label``).
    """
    if not isinstance(payload, dict):
        raise InvalidParameterError("the body must be a JSON object", field="body")
    if "labels" in payload:
        items = payload["labels"]
        if not isinstance(items, list) or not items:
            raise InvalidParameterError("labels must be a non-empty list", field="labels")
        if len(items) > MAX_LABELS_PER_CALL:
            raise InvalidParameterError(
                f"at most {MAX_LABELS_PER_CALL} labels per call, got {len(items)}",
                field="labels",
            )
        return [_label(item, f"labels[{index}].") for index, item in enumerate(items)]
    return [_label(payload, "")]


def _label(item: object, prefix: str) -> FeedbackLabel:
    if not isinstance(item, dict):
        raise InvalidParameterError("a label must be a JSON object", field=prefix.rstrip("."))
    request_id = item.get("request_id")
    if not isinstance(request_id, str) or not request_id or len(request_id) > 128:
        raise InvalidParameterError(
            "request_id must be a non-empty string (the id the prediction returned)",
            field=f"{prefix}request_id",
        )
    if "label" not in item:
        raise InvalidParameterError("label is required", field=f"{prefix}label")
    label = item["label"]
    if isinstance(label, float) and not math.isfinite(label):
        raise InvalidParameterError("label must be finite", field=f"{prefix}label")
    if label is None or not isinstance(label, bool | int | float | str):
        raise InvalidParameterError(
            "label must be a number, a string or a boolean", field=f"{prefix}label"
        )
    row_index = item.get("row_index", 0)
    if isinstance(row_index, bool) or not isinstance(row_index, int) or row_index < 0:
        raise InvalidParameterError(
            "row_index must be a non-negative integer", field=f"{prefix}row_index"
        )
    return FeedbackLabel(request_id=request_id, label=label, row_index=row_index)


class RecentRequestIds:
    """The ids this worker answered lately (bounded; oldest forgotten first). Thread-safe."""

    def __init__(self, capacity: int = 200_000) -> None:
        self._capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, request_id: str) -> None:
        """Remember one id."""
        with self._lock:
            self._ids[request_id] = None
            if len(self._ids) > self._capacity:
                self._ids.popitem(last=False)

    def known(self, request_ids: Collection[str]) -> set[str]:
        """The ones remembered."""
        with self._lock:
            return {request_id for request_id in request_ids if request_id in self._ids}


def classify(
    labels: Sequence[FeedbackLabel],
    recent: RecentRequestIds,
    find_written: Callable[[Collection[str]], set[str]],
    *,
    pending_window_ms: float,
    now_ms: Callable[[], int] | None = None,
) -> FeedbackOutcome:
    """Sort the labels' request ids into accepted, pending and unknown (see the module)."""
    ids = list(dict.fromkeys(label.request_id for label in labels))
    known = recent.known(ids)
    rest = [request_id for request_id in ids if request_id not in known]
    if rest:
        known |= find_written(rest)
    now = now_ms() if now_ms is not None else int(time.time() * 1000)
    accepted, pending, unknown = [], [], []
    for request_id in ids:
        if request_id in known:
            accepted.append(request_id)
            continue
        minted = request_id_time_ms(request_id)
        if minted is not None and now - pending_window_ms <= minted <= now + 60_000:
            pending.append(request_id)
        else:
            unknown.append(request_id)
    return FeedbackOutcome(tuple(accepted), tuple(pending), tuple(unknown))
