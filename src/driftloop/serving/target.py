"""What a scoring server serves: a deployment, or one ``models:/`` URI, resolved to versions.

A deployment resolves to its champion alias's current version, its challenger, its mode and
canary fraction; ``models:/name@alias`` to the alias's current version alone (it follows the
alias, so moving the alias swaps the model); ``models:/name/3`` to a fixed version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from driftloop.entities import DeploymentMode
from driftloop.errors import InvalidParameterError
from driftloop.models.uri import ModelUri, parse_model_uri, resolve_model_version
from driftloop.tracking import Client

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True, slots=True)
class DesiredState:
    """What should be served right now.

    Attributes:
        label: The name logs and metrics use: the deployment's name, or ``name@alias`` /
            ``name@v3`` / ``name@latest`` for a model URI.
        model_name: The registered model.
        champion_version: The version that answers requests.
        challenger_version: The version beside it, or None.
        mode: How the challenger gets traffic.
        canary_fraction: The challenger's share in ``canary`` mode.
    """

    label: str
    model_name: str
    champion_version: int
    challenger_version: int | None = None
    mode: DeploymentMode = DeploymentMode.SINGLE
    canary_fraction: float = 0.0

    @property
    def versions(self) -> tuple[int, int | None]:
        """(champion, challenger): what must be loaded."""
        return self.champion_version, self.challenger_version


@dataclass(frozen=True, slots=True)
class ServeTarget:
    """A parsed ``driftloop serve`` target.

    Attributes:
        text: As given.
        deployment: The deployment name, or None for a model URI.
        model_uri: The parsed ``models:/`` URI, or None for a deployment.
    """

    text: str
    deployment: str | None
    model_uri: ModelUri | None

    @classmethod
    def parse(cls, text: str) -> ServeTarget:
        """Parse a deployment name or a ``models:/`` URI.

        Raises:
            InvalidParameterError: Empty, or a URI that is not ``models:/name@alias``,
                ``models:/name/<version>`` or ``models:/name/latest`` (``field="target"``).
        """
        stripped = text.strip()
        if not stripped:
            raise InvalidParameterError("the target must not be empty", field="target")
        if ":" not in stripped:
            return cls(stripped, stripped, None)
        if not stripped.startswith("models:/"):
            raise InvalidParameterError(
                f"{stripped!r} is neither a deployment name nor a models:/ URI", field="target"
            )
        parsed = parse_model_uri(stripped)
        if parsed.kind != "models" or parsed.name is None:
            raise InvalidParameterError(
                f"{stripped!r}: serve a registered model (models:/name@alias or "
                "models:/name/<version>)",
                field="target",
            )
        return cls(stripped, None, parsed)

    @property
    def label(self) -> str:
        """The name used in logs, metrics and the inference log's partition."""
        if self.deployment is not None:
            return self.deployment
        parsed = self.model_uri
        assert parsed is not None  # noqa: S101 - set by parse
        assert parsed.name is not None  # noqa: S101 - set by parse
        if parsed.alias is not None:
            return f"{parsed.name}@{parsed.alias}"
        if parsed.latest:
            return f"{parsed.name}@latest"
        return f"{parsed.name}@v{parsed.version}"

    @property
    def log_name(self) -> str:
        """The inference log's partition name: the label as one safe path segment.

        ``models:/churn@champion`` logs under ``churn.champion``; characters other than
        letters, digits, ``.``, ``_`` and ``-`` become ``-``.
        """
        text = self.label.replace("@", ".")
        safe = _UNSAFE.sub("-", text)
        if not safe[:1].isalnum():
            safe = f"d{safe}"
        return safe[:128]

    def resolve(self, client: Client) -> DesiredState:
        """Read the registry (and the deployment) now.

        Raises:
            DeploymentNotFoundError, RegisteredModelNotFoundError, AliasNotFoundError,
            ModelVersionNotFoundError: The target does not resolve.
        """
        if self.deployment is not None:
            deployment = client.get_deployment(self.deployment)
            champion = client.get_version_by_alias(deployment.model_name, deployment.champion_alias)
            return DesiredState(
                label=self.deployment,
                model_name=deployment.model_name,
                champion_version=champion.version,
                challenger_version=deployment.challenger_version,
                mode=deployment.mode,
                canary_fraction=deployment.canary_fraction,
            )
        assert self.model_uri is not None  # noqa: S101 - set by parse
        assert self.model_uri.name is not None  # noqa: S101 - set by parse
        version = resolve_model_version(client, self.model_uri)
        return DesiredState(self.label, version.name, version.version)
