"""The UI's foundation: page registry, declared routes, session codec, static files, CSS."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from starlette.applications import Starlette
from tests.ui.conftest import HTML, AsgiClient

from driftloop.server.routing import DeclaredRoute, Permission
from driftloop.ui import NavEntry
from driftloop.ui.registry import discover_pages, nav_entries
from driftloop.ui.run_table import Sort, parse_columns, parse_sort
from driftloop.ui.session import Session, SessionCodec

CSS = Path(__file__).resolve().parents[2] / "src/driftloop/ui/static/ui.css"
CONTRAST_PAIRS = [
    ("text", "bg"),
    ("muted", "bg"),
    ("link", "bg"),
    ("nav-text", "nav-bg"),
    ("error-text", "error-bg"),
    ("text", "stripe"),
    ("text", "differs-bg"),
    ("muted", "stripe"),
]


def test_every_page_module_is_found_with_its_nav_entry() -> None:
    modules = {m.name.rsplit(".", 1)[-1]: m for m in discover_pages()}
    assert {"experiments", "runs", "run_detail", "compare"} <= set(modules)
    assert modules["experiments"].nav == NavEntry("Experiments", "/", 10)
    assert nav_entries()[0].label == "Experiments"


def test_a_new_page_module_is_mounted_without_other_edits(tmp_path: Path) -> None:
    package = tmp_path / "fakepages"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "models.py").write_text(
        "from driftloop.ui.page import page\n"
        "from driftloop.ui.registry import NavEntry\n"
        "def models(call): return None\n"
        "PAGES = [page('/models', models)]\n"
        "NAV = NavEntry('Models', '/models', 20)\n",
        encoding="utf-8",
    )
    (package / "broken.py").write_text("PAGES = ['not an endpoint']\n", encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        import fakepages  # type: ignore[import-not-found]

        with pytest.raises(TypeError, match=r"fakepages\.broken\.PAGES must be a list"):
            discover_pages(fakepages)
        (package / "broken.py").unlink()
        (found,) = discover_pages(fakepages)
        assert found.nav == NavEntry("Models", "/models", 20)
        assert found.endpoints[0].path == "/models"
        assert found.endpoints[0].permission is Permission.READ
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n.startswith("fakepages")]:
            del sys.modules[name]


def test_ui_routes_are_declared_routes_with_a_permission(app: Starlette) -> None:
    ui = [r for r in app.routes if isinstance(r, DeclaredRoute) and not r.path.startswith("/api")]
    paths = {route.path for route in ui}
    assert {"/", "/login", "/logout", "/runs/{run_id}", "/compare", "/static/{path:path}"} <= paths
    for route in app.routes:
        assert isinstance(route, DeclaredRoute)
        public = route.declared.permission is Permission.PUBLIC
        assert public == (route.path in {"/login", "/logout", "/static/{path:path}"}) or (
            route.path.startswith(("/api", "/ajax-api", "/health", "/version", "/openapi"))
        ), route.path


def test_the_session_codec_refuses_forged_cookies() -> None:
    codec = SessionCodec(b"k" * 32)
    value = codec.encode(Session("password", "dl_secret"))
    assert codec.decode(value) == Session("password", "dl_secret")
    assert "dl_secret" not in repr(codec.decode(value))
    assert SessionCodec(b"x" * 32).decode(value) is None
    _, token, signature = value.split(".")
    assert codec.decode(f"t.{token}.{signature}") is None  # kind is signed too
    assert codec.decode(value + "x") is None
    assert codec.decode("") is None
    assert codec.decode("a" * 5000) is None
    with pytest.raises(ValueError, match="at least 16 bytes"):
        SessionCodec(b"short")


def test_static_files_are_only_the_packaged_ones(client: AsgiClient) -> None:
    js = client.get("/static/vendor/uplot/uPlot.iife.min.js")
    assert js.status_code == 200
    assert js.headers["content-type"].startswith("text/javascript")
    assert "uPlot" in js.text
    for bad in ("..%2fpage.py", "..%2F..%2Fui%2F__init__.py", "UI.CSS", "nope.js"):
        answer = client.get(f"/static/{bad}")
        assert answer.status_code == 404, bad


def test_pages_send_security_headers(client: AsgiClient) -> None:
    page = client.get("/", headers=HTML)
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert "<script>" not in page.text  # no inline script: the CSP forbids it
    assert re.search(r"\sstyle=", page.text) is None


def test_sort_and_column_parameters() -> None:
    assert parse_sort("metrics.`a b` DESC") == Sort("metrics.`a b`", descending=True)
    assert parse_sort("start_time") == Sort("start_time", descending=False)
    assert parse_sort("  ") is None
    sort = Sort("metrics.`acc`", descending=True)
    assert sort.link_for("metrics.`acc`") == "metrics.`acc` ASC"
    assert sort.link_for("params.`x`") == "params.`x` DESC"
    columns = parse_columns(["metrics.acc", "bogus.x", "params.", "metrics.acc", "tags.a.b"])
    assert [c.name for c in columns] == ["metrics.acc", "tags.a.b"]


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_text_colours_have_enough_contrast() -> None:
    css = CSS.read_text(encoding="utf-8")
    root = re.search(r":root\s*\{([^}]*)\}", css)
    assert root is not None
    colours = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", root.group(1)))
    for fg, bg in CONTRAST_PAIRS:
        light, dark = sorted((_luminance(colours[fg]), _luminance(colours[bg])), reverse=True)
        ratio = (light + 0.05) / (dark + 0.05)
        assert ratio >= 4.5, (fg, bg, round(ratio, 2))


def test_the_package_exports_exactly_its_public_names() -> None:
    import driftloop.ui

    assert set(driftloop.ui.__all__) == {"NavEntry", "ui_routes"}
    assert all(hasattr(driftloop.ui, name) for name in driftloop.ui.__all__)
