"""The quickstart's CT policy: small counts so one drift episode finishes in a minute.

:func:`write_policy` writes it, commented, to ``<tracking folder>/quickstart-policy.yaml``;
the controller reads it back with :func:`~driftloop.ct.policy.load_policy`, the same reader
``driftloop controller --policy`` uses.
"""

from __future__ import annotations

from pathlib import Path

from driftloop.cli._quickstart_model import ENTRY_POINT

POLICY_FILE = "quickstart-policy.yaml"

_TEMPLATE = """\
# The continuous-training policy `driftloop quickstart` runs (docs/ct-policy.md has every key).
# Counts are small so that one drift episode goes from trigger to promotion in about a minute;
# a production policy holds each phase for thousands of requests or hours.
deployment: {deployment}

training:
  # Called as fn(features, labels, **parameters) -> fitted model, in a pipeline run.
  entry_point: {entry_point}
  parameters:
    n_estimators: 50
    seed: {seed}

data:
  # Train on the labelled inference log (requests joined with their feedback) ...
  source: inference_log
  window:
    rows: 600          # ... its newest 600 labelled rows, starting at the change the
                       # monitor found (older rows would teach the model the old concept)
    refill: false      # on by default: retrain once more when 600 rows came after the
                       # change; off so the demo shows one episode
  holdout:
    fraction: 0.25     # the newest quarter is kept out of training, for the gates
  min_rows: 300        # fewer labelled rows and no training starts

triggers:
  cooldown: 1h         # one drift episode starts one retraining, not one per window
  drift:
    consecutive: 2     # two monitor runs in a row (500-row windows) with a DRIFT verdict

gates:
  metric: accuracy     # the challenger must match or beat the champion on the holdout ...
  margin: 0.02         # ... by 2 points
  data_validation: true  # the holdout's columns vs the challenger's training profile
                         # (types, ranges with a binomial allowance, missing values)

rollout:
  shadow:
    requests: 300      # the challenger scores copies of 300 requests; answers still v1's
  canary:
    steps: [0.5]       # then answers half of the requests ...
    hold:
      requests: 300    # ... for 300 of them, then is promoted
  rollback:
    margin: 0.05       # roll back if its live accuracy trails the champion's by 5 points
    min_samples: 100   # once both have 100 labelled predictions
"""


def write_policy(folder: Path, deployment: str, seed: int) -> Path:
    """Write the policy under ``folder``; returns its path."""
    path = folder / POLICY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    text = _TEMPLATE.format(deployment=deployment, entry_point=ENTRY_POINT, seed=seed)
    path.write_text(text, encoding="utf-8")
    return path
