"""The id a page is about, read from its path the way the authorizer read it.

The authorizer finds a page's resource from the ``run_id``/``experiment_id`` parameters
first and the path second (as for the API). A page that shows the path's resource must
therefore refuse a query parameter naming a different one, or a user could pass the check
with one id and see another.
"""

from __future__ import annotations

from driftloop.errors import InvalidParameterError
from driftloop.server.routing import Call

_ALIASES = {"run_id": ("run_id", "run_uuid"), "experiment_id": ("experiment_id",)}


def path_id(call: Call, name: str) -> str:
    """The path parameter ``name`` (``run_id`` or ``experiment_id``).

    Raises:
        InvalidParameterError: A query parameter names another resource, or (for
            experiments) ``experiment_ids``/``experiment_name`` is given at all.
    """
    value = str(call.request.path_params[name])
    for alias in _ALIASES.get(name, (name,)):
        given = call.params.string(alias)
        if given is not None and given != value:
            raise InvalidParameterError(
                f"the query parameter {alias!r} does not match the page's {name}", field=alias
            )
    if name == "experiment_id":
        for other in ("experiment_ids", "experiment_name"):
            if call.params.has(other):
                raise InvalidParameterError(
                    f"the query parameter {other!r} is not used by this page", field=other
                )
    return value
