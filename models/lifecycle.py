"""From corpus to active model version: train, evaluate on the fixed test split, save, activate."""

from __future__ import annotations

import fcntl
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import external
from . import persistence
from .corpus import Example
from .corpus import data_hash
from .corpus import load_seed
from .corpus import split
from .evaluation import as_dict
from .evaluation import evaluate
from .training import DEFAULT_MODEL
from .training import Progress
from .training import fit

log = logging.getLogger(__name__)


def train_version(
    store: Path,
    examples: list[Example] | None = None,
    *,
    activate: bool = True,
    kind: str = DEFAULT_MODEL,
    progress: Progress | None = None,
    extra_corpora: tuple[str, ...] = (),
) -> str:
    """Train on the train split, measure on the test split, save, and optionally activate.

    `extra_corpora` (names from `external.CORPORA`) add installed spam corpora to the
    training side only; none by default, as they did not improve the test split.
    """
    examples = load_seed() if examples is None else examples
    train, test = split(examples)
    extra = external.load(extra_corpora)
    started = time.perf_counter()
    classifier = fit(train, kind, progress, extra=extra)
    seconds = time.perf_counter() - started
    metrics = as_dict(evaluate(classifier, test)) if test else {}
    version = persistence.save(
        classifier,
        store,
        {
            "model": kind,
            "data_hash": data_hash(train),
            "train_size": len(train),
            "extra_corpora": {name: sum(e.source == name for e in extra) for name in extra_corpora},
            "test_size": len(test),
            "training_seconds": round(seconds, 1),
            "metrics": metrics,
        },
    )
    log.info("trained model version %s on %d examples", version, len(train))
    if activate:
        persistence.activate(store, version)
    return version


@contextmanager
def store_lock(store: Path) -> Iterator[None]:
    """Serialise training across processes (web start-up, workers, the CLI)."""
    store.mkdir(parents=True, exist_ok=True)
    with open(store / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_model(store: Path) -> str:
    """The active version, training one if the store has none in the current format.

    A version saved by an older release of this package or of scikit-learn cannot be
    loaded here, so an upgrade retrains from the seed corpus instead of holding every
    comment.
    """
    with store_lock(store):
        version = persistence.active_version(store)
        if version is None or not persistence.is_loadable_here(store, version):
            version = train_version(store)
        return version
