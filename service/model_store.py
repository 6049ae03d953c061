"""The web app's read-mostly view of the model store, with the standard library only.

The worker writes versions (`<store>/<version>/metadata.json`, `report.json`, images);
the web app lists them, serves the images and moves the ACTIVE pointer for a rollback.
It cannot import `models/` (that pulls in scikit-learn), so it reads the same files
here; `models/persistence.py` stays the writer of record for everything else.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from importlib import metadata as package_metadata
from pathlib import Path
from typing import Any

from flask import current_app

ACTIVE_FILE = "ACTIVE"
METADATA_FILE = "metadata.json"
REPORT_FILE = "report.json"
#: Version ids look like 20261125T143624035539Z-ebde88e4; nothing else reaches the disk.
VERSION_ID = re.compile(r"^[0-9]{8}T[0-9]{12}Z-[0-9a-f]{0,16}$")
IMAGE_FILES = frozenset({"pr.png", "roc.png"})


class UnknownVersion(LookupError):
    """No saved version by that id (or not a version id at all)."""


@dataclass(frozen=True)
class Version:
    id: str
    metadata: dict[str, Any]
    report: dict[str, Any] | None

    @property
    def scikit_learn(self) -> str:
        return str(self.metadata.get("libraries", {}).get("scikit-learn", "?"))


def store_path() -> Path:
    return Path(current_app.config["MODEL_STORE"])


def _json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def active_version(store: Path | None = None) -> str | None:
    try:
        return ((store or store_path()) / ACTIVE_FILE).read_text().strip() or None
    except OSError:
        return None


def version_ids(store: Path | None = None) -> list[str]:
    """Saved version ids, newest first."""
    folder = store or store_path()
    if not folder.is_dir():
        return []
    return sorted(
        (
            p.name
            for p in folder.iterdir()
            if VERSION_ID.match(p.name) and (p / METADATA_FILE).is_file()
        ),
        reverse=True,
    )


def get_version(version: str, store: Path | None = None) -> Version:
    """:raise UnknownVersion: not a saved version."""
    folder = store or store_path()
    if not VERSION_ID.match(version):
        raise UnknownVersion(version)
    metadata = _json(folder / version / METADATA_FILE)
    if metadata is None:
        raise UnknownVersion(version)
    return Version(version, metadata, _json(folder / version / REPORT_FILE))


def all_versions(store: Path | None = None) -> list[Version]:
    return [get_version(v, store) for v in version_ids(store)]


def image_path(version: str, name: str) -> Path:
    """The path of a report image; only known names inside a known version folder.

    :raise UnknownVersion: unknown version or image name.
    """
    if name not in IMAGE_FILES:
        raise UnknownVersion(name)
    get_version(version)
    path = store_path() / version / name
    if not path.is_file():
        raise UnknownVersion(name)
    return path


def installed_scikit_learn() -> str | None:
    """The version the worker loads models with (same installation), without importing it."""
    try:
        return package_metadata.version("scikit-learn")
    except package_metadata.PackageNotFoundError:
        return None


def set_active(version: str, store: Path | None = None) -> str | None:
    """Point ACTIVE at `version` with an atomic rename; returns the previous active version.

    :raise UnknownVersion: not a saved version.
    :raise ValueError: saved by another scikit-learn: the worker would refuse to load it.
    """
    folder = store or store_path()
    chosen = get_version(version, folder)
    installed = installed_scikit_learn()
    if installed and chosen.scikit_learn != installed:
        raise ValueError(
            f"{version} was saved with scikit-learn {chosen.scikit_learn}, the worker runs "
            f"{installed}: retrain instead of activating it"
        )
    previous = active_version(folder)
    pointer = folder / f".{ACTIVE_FILE}.{os.getpid()}"
    pointer.write_text(version + "\n")
    os.replace(pointer, folder / ACTIVE_FILE)
    return previous


def read_training_summary(store: Path | None = None) -> dict[str, Any] | None:
    """The last training-data summary the worker wrote (counts, balance, conflicts)."""
    return _json((store or store_path()) / "training-data.json")
