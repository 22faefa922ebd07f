from pathlib import Path

import pytest

from driftloop.errors import InvalidParameterError
from driftloop.models.uri import ModelUri, parse_model_uri


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        (
            "runs:/abc123/model",
            ModelUri("runs", "runs:/abc123/model", run_id="abc123", path="model"),
        ),
        (
            "runs:/abc123/nested/model/",
            ModelUri("runs", "runs:/abc123/nested/model/", run_id="abc123", path="nested/model"),
        ),
        ("runs:/abc123", ModelUri("runs", "runs:/abc123", run_id="abc123", path="")),
        ("models:/churn/3", ModelUri("models", "models:/churn/3", name="churn", version=3)),
        (
            "models:/churn@champion",
            ModelUri("models", "models:/churn@champion", name="churn", alias="champion"),
        ),
        (
            "models:/churn/latest",
            ModelUri("models", "models:/churn/latest", name="churn", latest=True),
        ),
        ("s3://bucket/models/m", ModelUri("artifact", "s3://bucket/models/m")),
        (
            "file:///data/my%20model",
            ModelUri("path", "file:///data/my%20model", path="/data/my model"),
        ),
        ("relative/dir", ModelUri("path", "relative/dir", path="relative/dir")),
    ],
)
def test_parse_model_uri(uri: str, expected: ModelUri) -> None:
    assert parse_model_uri(uri) == expected


def test_parse_accepts_path_objects(tmp_path: Path) -> None:
    parsed = parse_model_uri(tmp_path)
    assert parsed.kind == "path"
    assert parsed.path == str(tmp_path)


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("", "must not be empty"),
        ("runs:", "not a runs URI"),
        ("runs://", "not a runs URI"),
        ("models:/", "not a models URI"),
        ("models:/churn", "not a models URI"),
        ("models:/churn/0", "positive integer or 'latest'"),
        ("models:/churn/v2", "positive integer or 'latest'"),
        ("models:/churn@", "not a models URI"),
    ],
)
def test_parse_rejects_malformed_uris(uri: str, message: str) -> None:
    with pytest.raises(InvalidParameterError, match=message) as raised:
        parse_model_uri(uri)
    assert raised.value.field == "model_uri"


def test_parse_rejects_non_strings() -> None:
    with pytest.raises(InvalidParameterError, match="must be a string or a path, got int"):
        parse_model_uri(3)  # type: ignore[arg-type]
