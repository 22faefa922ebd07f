"""The inference log: every scored row, failed request and feedback label, as Parquet files.

A serving worker owns one :class:`InferenceLogWriter` per deployment. ``submit`` appends a
:class:`ScoredRequest` to a bounded queue (cheap, thread-safe, never raises on storage
errors); one daemon thread converts batches to Arrow and writes them. ``submit_failure``
records a :class:`FailedRequest` (a request a model version did not answer) the same way.
:func:`read_inference_log` returns a window of rows joined with their latest label;
:func:`read_failures` a window of failed requests; :func:`find_request_ids` tells which
request ids were logged (for ``POST /v1/feedback`` to report unknown ids).

Layout (UTC dates; one writer splits a batch that spans midnight by date)::

    <root>/<deployment>/predictions/date=YYYY-MM-DD/<worker_id>-<first_ts_ms>-<seq>.parquet
    <root>/<deployment>/feedback/date=YYYY-MM-DD/<worker_id>-<first_ts_ms>-<seq>.parquet
    <root>/<deployment>/failures/date=YYYY-MM-DD/<worker_id>-<first_ts_ms>-<seq>.parquet

Each file is written atomically: on local disk under a temporary ``.<hex>.tmp`` name then
renamed, on S3 in one PUT. ``root`` is a local path, a ``file://`` URI or
``s3://bucket/prefix?endpoint_url=...&region=...`` (as for artifacts; credentials from the AWS
environment variables).

Prediction rows, one per scored row: ``request_id`` (string), ``row_index`` (int32),
``timestamp`` (timestamp[ms, UTC]), ``deployment``, ``model_name`` (string),
``model_version`` (int32), ``route`` (string), ``latency_ms`` (float64), ``prediction`` (typed
from the values; mixed types → string), ``probabilities`` (list<float64>, nullable) and one
``feature.<name>`` column per feature, typed as Arrow infers from the DataFrame. Feedback rows:
``request_id``, ``row_index``, ``label`` (typed from the values), ``timestamp``. Failure rows,
one per failed request (no payload): ``request_id``, ``timestamp``, ``deployment``,
``model_name``, ``model_version``, ``route``, ``error_type`` (the exception's class),
``error_code`` (the stable code), ``status`` (int16: 5xx the model failed, 4xx it refused the
input), ``latency_ms``. Failures live in files of their own so that every reader of the
predictions (drift, performance, training windows) keeps one row per *answered* row, and so
that logs written before failures were recorded read as "no failures".

Back-pressure: the queue holds at most ``max_queue_rows`` rows (waiting or being written).
When full, ``submit`` waits up to ``block_seconds`` for room, then drops the request and counts
its rows in ``WriterStats.dropped_rows``. A failed write is retried once after 0.2 s; then its
rows are dropped and counted, ``failed_writes`` and ``last_error`` are set and the thread goes
on.
"""

from __future__ import annotations

from driftloop.monitoring._inference_reader import (
    feature_frame,
    find_request_ids,
    read_failures,
    read_inference_log,
)
from driftloop.monitoring._inference_records import (
    ROUTES,
    FailedRequest,
    FeedbackLabel,
    ScoredRequest,
    WriterStats,
)
from driftloop.monitoring._inference_writer import InferenceLogWriter

__all__ = [
    "ROUTES",
    "FailedRequest",
    "FeedbackLabel",
    "InferenceLogWriter",
    "ScoredRequest",
    "WriterStats",
    "feature_frame",
    "find_request_ids",
    "read_failures",
    "read_inference_log",
]
