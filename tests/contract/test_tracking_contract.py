"""The tracking contract suites, bound to every SQL backend (see ``conftest.py``)."""

from __future__ import annotations

from driftloop.testing import (
    ExperimentStoreContract,
    RunMetricContract,
    RunSearchContract,
    RunStoreContract,
)


class TestExperimentStore(ExperimentStoreContract):
    pass


class TestRunStore(RunStoreContract):
    pass


class TestRunMetrics(RunMetricContract):
    pass


class TestRunSearch(RunSearchContract):
    pass
