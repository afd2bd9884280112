"""Shared test configuration: hypothesis profiles and the import path for the oracles."""

from __future__ import annotations

import os
import sys

import pytest
from hypothesis import HealthCheck, settings

# tests/reference.py is imported as a plain module by the test files.
sys.path.insert(0, os.path.dirname(__file__))

# CI: derandomised (the same examples every run, so a red build is reproducible), no deadline
# (the machine is shared and timing varies), no example database on disk.
settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Local runs: random examples (failures are saved in .hypothesis/ and replayed), no deadline,
# no timing health check (the developers' machine is shared, so timing says little).
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])

if os.environ.get("CI"):
    settings.load_profile("ci")
else:
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_configure(config):
    # Hypothesis's failure reporting may import a third-party module that emits this
    # DeprecationWarning; with filterwarnings=error it would replace the real failure by an
    # INTERNALERROR. Only this message is ignored.
    config.addinivalue_line(
        "filterwarnings", "ignore:mypy_extensions.TypedDict is deprecated:DeprecationWarning"
    )


@pytest.fixture(scope="module")
def client():
    """A Dask client on a LocalCluster of 2 single-thread worker processes bound to 127.0.0.1
    (the engines' tests), one per test module; skipped where distributed is not installed."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0"
    )
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()
