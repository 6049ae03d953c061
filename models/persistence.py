"""Versioned model store: `<store>/<version>/model.skops` + `metadata.json`, and an ACTIVE pointer.

Models are saved with skops.io and loaded only if every type in the file is on an
explicit allow-list: unlike pickle, a tampered file cannot run code on load.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
import warnings
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any
from zipfile import ZIP_DEFLATED

import numpy
import scipy
import sklearn
import skops
import skops.io
from sklearn.exceptions import InconsistentVersionWarning

from .classifier import LABELS
from .classifier import Classifier

#: Bumped whenever the saved pipelines' structure changes; older versions refuse to load.
MODEL_FORMAT = 11
MODEL_FILE = "model.skops"
METADATA_FILE = "metadata.json"
ACTIVE_FILE = "ACTIVE"

#: Types a saved classifier may contain beyond those skops trusts by default;
#: a file holding anything else refuses to load.
TRUSTED_TYPES = [
    "models.features.Prepare",
    "models.features.TextSignals",
    "models.features.normalized_of",
    "models.stacking.StackedHead",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
]


class ModelUnavailable(Exception):
    """No usable model: missing, corrupt, untrusted or from other library versions."""


def library_versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "skops": skops.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
    }


def new_version_id(data_hash: str) -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + data_hash[:8]


def save(classifier: Classifier, store: Path, metadata: dict[str, Any]) -> str:
    """Write a new version folder atomically and return its id (it is not activated)."""
    store.mkdir(parents=True, exist_ok=True)
    version = new_version_id(str(metadata.get("data_hash", "")))
    draft = Path(tempfile.mkdtemp(prefix=".draft-", dir=store))
    parts = {"features": classifier.features, **classifier.heads}
    skops.io.dump(parts, draft / MODEL_FILE, compression=ZIP_DEFLATED)
    full = {
        "id": version,
        "created": datetime.now(UTC).isoformat(),
        "format": MODEL_FORMAT,
        "labels": list(LABELS),
        "thresholds": dict(classifier.thresholds),
        "libraries": library_versions(),
        **metadata,
    }
    (draft / METADATA_FILE).write_text(json.dumps(full, indent=2, sort_keys=True))
    os.rename(draft, store / version)
    classifier.metadata = full
    return version


def versions(store: Path) -> list[str]:
    """Saved version ids, oldest first."""
    if not store.is_dir():
        return []
    return sorted(p.name for p in store.iterdir() if (p / METADATA_FILE).is_file())


def active_version(store: Path) -> str | None:
    try:
        return (store / ACTIVE_FILE).read_text().strip() or None
    except FileNotFoundError:
        return None


def activate(store: Path, version: str) -> None:
    """Point ACTIVE at `version` with an atomic rename, so readers never see half a file."""
    if version not in versions(store):
        raise ModelUnavailable(f"no saved model version {version!r}")
    pointer = store / f".{ACTIVE_FILE}.{os.getpid()}"
    pointer.write_text(version + "\n")
    os.replace(pointer, store / ACTIVE_FILE)


def read_metadata(store: Path, version: str) -> dict[str, Any]:
    try:
        data = json.loads((store / version / METADATA_FILE).read_text())
    except (OSError, ValueError) as error:
        raise ModelUnavailable(f"metadata of {version!r} unreadable: {error}") from error
    if not isinstance(data, dict):
        raise ModelUnavailable(f"metadata of {version!r} is not an object")
    return data


def is_loadable_here(store: Path, version: str) -> bool:
    """Saved in this package's format by this scikit-learn (cheap: reads metadata only)."""
    try:
        metadata = read_metadata(store, version)
    except ModelUnavailable:
        return False
    saved_with = metadata.get("libraries", {}).get("scikit-learn")
    return metadata.get("format") == MODEL_FORMAT and saved_with == sklearn.__version__


def load(store: Path, version: str) -> Classifier:
    """Load one version, refusing untrusted types and models pickled by another scikit-learn."""
    metadata = read_metadata(store, version)
    saved_with = metadata.get("libraries", {}).get("scikit-learn")
    if saved_with != sklearn.__version__:
        raise ModelUnavailable(
            f"{version!r} was saved with scikit-learn {saved_with}, this is {sklearn.__version__}:"
            " retrain it (`python -m models train`) rather than load it"
        )
    if metadata.get("format") != MODEL_FORMAT:
        raise ModelUnavailable(
            f"{version!r} has format {metadata.get('format')}, not {MODEL_FORMAT}"
        )
    path = store / version / MODEL_FILE
    try:
        untrusted = set(skops.io.get_untrusted_types(file=path))
        unexpected = untrusted - set(TRUSTED_TYPES)
        if unexpected:
            raise ModelUnavailable(f"untrusted types in {version!r}: {sorted(unexpected)}")
        with warnings.catch_warnings():
            warnings.simplefilter("error", InconsistentVersionWarning)
            parts = skops.io.load(path, trusted=sorted(untrusted))
        if not isinstance(parts, dict) or set(parts) != {"features", *LABELS}:
            raise ModelUnavailable(f"{version!r} does not hold the features and one head per label")
        thresholds = {label: float(metadata["thresholds"][label]) for label in LABELS}
        heads = {label: parts[label] for label in LABELS}
        return Classifier(parts["features"], heads, thresholds, metadata)
    except ModelUnavailable:
        raise
    except Exception as error:  # a corrupt zip or state raises many kinds of errors
        raise ModelUnavailable(f"cannot load {version!r}: {error}") from error


def load_active(store: Path) -> Classifier:
    version = active_version(store)
    if version is None:
        raise ModelUnavailable(f"no active model in {store}")
    return load(store, version)
