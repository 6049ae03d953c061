"""Command line: `python -m models train|evaluate|score|versions|activate`."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from . import persistence
from .corpus import load_seed
from .corpus import split
from .evaluation import as_dict
from .evaluation import evaluate
from .lifecycle import ensure_model
from .lifecycle import store_lock
from .lifecycle import train_version

DEFAULT_STORE = os.environ.get("MODEL_STORE", "instance/models")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models", description=__doc__)
    parser.add_argument(
        "--store",
        type=Path,
        default=Path(DEFAULT_STORE),
        help="model store folder (default: $MODEL_STORE or instance/models)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a new version on the seed corpus")
    train.add_argument(
        "--if-missing", action="store_true", help="only train when the store has no active version"
    )
    train.add_argument("--no-activate", action="store_true", help="save without activating")
    commands.add_parser("evaluate", help="metrics of the active version on the test split")
    score = commands.add_parser("score", help="score texts with the active version")
    score.add_argument("texts", nargs="+")
    commands.add_parser("versions", help="list saved versions")
    activate = commands.add_parser("activate", help="make a saved version active")
    activate.add_argument("version")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    store: Path = args.store

    if args.command == "train":
        if args.if_missing:
            print(ensure_model(store))
        else:
            with store_lock(store):
                print(train_version(store, activate=not args.no_activate))
    elif args.command == "evaluate":
        classifier = persistence.load_active(store)
        _, test = split(load_seed())
        print(json.dumps(as_dict(evaluate(classifier, test)), indent=2))
    elif args.command == "score":
        classifier = persistence.load_active(store)
        for text, scores in zip(args.texts, classifier.score(args.texts), strict=True):
            parts = [
                f"{s.label}={s.probability:.3f}{'!' if s.flagged else ''} {list(s.reasons)}"
                for s in scores.by_label()
            ]
            print(f"{text[:60]!r}: " + "  ".join(parts))
    elif args.command == "versions":
        active = persistence.active_version(store)
        for version in persistence.versions(store):
            print(("* " if version == active else "  ") + version)
    elif args.command == "activate":
        persistence.activate(store, args.version)
        print(args.version)
    return 0


if __name__ == "__main__":
    sys.exit(main())
