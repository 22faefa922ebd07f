"""The CT policies the benchmark's driftloop strategies run, and why each value is what it is.

**default** (``driftloop``): defaults everywhere except what a policy must say or the
stream needs:

* ``training``: the benchmark's model (``_loop_models:train_model``), 100 boosting rounds.
* ``data.window.rows: 4000``: the default window is the last 7 days, which at one row per
  second is the whole stream; a model trained on every row since the start learns the old
  concept as much as the new one. 4,000 rows (67 minutes) is shorter than the time between
  changes. The schedule strategy and the oracle use the same window.
* ``triggers.drift: {}``: on, with the default ``consecutive: 2``. No trigger is on by
  default; the issue's loop watches data drift and performance.
* ``triggers.performance``: ``accuracy`` more than ``max_drop: 0.05`` under the champion's
  validation accuracy (there is no default bound), default ``min_labels: 100``.
* ``gates.metric: accuracy`` (required).

Left at their defaults: ``data.holdout.fraction: 0.2``, ``data.min_rows: 500``,
``data.window.since_change: true`` with ``change_wait: 6h`` and ``refill: true``,
``triggers.cooldown: 1h`` (3,600 rows), ``triggers.performance.recent: 500``,
``gates.margin: 0``, ``gates.data_validation: true``, shadow 1,000 requests or 10 minutes,
canary steps ``[0.1, 0.5, 1.0]`` each held 500 challenger requests or 10 minutes (whichever
first), ``rollout.fast_track.min_relative_gain: 0.1``, rollback at ``margin: 0`` with
``min_samples: 100``.

**tuned** (``driftloop-tuned``): the best we found with today's options, on top of default:

* ``rollout``: shadow 500 requests, canary ``[0.5, 1.0]`` held 250 requests each (about
  1,000 rows at one request per second instead of the default's 2,300). The price: labels
  come 1,000 rows late, so the live accuracy comparison has no labelled rows before
  promotion and the accuracy rollback cannot act.
* ``triggers.cooldown: 20m`` (1,200 rows): a rejected challenger is retried sooner.
* ``gates.margin: 0.02``: a challenger trained on a window that still holds mostly
  pre-change rows ties the champion on the holdout; margin 0 lets that tie pass and, without
  the accuracy rollback, it is promoted and the loop is stuck with it.

**fast** (``driftloop-fast``): tuned's rollout and cooldown with the default margin 0. Since
the training window starts at the change the monitor found (``data.window.since_change``,
on by default) a tie no longer means a stale challenger, so the margin can stay 0. (This
variant was "proposed" before the monitor's version filter, the window at the change and
the cooldown's backoff went into driftloop; all three variants now run them.)
"""

from __future__ import annotations

from dataclasses import dataclass

from driftloop.ct.policy import Policy, parse_policy

_BASE = """\
deployment: loop-bench
training:
  entry_point: _loop_models:train_model
  parameters:
    max_iter: 100
data:
  window:
    rows: 4000
"""

_TRIGGERS = """\
  drift: {}
  performance:
    metric: accuracy
    max_drop: 0.05
gates:
  metric: accuracy
"""

_FAST_ROLLOUT = """\
rollout:
  shadow:
    requests: 500
  canary:
    steps: [0.5, 1.0]
    hold:
      requests: 250
"""

_COOLDOWN = "triggers:\n  cooldown: 20m\n"

DEFAULT_YAML = _BASE + "triggers:\n" + _TRIGGERS
TUNED_YAML = _BASE + _COOLDOWN + _TRIGGERS + "  margin: 0.02\n" + _FAST_ROLLOUT
FAST_YAML = _BASE + _COOLDOWN + _TRIGGERS + _FAST_ROLLOUT


@dataclass(frozen=True, slots=True)
class Variant:
    """A driftloop strategy: its name and policy text."""

    name: str
    yaml: str

    def policy(self) -> Policy:
        """The policy, parsed and validated by driftloop's own reader."""
        return parse_policy(self.yaml, source=f"{self.name}.yaml")


VARIANTS = (
    Variant("driftloop", DEFAULT_YAML),
    Variant("driftloop-tuned", TUNED_YAML),
    Variant("driftloop-fast", FAST_YAML),
)
"""The driftloop strategies, the issue's (default policy) first."""
