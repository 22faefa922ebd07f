"""Which model answers a request: the canary split by a stable hash of a key.

The split is deterministic: the same request id or caller-supplied routing key always takes
the same route, in every worker process and across restarts (no per-process hash seed), so a
caller who pins a routing key sees one model. The hash is the first 8 bytes of BLAKE2b, read
as an integer and scaled into ``[0, 1)``; a key goes to the challenger when that fraction is
below ``canary_fraction``.
"""

from __future__ import annotations

import enum
import hashlib

from driftloop.entities import DeploymentMode

__all__ = ["Route", "choose_route", "routing_fraction"]

_SCALE = float(2**64)


class Route(enum.StrEnum):
    """The model that answered: the deployment's ``champion`` or its ``challenger``."""

    CHAMPION = "champion"
    CHALLENGER = "challenger"


def routing_fraction(key: str) -> float:
    """Where ``key`` falls in ``[0, 1)``, uniformly spread and the same on every run.

    >>> routing_fraction("request-1") == routing_fraction("request-1")
    True
    >>> 0.0 <= routing_fraction("") < 1.0
    True
    """
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / _SCALE


def choose_route(
    key: str, mode: DeploymentMode, canary_fraction: float, has_challenger: bool
) -> Route:
    """The route that answers the request keyed by ``key``.

    Only a ``canary`` deployment with a challenger ever answers from the challenger, for the
    keys whose :func:`routing_fraction` is below ``canary_fraction``; ``single`` and
    ``shadow`` always answer from the champion (shadow copies go to the challenger after the
    response, outside routing).
    """
    if mode != DeploymentMode.CANARY or not has_challenger:
        return Route.CHAMPION
    if routing_fraction(key) < canary_fraction:
        return Route.CHALLENGER
    return Route.CHAMPION
