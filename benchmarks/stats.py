"""Drift statistics benchmark: time per statistic on 1M values.

Run it from the repository root::

    .venv/bin/python benchmarks/stats.py

Numeric: a 1M-value reference and a shifted 1M-value current window (float64, normal). Raw-sample
statistics (KS two-sample, Wasserstein) see both arrays; ``ks_binned`` sees the reference's
quantile edges (100 and 1000 bins) and the raw window; the count statistics (PSI, JS,
chi-square) see the two histograms over 100 quantile bins. Categorical: 1M codes over 50
categories, counted with ``np.bincount``. "binning" rows time the caller's counting step, which
is not part of the statistic. Each row is the best of ``--repeat`` runs, in milliseconds.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from driftloop.monitoring.stats import (
    chi_square,
    cumulative_proportions,
    jensen_shannon,
    ks_binned,
    ks_two_sample,
    linf,
    proportions_ztest,
    psi,
    wasserstein,
)


def best_ms(function: Callable[[], object], repeat: int) -> float:
    """Best wall time of ``repeat`` calls, in milliseconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def numeric_cases(rows: int) -> dict[str, Callable[[], object]]:
    """Statistics on ``rows`` numeric values per side."""
    rng = np.random.default_rng(0)
    reference, current = rng.normal(size=rows), rng.normal(0.05, 1.1, size=rows)
    edges_100 = np.quantile(reference, np.linspace(0, 1, 101))
    edges_1000 = np.quantile(reference, np.linspace(0, 1, 1001))
    reference_counts = np.histogram(reference, edges_100)[0]
    current_counts = np.histogram(current, edges_100)[0]
    cdf_100 = cumulative_proportions(reference_counts)
    cdf_1000 = cumulative_proportions(np.histogram(reference, edges_1000)[0])
    return {
        "binning: np.histogram, 100 bins": lambda: np.histogram(current, edges_100),
        "ks_two_sample (raw, asymptotic)": lambda: ks_two_sample(reference, current),
        "wasserstein (raw)": lambda: wasserstein(reference, current),
        "ks_binned, 100 edges": lambda: ks_binned(edges_100, cdf_100, current, reference_size=rows),
        "ks_binned, 1000 edges": lambda: ks_binned(
            edges_1000, cdf_1000, current, reference_size=rows
        ),
        "psi, 100 bins": lambda: psi(reference_counts, current_counts),
        "jensen_shannon, 100 bins": lambda: jensen_shannon(reference_counts, current_counts),
        "chi_square, 100 bins": lambda: chi_square(reference_counts, current_counts),
    }


def categorical_cases(rows: int, categories: int) -> dict[str, Callable[[], object]]:
    """Statistics on ``rows`` category codes per side."""
    rng = np.random.default_rng(1)
    weights = rng.dirichlet(np.ones(categories))
    reference = rng.choice(categories, size=rows, p=weights)
    current = rng.choice(categories, size=rows, p=np.roll(weights, 1))
    reference_counts = np.bincount(reference, minlength=categories)
    current_counts = np.bincount(current, minlength=categories)
    return {
        f"binning: np.bincount, {categories} categories": lambda: np.bincount(
            current, minlength=categories
        ),
        "psi": lambda: psi(reference_counts, current_counts),
        "jensen_shannon": lambda: jensen_shannon(reference_counts, current_counts),
        "chi_square": lambda: chi_square(reference_counts, current_counts),
        "linf": lambda: linf(reference_counts, current_counts),
        "proportions_ztest": lambda: proportions_ztest(20_000, rows, 25_000, rows),
    }


def main() -> None:
    """Print one row per statistic."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--categories", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()
    ks_two_sample([0.0, 1.0], [0.5, 2.0])  # import scipy before timing
    print(f"{'case':<48} {'ms':>10}")
    for title, cases in (
        (f"numeric, {arguments.rows:,} values per side", numeric_cases(arguments.rows)),
        (
            f"categorical, {arguments.rows:,} values over {arguments.categories} categories",
            categorical_cases(arguments.rows, arguments.categories),
        ),
    ):
        print(f"-- {title}")
        for name, function in cases.items():
            print(f"{name:<48} {best_ms(function, arguments.repeat):>10.2f}")


if __name__ == "__main__":
    main()
