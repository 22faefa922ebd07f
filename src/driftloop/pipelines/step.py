"""``@step``: a function turned into a pipeline step with a name, a code hash and typed I/O.

A step's inputs are its parameters (their annotations are its input types); its outputs are
named by ``outputs=`` (by default one output named like the step) and typed by the return
annotation (``tuple[...]`` for several outputs). The code hash covers the function's
qualified name and source (decorator line included), its declared outputs, ``trusted`` and
``version``: editing the function invalidates its cache entries, editing a helper it calls
does not (bump ``version`` for that).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import marshal
import re
import textwrap
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, overload

from driftloop.pipelines._types import describe, matches
from driftloop.pipelines.artifacts_io import ModelOutput
from driftloop.pipelines.errors import PipelineDefinitionError, StepOutputError

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,99}$")
_EMPTY = inspect.Parameter.empty


@dataclass(frozen=True, slots=True)
class StepParameter:
    """One input of a step.

    Attributes:
        name: The parameter's name.
        annotation: Its type annotation (``inspect.Parameter.empty`` when it has none).
        default: Its default value (``inspect.Parameter.empty`` when it is required).
    """

    name: str
    annotation: Any
    default: Any

    @property
    def required(self) -> bool:
        """Whether the parameter has no default."""
        return self.default is _EMPTY


@dataclass(frozen=True, slots=True, eq=False)
class Step:
    """A function made into a pipeline step by :func:`step`; still callable as the function.

    Attributes:
        name: The step's name (the function's name unless given).
        func: The function.
        parameters: Its inputs, in signature order.
        outputs: The names of its outputs.
        output_types: The annotation of each output (``Any`` when not declared).
        cache: Whether a finished earlier run with the same cache key may be reused.
        trusted: Whether the step's values may be stored with pickle (and read back).
        code_hash: SHA-256 of the qualified name, source, outputs, trust and version.
    """

    name: str
    func: Callable[..., Any]
    parameters: tuple[StepParameter, ...]
    outputs: tuple[str, ...]
    output_types: tuple[Any, ...]
    cache: bool
    trusted: bool
    code_hash: str

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the function directly (e.g. in a unit test of the step)."""
        return self.func(*args, **kwargs)

    def parameter(self, name: str) -> StepParameter | None:
        """The parameter called ``name``, or None."""
        return next((item for item in self.parameters if item.name == name), None)

    def split_outputs(self, returned: Any) -> dict[str, Any]:
        """Map what the function returned to the step's output names, checking the types.

        One output: the value itself. Several: a tuple or list of that length, or a mapping
        with exactly those keys. No output: the function must return None.

        Raises:
            StepOutputError: The shape or a type does not match; ``field`` names the output.
        """
        values = self._by_name(returned)
        for (name, value), annotation in zip(values.items(), self.output_types, strict=True):
            checked = value.model if isinstance(value, ModelOutput) else value
            if not matches(checked, annotation):
                raise StepOutputError(
                    f"step {self.name!r} output {name!r} is declared {describe(annotation)} "
                    f"but the step returned a {type(checked).__qualname__}",
                    field=f"{self.name}.{name}",
                )
        return values

    def _by_name(self, returned: Any) -> dict[str, Any]:
        count = len(self.outputs)
        if count == 0:
            if returned is not None:
                raise StepOutputError(
                    f"step {self.name!r} declares no outputs but returned a "
                    f"{type(returned).__qualname__}",
                    field=self.name,
                )
            return {}
        if count == 1:
            return {self.outputs[0]: returned}
        if isinstance(returned, Mapping):
            keys = set(returned)
            if keys != set(self.outputs):
                raise StepOutputError(
                    f"step {self.name!r} returned the keys {sorted(map(str, keys))} but declares "
                    f"the outputs {list(self.outputs)}",
                    field=self.name,
                )
            return {name: returned[name] for name in self.outputs}
        if isinstance(returned, tuple | list) and len(returned) == count:
            return dict(zip(self.outputs, returned, strict=True))
        raise StepOutputError(
            f"step {self.name!r} declares {count} outputs {list(self.outputs)}; it must return a "
            f"tuple of {count} values or a mapping with those keys, got "
            f"{type(returned).__qualname__}",
            field=self.name,
        )


@overload
def step(func: Callable[..., Any], /) -> Step: ...


@overload
def step(
    *,
    name: str | None = None,
    outputs: Sequence[str] | str | None = None,
    cache: bool = True,
    trusted: bool = False,
    version: str | None = None,
) -> Callable[[Callable[..., Any]], Step]: ...


def step(
    func: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    outputs: Sequence[str] | str | None = None,
    cache: bool = True,
    trusted: bool = False,
    version: str | None = None,
) -> Step | Callable[[Callable[..., Any]], Step]:
    """Make a function a pipeline step: ``@step`` or ``@step(name=..., outputs=...)``.

    Args:
        func: The function (when used as a bare ``@step``).
        name: The step's name; the function's name by default.
        outputs: The output names (a string for one); one output named like the step by
            default, ``()`` for a step that returns nothing.
        cache: Reuse the outputs of an earlier finished run of this step with the same code,
            parameters and input contents instead of running it.
        trusted: Allow pickle to store (and read back) values no safe format handles.
        version: Any text; changing it invalidates the cache (e.g. after editing a helper).

    Example::

        @step(outputs=("train", "test"))
        def split(frame: pd.DataFrame, test_size: float = 0.2) -> tuple[pd.DataFrame, pd.DataFrame]:
            cut = int(len(frame) * (1 - test_size))
            return frame.iloc[:cut], frame.iloc[cut:]

    Raises:
        PipelineDefinitionError: A name is malformed or the function takes ``*args``,
            ``**kwargs`` or positional-only parameters.
    """

    def decorate(function: Callable[..., Any]) -> Step:
        return _make_step(function, name, outputs, cache=cache, trusted=trusted, version=version)

    return decorate if func is None else decorate(func)


def _make_step(
    func: Callable[..., Any],
    name: str | None,
    outputs: Sequence[str] | str | None,
    *,
    cache: bool,
    trusted: bool,
    version: str | None,
) -> Step:
    if isinstance(func, Step) or not callable(func):
        raise PipelineDefinitionError("@step decorates a plain function", field="step")
    step_name = _checked_name(name or getattr(func, "__name__", ""), "step name", "name")
    if outputs is None:
        output_names: tuple[str, ...] = (step_name,)
    else:
        output_names = (outputs,) if isinstance(outputs, str) else tuple(outputs)
    for output in output_names:
        _checked_name(output, f"step {step_name!r} output name", f"{step_name}.outputs")
    if len(set(output_names)) != len(output_names):
        raise PipelineDefinitionError(
            f"step {step_name!r} names an output twice: {list(output_names)}",
            field=f"{step_name}.outputs",
        )
    hints = _type_hints(func)
    parameters = _parameters(func, step_name, hints)
    return Step(
        name=step_name,
        func=func,
        parameters=parameters,
        outputs=output_names,
        output_types=_output_types(hints.get("return", _EMPTY), len(output_names)),
        cache=bool(cache),
        trusted=bool(trusted),
        code_hash=code_hash(func, output_names, trusted=bool(trusted), version=version),
    )


def code_hash(
    func: Callable[..., Any], outputs: Sequence[str], *, trusted: bool, version: str | None
) -> str:
    """SHA-256 of what identifies a step's code (see the module docstring).

    Without source (a function built at run time), the marshalled code object stands in.
    """
    try:
        source = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError):
        code = getattr(func, "__code__", None)
        source = "" if code is None else marshal.dumps(code).hex()
    identity = {
        "qualname": f"{getattr(func, '__module__', '')}.{getattr(func, '__qualname__', '')}",
        "source": source,
        "outputs": list(outputs),
        "trusted": trusted,
        "version": version,
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def _checked_name(value: object, what: str, field: str) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise PipelineDefinitionError(
            f"{what} must start with a letter or '_' and hold only letters, digits, '_' and "
            f"'-' (at most 100), got {value!r}",
            field=field,
        )
    return value


def _type_hints(func: Callable[..., Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(func, include_extras=True)
    except Exception:  # noqa: BLE001 - unresolvable annotations are simply not checked
        return {}


def _parameters(
    func: Callable[..., Any], step_name: str, hints: Mapping[str, Any]
) -> tuple[StepParameter, ...]:
    parameters = []
    for parameter in inspect.signature(func).parameters.values():
        if parameter.kind not in {parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY}:
            raise PipelineDefinitionError(
                f"step {step_name!r} parameter {parameter.name!r}: steps take named parameters "
                "only (no *args, **kwargs or positional-only parameters)",
                field=f"{step_name}.{parameter.name}",
            )
        annotation = hints.get(parameter.name, _EMPTY)
        parameters.append(StepParameter(parameter.name, annotation, parameter.default))
    return tuple(parameters)


def _output_types(annotation: Any, count: int) -> tuple[Any, ...]:
    if count == 1:
        return (Any if annotation is _EMPTY else annotation,)
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is tuple and len(args) == count and Ellipsis not in args:
        return tuple(args)
    return (Any,) * count
