"""The web UI served by ``driftloop server`` at ``/`` (see docs/ui.md)."""

from driftloop.ui.registry import NavEntry
from driftloop.ui.routes import ui_routes

__all__ = ["NavEntry", "ui_routes"]
