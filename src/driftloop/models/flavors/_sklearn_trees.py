"""Structural checks that make scikit-learn decision trees from a skops file safe to use.

skops leaves ``sklearn.tree._tree.Tree`` off its trusted list for a precise reason: the tree
stores raw node indices (children, feature) that scikit-learn's compiled code follows without
bounds checks, so a crafted file loads fine and then crashes or reads stray memory on
``predict``. scikit-learn's own ``__setstate__`` already checks the arrays' dtypes and shapes;
what is left is the values, and this module checks them:

- a leaf has both children ``-1``; an internal node has both children in ``(i, node_count)``
  (scikit-learn's builders always number children after their parent, so this also rules out
  cycles that would make ``predict`` loop forever);
- an internal node splits on a feature in ``[0, n_features)``, and the tree's ``n_features``
  equals the estimator's ``n_features_in_``, which scikit-learn checks every input against.

With these, every index ``apply``/``predict`` computes stays inside the tree and the input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from driftloop.errors import ModelFormatError

VALIDATED_TYPES = frozenset({"sklearn.tree._tree.Tree"})
"""Types driftloop accepts from skops files without ``trusted=True`` after checking them."""

_MAX_DEPTH = 64


def check_trees(model: Any) -> int:
    """Check every decision tree reachable from ``model``; return how many were checked.

    Raises:
        ModelFormatError: A tree's structure would let ``predict`` leave its arrays.
    """
    checked = 0
    for owner in _estimators(model, depth=0, seen=set()):
        tree = owner.tree_
        _check_tree(tree, getattr(owner, "n_features_in_", None))
        checked += 1
    return checked


def _estimators(obj: Any, *, depth: int, seen: set[int]) -> list[Any]:
    if depth > _MAX_DEPTH or id(obj) in seen:
        return []
    seen.add(id(obj))
    found = [obj] if hasattr(obj, "tree_") else []
    children: list[Any] = []
    if isinstance(obj, list | tuple):
        children = list(obj)
    elif isinstance(obj, dict):
        children = list(obj.values())
    elif isinstance(obj, np.ndarray) and obj.dtype == object:
        children = list(obj.ravel())
    elif type(obj).__module__.startswith("sklearn."):
        children = list(vars(obj).values()) if hasattr(obj, "__dict__") else []
    for child in children:
        found.extend(_estimators(child, depth=depth + 1, seen=seen))
    return found


def _check_tree(tree: Any, n_features_in: int | None) -> None:
    count = int(tree.node_count)
    left = np.asarray(tree.children_left)
    right = np.asarray(tree.children_right)
    feature = np.asarray(tree.feature)
    if not (len(left) == len(right) == len(feature) == count) or count < 1:
        raise _bad("node arrays disagree with node_count")
    n_features = int(tree.n_features)
    if n_features_in is not None and n_features != int(n_features_in):
        raise _bad(f"it splits {n_features} features but the estimator takes {n_features_in}")
    index = np.arange(count)
    leaf = left == -1
    if not np.array_equal(leaf, right == -1):
        raise _bad("a node has exactly one child")
    inner = ~leaf
    if np.any(left[inner] <= index[inner]) or np.any(right[inner] <= index[inner]):
        raise _bad("a node's child is not numbered after it")
    if np.any(left[inner] >= count) or np.any(right[inner] >= count):
        raise _bad("a node's child is outside the tree")
    if np.any(feature[inner] < 0) or np.any(feature[inner] >= n_features):
        raise _bad("a node splits on a feature outside the input")


def _bad(reason: str) -> ModelFormatError:
    return ModelFormatError(
        f"the model holds a malformed decision tree ({reason}); refusing to load it",
        field="model",
    )
