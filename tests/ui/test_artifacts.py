"""The artifact browser of the run page: listing, previews, download, confinement."""

from __future__ import annotations

import json
from pathlib import Path

from starlette.applications import Starlette
from tests.ui.conftest import HTML, MANIFEST, PNG, AsgiClient, Seeded


def test_a_model_folder_previews_its_manifest(client: AsgiClient, seeded: Seeded) -> None:
    run = seeded.run_ids[0]
    root = client.get(f"/runs/{run}").text
    assert f'href="/runs/{run}?dir=model#artifacts-h">model/</a>' in root
    assert "config.yaml" in root
    model = client.get(f"/runs/{run}", params={"dir": "model"}).text
    assert "<caption>Model manifest</caption>" in model
    assert "sklearn" in model
    assert "1 (each with its SHA-256)" in model
    assert "requirements.txt" in model


def test_files_are_previewed_by_kind(client: AsgiClient, seeded: Seeded) -> None:
    run = seeded.run_ids[0]

    def preview(path: str) -> str:
        page = client.get(f"/runs/{run}", params={"file": path})
        assert page.status_code == 200, page.text
        return page.text

    assert "&#34;a&#34;: [\n    1,\n    2\n  ]" in preview("metrics.json")  # pretty-printed
    assert "name: churn" in preview("config.yaml")
    assert "scikit-learn==1.5" in preview("model/requirements.txt")
    image = preview("plots/roc.png")
    assert f'<img src="/runs/{run}/artifact?path=plots/roc.png&amp;inline=true"' in image
    assert 'alt="Artifact image plots/roc.png"' in image
    assert "Binary file" in preview("blob.bin")


def test_downloads_are_attachments_except_inline_images(client: AsgiClient, seeded: Seeded) -> None:
    run = seeded.run_ids[0]
    manifest = client.get(f"/runs/{run}/artifact", params={"path": "model/manifest.json"})
    assert manifest.status_code == 200
    assert json.loads(manifest.content) == MANIFEST
    assert manifest.headers["content-disposition"].startswith("attachment")
    assert manifest.headers["content-type"] == "application/octet-stream"
    assert "sandbox" in manifest.headers["content-security-policy"]
    image = client.get(f"/runs/{run}/artifact", params={"path": "plots/roc.png", "inline": "true"})
    assert image.content == PNG
    assert image.headers["content-type"] == "image/png"
    assert image.headers["content-disposition"].startswith("inline")


def test_paths_cannot_leave_the_run(
    app: Starlette, client: AsgiClient, seeded: Seeded, tmp_path: Path
) -> None:
    run = seeded.run_ids[0]
    other = seeded.run_ids[1]
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret", encoding="utf-8")
    for bad in ("../../../secret.txt", "%2e%2e/x", "/etc/passwd", "a/../../b", "..\\x"):
        for response in (
            client.get(f"/runs/{run}/artifact", params={"path": bad}, headers=HTML),
            client.get(f"/runs/{run}", params={"file": bad}, headers=HTML),
            client.get(f"/runs/{run}", params={"dir": bad}, headers=HTML),
        ):
            assert response.status_code == 400, (bad, response.status_code)
            assert "top secret" not in response.text
            assert "Invalid path" in response.text
    # A sibling run's files are not reachable from this run either.
    sibling = f"../../{other}/artifacts/x.txt"
    assert client.get(f"/runs/{run}/artifact", params={"path": sibling}).status_code == 400
    missing = client.get(f"/runs/{run}/artifact", params={"path": "nope.txt"}, headers=HTML)
    assert missing.status_code == 404
    assert client.get(f"/runs/{run}", params={"file": "nope.txt"}).status_code == 404


def test_a_symlink_out_of_the_root_is_refused(
    app: Starlette, client: AsgiClient, seeded: Seeded, tmp_path: Path
) -> None:
    run = seeded.run_ids[0]
    outside = tmp_path / "outside.txt"
    outside.write_text("outside", encoding="utf-8")
    link = tmp_path / "artifacts" / seeded.experiment_id / run / "artifacts" / "link.txt"
    link.symlink_to(outside)
    answer = client.get(f"/runs/{run}/artifact", params={"path": "link.txt"})
    assert answer.status_code == 400
    assert "outside" not in answer.text
