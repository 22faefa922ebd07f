"""Reading a policy's YAML with the line of every key, for error messages that name lines.

PyYAML's composed node tree carries ``start_mark.line`` on every node; :class:`YamlDocument`
keeps the plain data (from the safe loader) and an index from each dotted path to its line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

__all__ = ["YamlDocument", "YamlIssue", "YamlSyntaxError", "read_yaml"]

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class YamlIssue:
    """A problem found before validation: bad syntax or a duplicated key (1-based line)."""

    line: int
    path: Path
    message: str


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """A parsed YAML document and the 1-based line of each path in it.

    Attributes:
        data: The document as plain Python values (``None`` for an empty document).
        lines: The line of each mapping key (for mapping values) or item (for list items).
        issues: Duplicated keys; PyYAML keeps the last one silently, a policy refuses them.
    """

    data: Any
    lines: dict[Path, int] = field(default_factory=dict)
    issues: tuple[YamlIssue, ...] = ()

    def line_of(self, path: Sequence[str | int]) -> int:
        """The line of ``path``, or of its nearest ancestor present in the document."""
        probe = tuple(path)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return self.lines.get((), 1)


class YamlSyntaxError(ValueError):
    """The text is not YAML; ``line`` is 1-based."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def read_yaml(text: str) -> YamlDocument:
    """Parse ``text`` with PyYAML's safe loader and index the line of every key.

    Raises:
        YamlSyntaxError: The text does not parse, or holds more than one document.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlSyntaxError(f"invalid YAML: {problem}", line) from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError("invalid YAML", 1) from exc
    index = _Indexer()
    if node is not None:
        index.lines[()] = node.start_mark.line + 1
        index.walk(node, ())
    return YamlDocument(data=data, lines=index.lines, issues=tuple(index.issues))


_STR_TAG = "tag:yaml.org,2002:str"


@dataclass
class _Indexer:
    lines: dict[Path, int] = field(default_factory=dict)
    issues: list[YamlIssue] = field(default_factory=list)
    visited: set[int] = field(default_factory=set)

    def walk(self, node: yaml.Node, path: Path) -> None:
        # An alias is the node it names: walk each node once (this also stops cycles).
        if id(node) in self.visited:
            return
        self.visited.add(id(node))
        if isinstance(node, yaml.MappingNode):
            self._mapping(node, path)
        elif isinstance(node, yaml.SequenceNode):
            for position, item in enumerate(node.value):
                child = (*path, position)
                self.lines.setdefault(child, item.start_mark.line + 1)
                self.walk(item, child)

    def _mapping(self, node: yaml.MappingNode, path: Path) -> None:
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = (*path, key)
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR_TAG:
                self.issues.append(YamlIssue(line, child, "a key must be text"))
            elif key in seen:
                self.issues.append(YamlIssue(line, child, "duplicate key"))
            else:
                seen.add(key)
                self.lines.setdefault(child, line)
                self.walk(value_node, child)
