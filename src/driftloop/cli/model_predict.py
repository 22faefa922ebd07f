"""``driftloop models predict``: score a file with a model from any model URI."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from driftloop.cli.state import CliState, pass_state
from driftloop.errors import InvalidParameterError, MissingDependencyError

_READERS = (".csv", ".json", ".jsonl", ".parquet")


@click.command("predict")
@click.argument("model_uri")
@click.option(
    "--input",
    "input_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Rows to score: .csv, .json (records), .jsonl or .parquet.",
)
@click.option(
    "--output",
    "output_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write predictions here (.csv or .json); default: CSV on stdout.",
)
@click.option("--proba", is_flag=True, help="Output class probabilities (predict_proba).")
@click.option(
    "--trusted",
    is_flag=True,
    help="Allow loading that unpickles or runs code from the model (pickled scikit-learn, "
    "pyfunc, PyTorch user classes). Only for models from a source you trust.",
)
@pass_state
def predict(
    state: CliState,
    model_uri: str,
    input_path: Path,
    output_path: Path | None,
    proba: bool,
    trusted: bool,
) -> None:
    r"""Score the rows of a file with the model at MODEL_URI.

    \b
    MODEL_URI is runs:/<run_id>/<path>, models:/<name>/<version>, models:/<name>@<alias>,
    models:/<name>/latest or a local model directory. The input is checked against the
    model's signature first; a mismatch names the column.
    """
    import numpy as np
    import pandas as pd

    model = state.client.load_model(model_uri, trusted=trusted)
    frame = _read(input_path)
    if proba:
        if not hasattr(model, "predict_proba"):
            raise InvalidParameterError(
                f"the {model.flavor} model has no predict_proba", field="proba"
            )
        values: Any = model.predict_proba(frame)
    else:
        values = model.predict(frame)
    if isinstance(values, pd.DataFrame):
        result = values
    else:
        array = np.asarray(values)
        if array.ndim == 1:
            result = pd.DataFrame({"prediction": array})
        else:
            result = pd.DataFrame(array.reshape(len(array), -1)).add_prefix("prediction_")
    if output_path is None:
        result.to_csv(sys.stdout, index=False)
    elif output_path.suffix.lower() == ".json":
        result.to_json(output_path, orient="records")
    else:
        result.to_csv(output_path, index=False)


def _read(path: Path) -> Any:
    import pandas as pd

    suffix = path.suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(path)
    if suffix == ".json":
        return pd.read_json(path, orient="records")
    if suffix == ".jsonl":
        return pd.read_json(path, orient="records", lines=True)
    if suffix == ".parquet":
        try:
            return pd.read_parquet(path)
        except ImportError as error:
            raise MissingDependencyError("pyarrow", "parquet") from error
    raise InvalidParameterError(
        f"cannot read {path.name!r}: use one of {', '.join(_READERS)}", field="input"
    )
