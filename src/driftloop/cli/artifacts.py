"""``driftloop artifacts``: list and download the files a run logged."""

from __future__ import annotations

from pathlib import Path

import click

from driftloop.cli import render
from driftloop.cli.state import CliState, pass_state


@click.group()
def artifacts() -> None:
    """List and download run artifacts (files logged by runs)."""


@artifacts.command("list")
@click.argument("run_id")
@click.argument("path", required=False, default="")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def list_artifacts(state: CliState, run_id: str, path: str, as_json: bool) -> None:
    """List the artifacts of RUN_ID directly under PATH (the root by default)."""
    entries = state.client.list_artifacts(run_id, path or None)
    if as_json:
        render.echo_json([render.file_info_to_dict(entry) for entry in entries])
        return
    if not entries:
        click.echo(f"No artifacts under {path or 'the root'} of run {run_id}.")
        return
    render.console().print(
        render.table(
            None,
            ["Path", "Type", "Size"],
            (
                [
                    entry.path + ("/" if entry.is_dir else ""),
                    "dir" if entry.is_dir else "file",
                    render.format_size(entry.file_size),
                ]
                for entry in entries
            ),
        )
    )


@artifacts.command("download")
@click.argument("run_id")
@click.argument("path", required=False, default="")
@click.option(
    "--dst",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to download into (created if missing; default: a new temporary one).",
)
@pass_state
def download_artifacts(state: CliState, run_id: str, path: str, dst: Path | None) -> None:
    """Download the artifact file or directory PATH (everything by default) of RUN_ID."""
    if dst is not None:
        dst.mkdir(parents=True, exist_ok=True)
    local = state.client.download_artifacts(run_id, path, dst)
    click.echo(str(local))
