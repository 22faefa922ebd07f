"""Step caching: the cache key, and finding an earlier finished step run with that key.

The key is the SHA-256 of the step's code hash and the digest of each input value (the
canonical JSON of a parameter, the content hash of a stored DataFrame, array or model). A
hit is a ``FINISHED`` child run in the same experiment tagged with the same key; its outputs
(in the run named by its ``outputs_run_id`` tag) are read back instead of running the step.
Runs that are deleted, failed or whose outputs no longer read are not hits.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from driftloop.errors import DriftloopError
from driftloop.pipelines.artifacts_io import canonical_json, is_json_ready
from driftloop.pipelines.errors import UnsafeValueError
from driftloop.pipelines.stored_outputs import (
    OUTPUTS_DIR,
    OUTPUTS_FILE,
    OUTPUTS_FORMAT_VERSION,
    StepOutputs,
    read_manifest,
    read_outputs,
)
from driftloop.pipelines.tags import CACHE_KEY_TAG, OUTPUTS_RUN_TAG

if TYPE_CHECKING:
    from driftloop.pipelines.step import Step
    from driftloop.tracking.client import Client

CACHE_KEY_VERSION = 1
_CANDIDATES = 5
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CacheHit:
    """Outputs reused from an earlier step run.

    Attributes:
        run_id: The run whose artifacts hold the outputs.
        manifest: Its ``outputs.json``.
        values: The outputs, read back.
    """

    run_id: str
    manifest: StepOutputs
    values: dict[str, Any]


def value_digest(value: Any) -> str | None:
    """``sha256:<hex>`` of a JSON-ready value's canonical JSON; None for other values."""
    if not is_json_ready(value):
        return None
    return f"sha256:{hashlib.sha256(canonical_json(value).encode()).hexdigest()}"


def cache_key(step: Step, input_digests: Mapping[str, str | None]) -> str:
    """The cache key of running ``step`` on inputs with these digests.

    A None digest (a default value that is neither JSON data nor stored data) counts only
    through the step's source code, where the default is written.
    """
    document = {
        "cache_key_version": CACHE_KEY_VERSION,
        "outputs_format_version": OUTPUTS_FORMAT_VERSION,
        "code": step.code_hash,
        "inputs": dict(sorted(input_digests.items())),
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def find_cached(client: Client, experiment_id: str, step: Step, key: str) -> CacheHit | None:
    """The newest readable outputs of a finished run of ``step`` with cache key ``key``."""
    page = client.search_runs(
        [experiment_id],
        f"tags.`{CACHE_KEY_TAG}` = '{key}' and attributes.status = 'FINISHED'",
        order_by=["attributes.start_time DESC"],
        max_results=_CANDIDATES,
    )
    tried: set[str] = set()
    for run in page.items:
        source = run.data.tags.get(OUTPUTS_RUN_TAG) or run.info.run_id
        if source in tried:
            continue
        tried.add(source)
        hit = _read_hit(client, source, step, key)
        if hit is not None:
            return hit
    return None


def _read_hit(client: Client, run_id: str, step: Step, key: str) -> CacheHit | None:
    with tempfile.TemporaryDirectory(prefix="driftloop-pipeline-cache-") as scratch:
        folder = Path(scratch)
        try:
            client.download_artifacts(run_id, OUTPUTS_FILE, folder)
            manifest = read_manifest(folder)
            if manifest.cache_key != key:
                return None
            if step.outputs:
                client.download_artifacts(run_id, OUTPUTS_DIR, folder)
            values = read_outputs(
                folder, manifest, step.outputs, step=step.name, trusted=step.trusted
            )
        except UnsafeValueError:
            raise
        except (DriftloopError, OSError) as error:
            _log.warning(
                "step %r: cached outputs of run %s are unreadable (%s); running the step",
                step.name,
                run_id,
                error,
            )
            return None
    return CacheHit(run_id, manifest, values)
