"""SQL implementation of :class:`DeploymentStore`: named serving targets of registered models.

A deployment row references its model by id, so a rename of the model keeps it (its
``model_name`` is read through a join). Every change runs in one write transaction that locks
the model row first and the deployment row second (the order every registry change takes the
model lock in), moves the champion alias when it has to, and appends its events last.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, delete, select, update
from sqlalchemy.exc import IntegrityError

from driftloop.entities import (
    Deployment,
    DeploymentMode,
    DeploymentState,
    ModelVersionStatus,
    RegistryEventType,
)
from driftloop.errors import (
    AliasNotFoundError,
    AlreadyExistsError,
    ConflictError,
    DeploymentNotFoundError,
    InvalidParameterError,
    ModelVersionNotFoundError,
    RegisteredModelNotFoundError,
)
from driftloop.store.deployment_base import UNCHANGED, DeploymentStore, _Unchanged
from driftloop.store.deployment_validation import (
    UpdateRequest,
    checked_champion_alias,
    checked_deployment_name,
)
from driftloop.store.registry_validation import (
    MAX_DESCRIPTION_LENGTH,
    resolve_actor,
    validate_model_name,
    validate_optional_text,
)
from driftloop.store.sql import models
from driftloop.store.sql.database import SqlDatabase
from driftloop.store.sql.ids import now_ms
from driftloop.store.sql.registry_aliases import current_version
from driftloop.store.sql.registry_events import append_event
from driftloop.store.sql.registry_loading import (
    MODEL_COLUMNS,
    ModelRow,
    require_model,
    version_query,
)

DEFAULT_CANARY_FRACTION = 0.1
"""The canary fraction of a new deployment."""

_A = models.registered_model_aliases
_D = models.deployments.c
_M = models.registered_models.c
_COLUMNS = (
    _D.deployment_id,
    _D.name,
    _D.model_id,
    _M.name.label("model_name"),
    _D.champion_alias,
    _D.challenger_version,
    _D.mode,
    _D.canary_fraction,
    _D.state,
    _D.previous_champion_version,
    _D.revision,
    _D.creation_timestamp,
    _D.last_updated_timestamp,
    _D.description,
)
DeploymentRow = Row[*tuple[Any, ...]]


class SqlDeploymentStore(DeploymentStore):
    """Deployments in a SQLite or PostgreSQL database.

    Args:
        database: The opened database (its schema at the current revision).
    """

    def __init__(self, database: SqlDatabase) -> None:
        self._db = database

    def create_deployment(
        self,
        name: str,
        model_name: str,
        *,
        champion_alias: str = "champion",
        description: str | None = None,
        actor: str | None = None,
    ) -> Deployment:
        """Create a deployment (see :meth:`DeploymentStore.create_deployment`).

        Raises:
            AlreadyExistsError: A deployment has this name.
            InvalidParameterError: The name, model name, alias, description or actor is
                invalid (field named).
            RegisteredModelNotFoundError: No model has ``model_name``.
            AliasNotFoundError: The model has no ``champion_alias``.
        """
        name = checked_deployment_name(name)
        model_name = validate_model_name(model_name, "model_name")
        champion_alias = checked_champion_alias(champion_alias)
        description = validate_optional_text(description, "description", MAX_DESCRIPTION_LENGTH)
        who = resolve_actor(actor)
        with self._db.write() as conn:
            try:
                model = require_model(conn, model_name, lock=True)
            except RegisteredModelNotFoundError as e:
                raise RegisteredModelNotFoundError(e.message, field="model_name") from None
            if current_version(conn, model, champion_alias) is None:
                raise AliasNotFoundError(
                    f"registered model {model.name!r} has no alias {champion_alias!r}; set it "
                    "before creating the deployment",
                    field="champion_alias",
                )
            if conn.execute(select(_D.deployment_id).where(_D.name == name)).first() is not None:
                raise _name_taken(name)
            now = now_ms()
            try:
                conn.execute(
                    models.deployments.insert().values(
                        name=name,
                        model_id=model.model_id,
                        champion_alias=champion_alias,
                        challenger_version=None,
                        mode=DeploymentMode.SINGLE.value,
                        canary_fraction=DEFAULT_CANARY_FRACTION,
                        state=DeploymentState.STABLE.value,
                        previous_champion_version=None,
                        revision=1,
                        creation_timestamp=now,
                        last_updated_timestamp=now,
                        description=description,
                    )
                )
            except IntegrityError as e:
                raise _name_taken(name) from e
            _event(
                conn,
                who,
                RegistryEventType.DEPLOYMENT_CREATED,
                model,
                name,
                alias=champion_alias,
                details={"champion_alias": champion_alias},
            )
            return _load(conn, name)

    def get_deployment(self, name: str) -> Deployment:
        """Return the deployment (one indexed query).

        Raises:
            DeploymentNotFoundError: No deployment has this name.
        """
        with self._db.read() as conn:
            return _load(conn, name)

    def list_deployments(self, model_name: str | None = None) -> list[Deployment]:
        """All deployments (of ``model_name`` when given), sorted by name."""
        stmt = _select().order_by(_D.name)
        if model_name is not None:
            _check_lookup(model_name, "model_name")
            stmt = stmt.where(_M.name == model_name)
        with self._db.read() as conn:
            return [_entity(row) for row in conn.execute(stmt).all()]

    def update_deployment(
        self,
        name: str,
        *,
        challenger_version: int | _Unchanged | None = UNCHANGED,
        mode: DeploymentMode | str | None = None,
        canary_fraction: float | None = None,
        description: str | _Unchanged | None = UNCHANGED,
        actor: str | None = None,
    ) -> Deployment:
        """Change challenger, mode, fraction or description (see the ABC).

        Raises:
            DeploymentNotFoundError: No deployment has this name.
            ModelVersionNotFoundError: The model has no such challenger version.
            InvalidParameterError: A value is invalid, or the combination is (field named).
        """
        who = resolve_actor(actor)
        request = UpdateRequest.checked(challenger_version, mode, canary_fraction, description)
        with self._db.write() as conn:
            model, row = _lock(conn, name)
            changes = _plan_update(conn, model, row, request)
            if not changes:
                return _entity(row)
            _write(conn, row, changes)
            details = {key: "" if value is None else str(value) for key, value in changes.items()}
            details.pop("state", None)
            _event(conn, who, RegistryEventType.DEPLOYMENT_UPDATED, model, name, details=details)
            return _load(conn, name)

    def promote_deployment(self, name: str, *, actor: str | None = None) -> Deployment:
        """Move the champion alias to the challenger (see the ABC).

        Raises:
            DeploymentNotFoundError: No deployment has this name.
            ConflictError: There is no challenger.
            ModelVersionNotFoundError: The challenger version was deleted meanwhile.
        """
        who = resolve_actor(actor)
        with self._db.write() as conn:
            model, row = _lock(conn, name)
            challenger = row.challenger_version
            if challenger is None:
                raise ConflictError(
                    f"deployment {name!r} has no challenger to promote", field="name"
                )
            old = _move_alias(self._db, conn, model, row.champion_alias, challenger)
            _write(
                conn,
                row,
                {
                    "challenger_version": None,
                    "mode": DeploymentMode.SINGLE.value,
                    "state": DeploymentState.PROMOTED.value,
                    "previous_champion_version": old,
                },
            )
            _alias_event(conn, who, model, row.champion_alias, old, challenger)
            _event(
                conn,
                who,
                RegistryEventType.DEPLOYMENT_PROMOTED,
                model,
                name,
                version=challenger,
                alias=row.champion_alias,
                from_version=old,
                to_version=challenger,
            )
            return _load(conn, name)

    def rollback_deployment(self, name: str, *, actor: str | None = None) -> Deployment:
        """Drop the challenger, else undo the last promotion (see the ABC).

        Raises:
            DeploymentNotFoundError: No deployment has this name.
            ConflictError: Nothing to roll back (no challenger, no previous champion).
            ModelVersionNotFoundError: The previous champion version was deleted meanwhile.
        """
        who = resolve_actor(actor)
        with self._db.write() as conn:
            model, row = _lock(conn, name)
            values: dict[str, Any] = {
                "challenger_version": None,
                "mode": DeploymentMode.SINGLE.value,
                "state": DeploymentState.ROLLED_BACK.value,
            }
            event: dict[str, Any] = {}
            moved: tuple[int | None, int] | None = None
            if row.challenger_version is not None:
                event = {"details": {"dropped_challenger": str(row.challenger_version)}}
            elif row.previous_champion_version is not None:
                target = row.previous_champion_version
                old = _move_alias(self._db, conn, model, row.champion_alias, target)
                moved = (old, target)
                values["previous_champion_version"] = None
                event = {
                    "version": target,
                    "alias": row.champion_alias,
                    "from_version": old,
                    "to_version": target,
                }
            else:
                raise ConflictError(
                    f"deployment {name!r} has nothing to roll back: no challenger and no "
                    "previous champion",
                    field="name",
                )
            _write(conn, row, values)
            if moved is not None:
                _alias_event(conn, who, model, row.champion_alias, *moved)
            _event(conn, who, RegistryEventType.DEPLOYMENT_ROLLED_BACK, model, name, **event)
            return _load(conn, name)

    def delete_deployment(self, name: str, *, actor: str | None = None) -> None:
        """Delete the deployment; the model, its versions and aliases stay.

        Raises:
            DeploymentNotFoundError: No deployment has this name.
        """
        who = resolve_actor(actor)
        with self._db.write() as conn:
            model, row = _lock(conn, name)
            conn.execute(delete(models.deployments).where(_D.deployment_id == row.deployment_id))
            _event(conn, who, RegistryEventType.DEPLOYMENT_DELETED, model, name)


def _select() -> Any:
    return select(*_COLUMNS).join_from(
        models.deployments, models.registered_models, _M.model_id == _D.model_id
    )


def _not_found(name: object) -> DeploymentNotFoundError:
    return DeploymentNotFoundError(f"no deployment named {name!r}", field="name")


def _check_lookup(name: object, field: str = "name") -> None:
    if not isinstance(name, str):
        raise InvalidParameterError(
            f"{field} must be a string, got {type(name).__name__}", field=field
        )


def _name_taken(name: str) -> AlreadyExistsError:
    return AlreadyExistsError(f"a deployment named {name!r} already exists", field="name")


def _load(conn: Connection, name: object) -> Deployment:
    _check_lookup(name)
    row = conn.execute(_select().where(_D.name == name)).one_or_none()
    if row is None:
        raise _not_found(name)
    return _entity(row)


def _lock(conn: Connection, name: str) -> tuple[ModelRow, DeploymentRow]:
    """Lock the deployment's model row, then the deployment row (the one lock order)."""
    _check_lookup(name)
    found = conn.execute(select(_D.model_id).where(_D.name == name)).one_or_none()
    if found is None:
        raise _not_found(name)
    model = conn.execute(
        select(*MODEL_COLUMNS).where(_M.model_id == found.model_id).with_for_update(key_share=True)
    ).one()
    row = conn.execute(_select().where(_D.name == name).with_for_update(of=models.deployments))
    locked = row.one_or_none()
    if locked is None:  # deleted between the two reads
        raise _not_found(name)
    return model, locked


def _write(conn: Connection, row: DeploymentRow, values: dict[str, Any]) -> None:
    conn.execute(
        update(models.deployments)
        .where(_D.deployment_id == row.deployment_id)
        .values(**values, revision=row.revision + 1, last_updated_timestamp=now_ms())
    )


def _event(
    conn: Connection,
    actor: str,
    event_type: RegistryEventType,
    model: ModelRow,
    name: str,
    *,
    details: dict[str, str] | None = None,
    **fields: Any,
) -> None:
    append_event(
        conn,
        actor=actor,
        event_type=event_type,
        model_id=model.model_id,
        model_name=model.name,
        details={"deployment": name, **(details or {})},
        **fields,
    )


def _entity(row: DeploymentRow) -> Deployment:
    return Deployment(
        name=row.name,
        model_name=row.model_name,
        champion_alias=row.champion_alias,
        challenger_version=row.challenger_version,
        mode=DeploymentMode(row.mode),
        canary_fraction=float(row.canary_fraction),
        state=DeploymentState(row.state),
        previous_champion_version=row.previous_champion_version,
        revision=row.revision,
        creation_timestamp=row.creation_timestamp,
        last_updated_timestamp=row.last_updated_timestamp,
        description=row.description,
    )


def _plan_update(
    conn: Connection, model: ModelRow, row: DeploymentRow, request: UpdateRequest
) -> dict[str, Any]:
    """The columns the update changes (empty: nothing changes).

    Raises:
        ModelVersionNotFoundError: The model has no such challenger version.
        InvalidParameterError: The challenger is not READY or is the champion; a shadow or
            canary mode without a challenger.
    """
    changes: dict[str, Any] = {}
    challenger = row.challenger_version
    if not isinstance(request.challenger, _Unchanged) and request.challenger != challenger:
        challenger = request.challenger
        changes["challenger_version"] = challenger
        if challenger is None:
            changes["state"] = DeploymentState.STABLE.value
            if request.mode is None and row.mode != DeploymentMode.SINGLE:
                changes["mode"] = DeploymentMode.SINGLE.value
        else:
            _check_challenger(conn, model, row.champion_alias, challenger)
            changes["state"] = DeploymentState.CHALLENGING.value
    if request.mode is not None:
        if request.mode is not DeploymentMode.SINGLE and challenger is None:
            raise InvalidParameterError(
                f"mode {request.mode.value!r} needs a challenger: set challenger_version first",
                field="mode",
            )
        if request.mode != row.mode:
            changes["mode"] = request.mode.value
    if request.fraction is not None and request.fraction != row.canary_fraction:
        changes["canary_fraction"] = request.fraction
    if not isinstance(request.description, _Unchanged) and request.description != row.description:
        changes["description"] = request.description
    return changes


def _check_challenger(conn: Connection, model: ModelRow, alias: str, version: int) -> None:
    found = conn.execute(version_query(model.model_id, version)).one_or_none()
    if found is None:
        raise ModelVersionNotFoundError(
            f"registered model {model.name!r} has no version {version}",
            field="challenger_version",
        )
    if found.status != ModelVersionStatus.READY:
        raise InvalidParameterError(
            f"version {version} of {model.name!r} is {found.status}, not READY: it cannot be "
            "a challenger",
            field="challenger_version",
        )
    if current_version(conn, model, alias) == version:
        raise InvalidParameterError(
            f"version {version} of {model.name!r} is the champion ({alias!r}) already",
            field="challenger_version",
        )


def _move_alias(
    db: SqlDatabase, conn: Connection, model: ModelRow, alias: str, version: int
) -> int | None:
    """Point ``alias`` at ``version`` (as ``set_alias`` does); return its previous version.

    Raises:
        ModelVersionNotFoundError: The version was deleted meanwhile.
    """
    if conn.execute(version_query(model.model_id, version)).first() is None:
        raise ModelVersionNotFoundError(
            f"registered model {model.name!r} has no version {version} any more",
            field="version",
        )
    previous = current_version(conn, model, alias)
    insert = db.insert(_A).values(model_id=model.model_id, alias=alias, version=version)
    conn.execute(
        insert.on_conflict_do_update(
            index_elements=["model_id", "alias"], set_={"version": insert.excluded.version}
        )
    )
    return previous


def _alias_event(
    conn: Connection, actor: str, model: ModelRow, alias: str, old: int | None, new: int
) -> None:
    append_event(
        conn,
        actor=actor,
        event_type=RegistryEventType.ALIAS_SET,
        model_id=model.model_id,
        model_name=model.name,
        version=new,
        alias=alias,
        from_version=old,
        to_version=new,
    )
