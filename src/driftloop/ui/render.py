"""Render the UI's Jinja2 templates into HTML responses.

Every page extends ``base.html.j2`` (navigation, who is logged in, the logout button).
Templates are autoescaped; values reach them only through the context, never through
string formatting.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import jinja2
from starlette.responses import HTMLResponse

from driftloop._version import __version__
from driftloop.server.routing import Call
from driftloop.ui.registry import nav_entries

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "Cache-Control": "no-store",
}
"""Headers of every UI page: no inline scripts or styles, no framing, no sniffing."""


@functools.cache
def environment() -> jinja2.Environment:
    """The template environment (built once per process)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("driftloop.ui", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["ms_time"] = format_ms
    env.filters["duration"] = format_duration
    env.filters["number"] = format_number
    env.globals["static"] = static_url
    return env


def render_html(template: str, context: Mapping[str, Any], status_code: int = 200) -> HTMLResponse:
    """Render ``template`` with ``context`` (plus the navigation) into a response."""
    page = environment().get_template(template)
    values = {"nav": nav_entries(), "principal": None, "auth": False, "path": "", **context}
    return HTMLResponse(page.render(values), status_code=status_code, headers=SECURITY_HEADERS)


def render(
    call: Call, template: str, context: Mapping[str, Any], status_code: int = 200
) -> HTMLResponse:
    """Render a page for ``call``: the logged-in user and the current path come along."""
    values = {
        "principal": call.principal,
        "auth": call.state.config.auth,
        "path": call.request.url.path,
        **context,
    }
    return render_html(template, values, status_code)


def static_url(path: str) -> str:
    """The URL of a packaged static file, versioned so that browsers may cache it."""
    return f"/static/{path}?v={__version__}"


def format_ms(value: int | None) -> str:
    """Milliseconds since the epoch as ``YYYY-MM-DD HH:MM:SS`` UTC (empty for None)."""
    if value is None:
        return ""
    return datetime.fromtimestamp(value / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")


def format_duration(start: int | None, end: int | None) -> str:
    """The time between two millisecond timestamps, e.g. ``1 h 02 min``, ``4.2 s``."""
    if start is None or end is None or end < start:
        return ""
    seconds = (end - start) / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def format_number(value: float | int | None) -> str:
    """A metric value, short but exact enough to compare runs."""
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    if math.isnan(value) or math.isinf(value):
        return str(value)
    if value != 0 and (abs(value) >= 1e6 or abs(value) < 1e-4):
        return f"{value:.6g}"
    return f"{value:.6g}" if abs(value) >= 1 else f"{value:.6f}".rstrip("0").rstrip(".") or "0"
