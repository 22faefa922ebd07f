"""``EventStore`` over the native REST API."""

from __future__ import annotations

from driftloop.entities import Page, RegistryEvent
from driftloop.server.api_v1 import codec
from driftloop.store.base import EVENT_MAX_RESULTS_DEFAULT, EventStore
from driftloop.store.rest.client import RestClient, int_query


class RestEventStore(EventStore):
    """The registry event log of a driftloop server (``/api/v1/registry/events``)."""

    def __init__(self, client: RestClient) -> None:
        self._client = client

    def list_events(
        self,
        model_name: str | None = None,
        *,
        after_event_id: int | None = None,
        max_results: int = EVENT_MAX_RESULTS_DEFAULT,
        page_token: str | None = None,
    ) -> Page[RegistryEvent]:
        """Return events in ascending ``event_id`` order (see :meth:`EventStore.list_events`)."""
        data = self._client.get(
            "/registry/events",
            {
                "model_name": model_name,
                "after_event_id": int_query(after_event_id, "after_event_id"),
                "max_results": int_query(max_results, "max_results"),
                "page_token": page_token,
            },
        )
        return codec.page_from_json(data, "events", codec.event_from_json)
