"""All tracking-store contract suites in one class, for backends that implement both stores."""

from __future__ import annotations

from driftloop.testing.experiment_contract import ExperimentStoreContract
from driftloop.testing.metric_contract import RunMetricContract
from driftloop.testing.run_contract import RunStoreContract
from driftloop.testing.search_contract import RunSearchContract


class TrackingStoreContract(
    ExperimentStoreContract,
    RunStoreContract,
    RunMetricContract,
    RunSearchContract,
):
    """Every experiment and run contract test; needs ``experiment_store`` and ``run_store``.

    Example::

        import pytest
        from driftloop.testing import TrackingStoreContract

        @pytest.fixture
        def experiment_store(my_backend):
            return my_backend.experiments

        @pytest.fixture
        def run_store(my_backend):
            return my_backend.runs

        class TestMyBackend(TrackingStoreContract):
            pass
    """
