"""The scoring server's ASGI app: routes, the request path and the lifespan.

Request path (``/invocations`` and ``/v1/predict``)::

    body (size-limited) → formats.parse_* → ModelInput
      → request id (UUIDv7) → route (routing.choose_route on the routing key or the id)
      → ModelSet read once (hot_swap.ModelManager.current) → ServedModel.score
        (micro-batched on the model's own thread) → response
      → inference log record (InferenceLogWriter.submit: a queue put) and, in shadow mode, a
        copy scored by the challenger in a background task (bounded; never seen by caller)

A request the routed model fails or refuses (or a shadow copy the challenger fails) is
recorded too, unless the model was being unloaded by a swap at that moment:
``InferenceLogWriter.submit_failure`` with its route, version, time and error (no payload),
and ``model_requests_total{model_version,route,outcome}``. The CT rollout computes each
version's error rate over a phase from those log records (:mod:`driftloop.ct.live`).

Errors: every :class:`DriftloopError` becomes its status with ``{"error_code", "message",
"field"}``; anything else is logged and answered with a bare 500 ``INTERNAL_ERROR`` (no trace).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from driftloop._version import __version__
from driftloop.errors import DriftloopError, InvalidParameterError, NotReadyError
from driftloop.monitoring.inference_log import FailedRequest, InferenceLogWriter, find_request_ids
from driftloop.monitoring.request_ids import new_request_id
from driftloop.server.params import read_limited_body
from driftloop.server.responses import encode, error_response, json_response
from driftloop.serving.batching import BatcherClosedError
from driftloop.serving.config import ServeConfig
from driftloop.serving.feedback import RecentRequestIds, classify, parse_feedback
from driftloop.serving.formats import (
    ModelInput,
    encode_invocations_response,
    encode_predict_response,
    parse_invocations_request,
    parse_predict_request,
)
from driftloop.serving.hot_swap import ModelManager, ModelSet
from driftloop.serving.inference import ScoredCall, failure_record, log_record, outcome
from driftloop.serving.metrics import ServingMetrics
from driftloop.serving.routing import Route as TrafficRoute
from driftloop.serving.routing import choose_route
from driftloop.serving.target import ServeTarget
from driftloop.tracking import Client

_log = logging.getLogger(__name__)

Handler = Callable[[Request], Awaitable[Response]]


class ScoringService:
    """Everything one worker holds: the models, the log writer, the metrics."""

    def __init__(self, config: ServeConfig, client: Client | None = None) -> None:
        config.check()
        self.config = config
        self.target = ServeTarget.parse(config.target)
        self.client = client if client is not None else Client(config.tracking_uri)
        self.metrics = ServingMetrics()
        self.recent = RecentRequestIds()
        self.writer: InferenceLogWriter | None = None
        if config.inference_log_uri is not None:
            self.writer = InferenceLogWriter(
                config.inference_log_uri,
                self.target.log_name,
                flush_rows=config.log_flush_rows,
                flush_seconds=config.log_flush_seconds,
                max_queue_rows=config.log_max_queue_rows,
                block_seconds=config.log_block_seconds,
            )
        self.manager = ModelManager(
            self.client,
            self.target,
            trusted=config.trusted,
            max_batch_size=config.max_batch_size,
            max_wait_ms=config.max_wait_ms,
            on_swap=self._swapped,
            on_batch=lambda rows, _requests: self.metrics.observe_batch(rows),
            model_threads=config.model_threads,
        )
        self._shadow_tasks: set[asyncio.Task[None]] = set()
        self._watcher: asyncio.Task[None] | None = None

    # -- lifespan -------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the log writer, load the models (errors keep /ready at 503), watch."""
        if self.writer is not None:
            self.writer.start()
        try:
            await self.manager.refresh()
        except Exception as error:  # noqa: BLE001 - not ready yet; the watcher retries
            self.manager.note_error(error)
        self._watcher = asyncio.get_running_loop().create_task(
            self.manager.watch(self.config.poll_seconds)
        )

    async def stop(self) -> None:
        """Stop watching, finish shadow copies and queued requests, drain the log."""
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        if self._shadow_tasks:
            await asyncio.gather(*self._shadow_tasks, return_exceptions=True)
        await self.manager.close()
        if self.writer is not None:
            await asyncio.to_thread(self.writer.close)

    def _swapped(self, _old: ModelSet | None, new: ModelSet) -> None:
        challenger = new.challenger
        self.metrics.set_loaded_model("champion", new.state.model_name, new.champion.version)
        self.metrics.set_loaded_model(
            "challenger",
            None if challenger is None else new.state.model_name,
            None if challenger is None else challenger.version,
        )
        _log.info(
            "serving %s: champion v%d%s (%s)",
            new.state.model_name,
            new.champion.version,
            "" if new.challenger is None else f", challenger v{new.challenger.version}",
            new.state.mode.value,
        )

    # -- scoring --------------------------------------------------------------------------

    async def score(self, model_input: ModelInput, routing_key: str | None) -> ScoredCall:
        """Route, score and log one request (the shadow copy is scheduled, not awaited).

        Raises:
            NotReadyError: No model is loaded yet.
            SignatureError: The rows do not match the model's signature.
        """
        models = self.manager.current
        if models is None:
            raise NotReadyError(
                f"no model is loaded for {self.target.text!r} yet"
                + (f" ({self.manager.last_error})" if self.manager.last_error else "")
            )
        request_id = new_request_id()
        state = models.state
        route = choose_route(
            routing_key or request_id,
            state.mode,
            state.canary_fraction,
            models.challenger is not None,
        )
        served = models.champion
        if route is TrafficRoute.CHALLENGER and models.challenger is not None:
            served = models.challenger
        started = time.perf_counter()
        timestamp_ms = int(time.time() * 1000)
        try:
            scores = await served.score(model_input)
        except BatcherClosedError:
            raise  # the version was being unloaded (a swap): not its failure
        except Exception as error:
            self._record_failure(
                failure_record(
                    request_id=request_id,
                    timestamp_ms=timestamp_ms,
                    model_name=served.model_name,
                    model_version=served.version,
                    route=route.value,
                    error=error,
                    latency_ms=(time.perf_counter() - started) * 1000,
                )
            )
            raise
        call = ScoredCall(
            request_id=request_id,
            timestamp_ms=timestamp_ms,
            model_name=served.model_name,
            model_version=served.version,
            route=route.value,
            model_input=model_input,
            scores=scores,
            latency_ms=(time.perf_counter() - started) * 1000,
        )
        self._record(call)
        if state.mode.value == "shadow" and models.challenger is not None:
            self._shadow(models, call)
        return call

    def _record(self, call: ScoredCall) -> None:
        self.recent.add(call.request_id)
        self.metrics.add_rows(call.model_version, call.route, call.model_input.num_rows)
        self.metrics.observe_model_request(call.model_version, call.route, outcome(None))
        if self.writer is not None:
            self.writer.submit(log_record(call))

    def _record_failure(self, failure: FailedRequest) -> None:
        self.metrics.observe_model_request(failure.model_version, failure.route, outcome(failure))
        if self.writer is not None:
            self.writer.submit_failure(failure)

    def _shadow(self, models: ModelSet, call: ScoredCall) -> None:
        if len(self._shadow_tasks) >= self.config.shadow_max_in_flight:
            self.metrics.shadow_dropped()
            return
        challenger = models.challenger
        assert challenger is not None  # noqa: S101 - checked by the caller

        async def run() -> None:
            started = time.perf_counter()
            try:
                scores = await challenger.score(call.model_input)
            except BatcherClosedError as error:  # unloaded by a swap: not the version's failure
                self.metrics.shadow_failed(type(error).__name__)
                return
            except Exception as error:  # noqa: BLE001 - a shadow failure never reaches callers
                self.metrics.shadow_failed(type(error).__name__)
                self._record_failure(
                    failure_record(
                        request_id=call.request_id,
                        timestamp_ms=call.timestamp_ms,
                        model_name=challenger.model_name,
                        model_version=challenger.version,
                        route="shadow",
                        error=error,
                        latency_ms=(time.perf_counter() - started) * 1000,
                    )
                )
                return
            shadow = ScoredCall(
                request_id=call.request_id,
                timestamp_ms=call.timestamp_ms,
                model_name=challenger.model_name,
                model_version=challenger.version,
                route="shadow",
                model_input=call.model_input,
                scores=scores,
                latency_ms=(time.perf_counter() - started) * 1000,
            )
            self.metrics.add_rows(shadow.model_version, "shadow", call.model_input.num_rows)
            self.metrics.observe_model_request(shadow.model_version, "shadow", outcome(None))
            if self.writer is not None:
                self.writer.submit(log_record(shadow))

        task = asyncio.get_running_loop().create_task(run())
        self._shadow_tasks.add(task)
        task.add_done_callback(self._shadow_tasks.discard)

    # -- feedback -------------------------------------------------------------------------

    def feedback(self, payload: object) -> dict[str, Any]:
        """Classify and write labels (runs in a worker thread: it may read the log)."""
        labels = parse_feedback(payload)
        writer = self.writer
        if writer is None:
            raise InvalidParameterError(
                "this server runs without an inference log (--no-inference-log), so it "
                "cannot take feedback",
                field="inference_log",
            )
        root = self.config.inference_log_uri
        assert root is not None  # noqa: S101 - a writer exists only with a root

        def written(ids: Any) -> set[str]:
            return find_request_ids(root, self.target.log_name, ids)

        outcome = classify(
            labels,
            self.recent,
            written,
            pending_window_ms=(self.config.log_flush_seconds * 2 + 10) * 1000,
        )
        keep = set(outcome.accepted) | set(outcome.pending)
        kept = [label for label in labels if label.request_id in keep]
        if kept:
            writer.submit_feedback(kept)
        self.metrics.feedback(len(kept), len(labels) - len(kept))
        return outcome.to_dict(len(kept))


def create_app(config: ServeConfig, *, client: Client | None = None) -> Starlette:
    """The scoring app for ``config`` (``client`` overrides the tracking URI, for tests)."""
    service = ScoringService(config, client)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await service.start()
        try:
            yield
        finally:
            await service.stop()

    routes = [
        Route(path, _measured(path, handler), methods=[method])
        for path, handler, method in (
            ("/invocations", _invocations, "POST"),
            ("/v1/predict", _predict, "POST"),
            ("/v1/feedback", _feedback, "POST"),
            ("/health", _health, "GET"),
            ("/ping", _health, "GET"),
            ("/ready", _ready, "GET"),
            ("/version", _version, "GET"),
        )
    ]
    routes.append(Route("/metrics", _metrics, methods=["GET"]))
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.service = service
    return app


def _service(request: Request) -> ScoringService:
    service: ScoringService = request.app.state.service
    return service


async def _invocations(request: Request) -> Response:
    service = _service(request)
    body = await read_limited_body(request, service.config.max_body_bytes)
    model_input = parse_invocations_request(
        body, request.headers.get("content-type"), max_body_bytes=service.config.max_body_bytes
    )
    call = await service.score(model_input, request.headers.get("x-routing-key"))
    return Response(
        encode_invocations_response(call.scores.predictions),
        media_type="application/json",
        headers=_call_headers(call),
    )


async def _predict(request: Request) -> Response:
    service = _service(request)
    body = await read_limited_body(request, service.config.max_body_bytes)
    parsed = parse_predict_request(
        body, request.headers.get("content-type"), max_body_bytes=service.config.max_body_bytes
    )
    routing_key = parsed.routing_key or request.headers.get("x-routing-key")
    call = await service.score(parsed.input, routing_key)
    return Response(
        encode_predict_response(
            request_id=call.request_id,
            model_name=call.model_name,
            model_version=call.model_version,
            route=call.route,
            predictions=call.scores.predictions,
            probabilities=call.scores.probabilities,
            classes=call.scores.classes,
        ),
        media_type="application/json",
        headers=_call_headers(call),
    )


async def _feedback(request: Request) -> Response:
    service = _service(request)
    body = await read_limited_body(request, service.config.max_body_bytes)
    payload = _json_body(body, request.headers.get("content-type"))
    return json_response(await asyncio.to_thread(service.feedback, payload))


async def _health(_request: Request) -> Response:
    return json_response({"status": "ok"})


async def _ready(request: Request) -> Response:
    service = _service(request)
    models = service.manager.current
    if models is None:
        last_error = service.manager.last_error
        raise NotReadyError(
            f"no model loaded for {service.target.text!r}"
            + (f": {last_error}" if last_error else "")
        )
    return json_response({"status": "ready", **_describe(models)})


async def _version(request: Request) -> Response:
    service = _service(request)
    models = service.manager.current
    described = {} if models is None else _describe(models)
    return json_response(
        {"driftloop": __version__, "target": service.target.text, "pid": os.getpid(), **described}
    )


async def _metrics(request: Request) -> Response:
    service = _service(request)
    if service.writer is not None:
        stats = service.writer.stats
        service.metrics.set_log_stats(stats.queued_rows, stats.dropped_rows)
    body, content_type = service.metrics.render()
    return Response(body, media_type=content_type)


def _measured(endpoint: str, handler: Handler) -> Handler:
    """``handler`` with error mapping and request metrics."""

    async def wrapped(request: Request) -> Response:
        metrics = _service(request).metrics
        started = time.perf_counter()
        try:
            response = await handler(request)
        except DriftloopError as error:
            metrics.observe_error(error.code)
            response = error_response(error)
        except Exception:  # noqa: BLE001 - never a trace to the client
            _log.exception("%s failed", endpoint)
            metrics.observe_error("INTERNAL_ERROR")
            response = Response(
                encode({"error_code": "INTERNAL_ERROR", "message": "internal error"}),
                status_code=500,
                media_type="application/json",
            )
        metrics.observe_request(endpoint, response.status_code, time.perf_counter() - started)
        return response

    return wrapped


def _call_headers(call: Any) -> dict[str, str]:
    return {
        "x-request-id": call.request_id,
        "x-model-version": str(call.model_version),
        "x-route": call.route,
    }


def _describe(models: ModelSet) -> dict[str, Any]:
    challenger = models.challenger
    return {
        "model_name": models.state.model_name,
        "champion_version": models.champion.version,
        "challenger_version": None if challenger is None else challenger.version,
        "mode": models.state.mode.value,
        "canary_fraction": models.state.canary_fraction,
    }


def _json_body(body: bytes, content_type: str | None) -> object:
    if content_type is None or content_type.split(";")[0].strip().lower() != "application/json":
        raise InvalidParameterError("Content-Type must be application/json", field="Content-Type")
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidParameterError(f"the body is not valid JSON: {error}", field="body") from None
