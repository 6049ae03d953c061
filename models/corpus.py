"""The labeled examples: the seed corpus shipped in `models/data/`, and a fixed test split.

The labeling rules (what counts as spam or a medical claim at each boundary, e.g. generic
praise is bot flattery) are written down in `models/data/README.md`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

SEED_DIR = Path(__file__).parent / "data" / "seed"
#: Share of groups kept out of training for good; chosen by a hash so it never moves.
TEST_SHARE_PERCENT = 20


@dataclass(frozen=True)
class Example:
    text: str
    spam: bool
    medical_claim: bool
    lang: str
    group: str
    source: str = "seed"

    def label(self, name: str) -> bool:
        return bool(getattr(self, name))


def load_seed(directory: Path = SEED_DIR) -> list[Example]:
    """Read every `*.jsonl` file of the seed corpus, in a stable order."""
    examples: list[Example] = []
    for path in sorted(directory.glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                    examples.append(
                        Example(
                            text=str(row["text"]),
                            spam=bool(row["spam"]),
                            medical_claim=bool(row["medical_claim"]),
                            lang=str(row["lang"]),
                            group=str(row["group"]),
                        )
                    )
                except (ValueError, KeyError) as error:
                    raise ValueError(f"{path.name}:{number}: {error}") from error
    return examples


def in_test_split(group: str) -> bool:
    """Whole groups go to one side, so near-paraphrases never straddle train and test."""
    digest = hashlib.sha256(group.encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < TEST_SHARE_PERCENT


def split(examples: Iterable[Example]) -> tuple[list[Example], list[Example]]:
    train: list[Example] = []
    test: list[Example] = []
    for example in examples:
        (test if in_test_split(example.group) else train).append(example)
    return train, test


def data_hash(examples: Iterable[Example]) -> str:
    """A fingerprint of the training data, recorded with each model version."""
    digest = hashlib.sha256()
    for example in examples:
        digest.update(
            json.dumps(
                [example.text, example.spam, example.medical_claim], ensure_ascii=False
            ).encode()
        )
    return digest.hexdigest()
