"""The scoring server (``driftloop serve``).

A registered model behind HTTP, with hot swap, shadow and canary traffic, micro-batching, an
inference log and feedback.
"""

from driftloop.serving.config import ServeConfig

__all__ = ["ServeConfig"]
