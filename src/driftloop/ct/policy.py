"""The CT policy: one YAML file per deployment saying how it is retrained and rolled out.

:func:`load_policy` / :func:`parse_policy` read it into a frozen :class:`Policy`. Every
problem (bad YAML, unknown or duplicated key, wrong type or value) raises :class:`PolicyError`
whose message names the file, the line and the dotted field::

    policy.yaml:14: triggers.performance.min_labels: must be >= 1 (got 0)

docs/ct-policy.md shows an annotated full example.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from driftloop.ct._policy_data import DataSpec, HoldoutSpec, TrainingSpec, WindowSpec
from driftloop.ct._policy_errors import (
    PolicyError,
    PolicyIssue,
    dotted,
    issues_from_validation,
)
from driftloop.ct._policy_gates import GatesSpec
from driftloop.ct._policy_rollout import (
    CanarySpec,
    HoldSpec,
    RollbackSpec,
    RolloutSpec,
    ShadowSpec,
)
from driftloop.ct._policy_triggers import (
    DriftTrigger,
    NewLabelsTrigger,
    PerformanceTrigger,
    ScheduleTrigger,
    TriggersSpec,
)
from driftloop.ct._policy_values import (
    HIGHER_IS_BETTER,
    EntryPoint,
    PolicySection,
    format_duration,
    parse_duration,
    parse_entry_point,
)
from driftloop.ct._policy_yaml import YamlSyntaxError, read_yaml
from driftloop.errors import InvalidParameterError
from driftloop.store.registry_validation import validate_model_name

__all__ = [
    "HIGHER_IS_BETTER",
    "POLICY_FORMAT_VERSION",
    "CanarySpec",
    "DataSpec",
    "DriftTrigger",
    "EntryPoint",
    "GatesSpec",
    "HoldSpec",
    "HoldoutSpec",
    "NewLabelsTrigger",
    "PerformanceTrigger",
    "Policy",
    "PolicyError",
    "PolicyIssue",
    "RollbackSpec",
    "RolloutSpec",
    "ScheduleTrigger",
    "ShadowSpec",
    "TrainingSpec",
    "TriggersSpec",
    "WindowSpec",
    "format_duration",
    "load_policy",
    "parse_duration",
    "parse_entry_point",
    "parse_policy",
]

POLICY_FORMAT_VERSION: Literal[1] = 1
"""The policy file format this driftloop reads (``format_version``, optional in the file)."""


class Policy(PolicySection):
    """A deployment's continuous-training policy.

    Attributes:
        format_version: The file format (only 1 exists; may be left out).
        deployment: The deployment it retrains (registry name rules).
        training: The training entry point and its parameters.
        data: Where the labelled rows come from, the window and the holdout.
        triggers: What starts a retraining (manual is always allowed) and the cooldown.
        gates: What a challenger must pass offline before it sees traffic.
        rollout: Shadow, canary steps and rollback rules.
    """

    format_version: Literal[1] = POLICY_FORMAT_VERSION
    deployment: str
    training: TrainingSpec
    data: DataSpec = Field(default_factory=DataSpec)
    triggers: TriggersSpec = Field(default_factory=TriggersSpec)
    gates: GatesSpec
    rollout: RolloutSpec = Field(default_factory=RolloutSpec)

    @field_validator("deployment")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        try:
            return validate_model_name(value, field="deployment")
        except InvalidParameterError as exc:
            raise ValueError(exc.message.replace("model name", "deployment name")) from None

    def to_document(self) -> dict[str, Any]:
        """The policy as YAML-ready data that :func:`parse_policy` reads back to an equal policy.

        Only what differs from the defaults is written (a trigger that is off is left out,
        ``canary: null`` is kept), durations as text (``1h30m``), entry points as strings.
        """
        document: dict[str, Any] = self.model_dump(mode="json", exclude_defaults=True)
        return document

    @property
    def rollback_metric(self) -> str:
        """The live metric the rollback rules compare (the gates' metric unless set)."""
        return self.rollout.rollback.metric or self.gates.metric

    @property
    def rollback_higher_is_better(self) -> bool:
        """The direction of :attr:`rollback_metric`."""
        given = self.rollout.rollback.higher_is_better
        return self.gates.higher_is_better if given is None else given


def parse_policy(text: str, source: str = "<string>") -> Policy:
    """Read a policy from YAML text; ``source`` names it in error messages.

    Raises:
        PolicyError: The text is not YAML, or not a valid policy; the message names every
            problem with its line and field.
    """
    try:
        document = read_yaml(text)
    except YamlSyntaxError as exc:
        raise PolicyError(source, [PolicyIssue(exc.line, "", str(exc))]) from None
    if document.issues:
        raise PolicyError(
            source,
            [
                PolicyIssue(issue.line, dotted(issue.path), issue.message)
                for issue in document.issues
            ],
        )
    if not isinstance(document.data, dict):
        what = "empty" if document.data is None else f"a {type(document.data).__name__}"
        message = f"a policy is a mapping with 'deployment', 'training' and 'gates'; this is {what}"
        raise PolicyError(source, [PolicyIssue(document.line_of(()), "", message)])
    try:
        return Policy.model_validate(document.data)
    except ValidationError as exc:
        raise PolicyError(source, issues_from_validation(exc, document, Policy)) from None


def load_policy(path: str | Path) -> Policy:
    """Read a policy file (UTF-8 YAML).

    Raises:
        PolicyError: The file cannot be read, or :func:`parse_policy` refuses it.
    """
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise PolicyError(
            source, [PolicyIssue(1, "", f"cannot read the policy: {reason}")]
        ) from exc
    return parse_policy(text, source=source)
