from __future__ import annotations

import driftloop.store.rest


def test_all_is_exactly_the_public_names() -> None:
    public = {name for name in vars(driftloop.store.rest) if not name.startswith("_")}
    modules = {"client", "errors", "events", "experiments", "logged_models"}
    modules |= {"ct", "deployments", "monitoring", "model_versions", "registry", "runs", "stores"}
    assert set(driftloop.store.rest.__all__) == public - modules
    for name in driftloop.store.rest.__all__:
        assert getattr(driftloop.store.rest, name) is not None
