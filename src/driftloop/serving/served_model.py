"""One loaded model version behind its own micro-batcher.

A :class:`ServedModel` is created off the request path (:func:`load_served_model`: download,
verify, load, warm on the saved input example), then shared by every request routed to that
version. Its batcher scores on one dedicated thread, so the event loop never runs the model.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from driftloop.models.loaded import LoadedModel
from driftloop.models.loading import load_model_uri
from driftloop.serving.batching import MicroBatcher
from driftloop.serving.formats import ModelInput, combine_inputs, split_predictions
from driftloop.tracking import Client

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RequestScores:
    """One request's share of a model call.

    Attributes:
        predictions: Its rows' predictions (the type ``split_predictions`` gives).
        probabilities: Its rows' class probabilities (rows x classes), or None.
        classes: The class labels of the probability columns, when known.
        batch_rows: Rows in the model call it was part of.
        model_ms: Wall time of that model call.
    """

    predictions: Any
    probabilities: np.ndarray | None
    classes: tuple[Any, ...] | None
    batch_rows: int
    model_ms: float


class ServedModel:
    """A model version ready to score: the loaded model and its batcher.

    Attributes:
        model_name: The registered model.
        version: The version number.
        model: The loaded model.
    """

    def __init__(
        self,
        model_name: str,
        version: int,
        model: LoadedModel,
        *,
        max_batch_size: int,
        max_wait_ms: float,
        on_batch: Callable[[int, int], None] | None = None,
        model_threads: int = 1,
    ) -> None:
        self.model_name = model_name
        self._model_threads = model_threads
        self._threads_limited = False
        self.version = version
        self.model = model
        self.batches_scored = 0
        self._batcher: MicroBatcher[ModelInput, RequestScores] = MicroBatcher(
            self._score_batch,
            max_batch_size=max_batch_size,
            max_wait_ms=max_wait_ms,
            rows_of=lambda item: item.num_rows,
            batch_key=lambda item: item.batch_key,
            on_batch=on_batch,
            name=f"driftloop-score-{model_name}-v{version}",
        )

    async def score(self, request: ModelInput) -> RequestScores:
        """Score one request's rows (coalesced with concurrent requests).

        Raises:
            SignatureError: The rows do not match the model's signature.
        """
        return await self._batcher.submit(request)

    def warm(self) -> None:
        """Score the saved input example twice (first-call costs are paid here, not by users)."""
        example = self.model.input_example
        if example is None:
            return
        for _ in range(2):
            self.model.score(example)

    async def close(self) -> None:
        """Finish queued requests, then stop the batcher's thread."""
        await self._batcher.close()

    def _score_batch(self, requests: list[ModelInput]) -> list[RequestScores]:
        if not self._threads_limited:  # once, on the batcher's own (only) thread
            limit_native_threads(self._model_threads)
            self._threads_limited = True
        combined = requests[0] if len(requests) == 1 else combine_inputs(requests)
        started = time.perf_counter()
        scores = self.model.score(combined.data)
        model_ms = (time.perf_counter() - started) * 1000
        self.batches_scored += 1
        counts = [request.num_rows for request in requests]
        predictions = split_predictions(scores.predictions, counts)
        if scores.probabilities is None:
            probabilities: list[np.ndarray | None] = [None] * len(requests)
        else:
            bounds = np.cumsum([0, *counts])
            probabilities = [
                scores.probabilities[bounds[i] : bounds[i + 1]] for i in range(len(requests))
            ]
        return [
            RequestScores(
                predictions[i], probabilities[i], scores.classes, combined.num_rows, model_ms
            )
            for i in range(len(requests))
        ]

    def __repr__(self) -> str:
        return f"<ServedModel {self.model_name!r} v{self.version}>"


def limit_native_threads(threads: int) -> None:
    """Cap the OpenMP/BLAS threads the calling thread's model calls use.

    Needs threadpoolctl (scikit-learn brings it; without it nothing changes). OpenMP's limit
    is per calling thread, so each model's scoring thread sets its own.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(limits=threads)


async def load_served_model(
    client: Client,
    model_name: str,
    version: int,
    *,
    trusted: bool,
    max_batch_size: int,
    max_wait_ms: float,
    on_batch: Callable[[int, int], None] | None = None,
    model_threads: int = 1,
) -> ServedModel:
    """Download, load and warm ``models:/<model_name>/<version>`` in a worker thread.

    Raises:
        DriftloopError: The version cannot be fetched or loaded (e.g. ``UntrustedModelError``).
    """

    def load() -> LoadedModel:
        started = time.perf_counter()
        model = load_model_uri(client, f"models:/{model_name}/{version}", trusted=trusted)
        _log.info(
            "loaded %s v%d (%s) in %.0f ms",
            model_name,
            version,
            model.flavor,
            (time.perf_counter() - started) * 1000,
        )
        return model

    loaded = await asyncio.to_thread(load)
    served = ServedModel(
        model_name,
        version,
        loaded,
        max_batch_size=max_batch_size,
        max_wait_ms=max_wait_ms,
        on_batch=on_batch,
        model_threads=model_threads,
    )
    await asyncio.to_thread(served.warm)
    return served
