"""driftloop: track, package, register, serve, monitor and retrain ML models."""

from driftloop._version import __version__

__all__ = ["__version__"]
