"""Drift statistics: pure, vectorised numpy functions with no I/O.

Conventions shared by every function here:

* **One result type.** Every function returns a :class:`StatResult`: ``statistic`` always,
  ``p_value`` for the tests (KS, chi-square, the proportions Z-test) and None for the
  distances (PSI, Jensen-Shannon, Wasserstein, L-infinity).
* **Raw samples or aligned counts.** KS two-sample and Wasserstein take raw values; PSI,
  Jensen-Shannon, chi-square and L-infinity take two count vectors over the *same* bins (the
  reference profile's quantile bins, or its top-k categories plus "other"); ``ks_binned`` takes
  a raw window against a profile's bin edges and cumulative proportions.
* **Missing values** are the caller's: exclude them and compare missing rates with
  :func:`proportions_ztest`. NaN anywhere is refused with
  :class:`~driftloop.errors.InvalidParameterError` naming the argument.
* **Infinities** are values: binned callers put them in the outer bins, KS orders them at the
  ends, Wasserstein leaves them out (see its module).
* **Empty inputs** (an empty window, an all-zero count vector) are not errors: the result has
  ``computable=False``, a NaN ``statistic`` and a ``reason``. No function emits a numpy warning.
* **Unseen categories**: a category present only in the current window must count as drift,
  so the caller adds an "unseen" bucket whose reference count is 0. PSI replaces the zero
  reference proportion with ``epsilon`` (1e-4 by default); Jensen-Shannon, chi-square and
  L-infinity need no smoothing.
"""

from driftloop.monitoring.stats._result import StatResult
from driftloop.monitoring.stats.chi2 import chi_square
from driftloop.monitoring.stats.jensen_shannon import jensen_shannon
from driftloop.monitoring.stats.ks import cumulative_proportions, ks_binned, ks_two_sample
from driftloop.monitoring.stats.linf import linf
from driftloop.monitoring.stats.proportions import proportions_ztest
from driftloop.monitoring.stats.psi import psi
from driftloop.monitoring.stats.wasserstein import wasserstein

__all__ = [
    "StatResult",
    "chi_square",
    "cumulative_proportions",
    "jensen_shannon",
    "ks_binned",
    "ks_two_sample",
    "linf",
    "proportions_ztest",
    "psi",
    "wasserstein",
]
