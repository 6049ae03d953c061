"""The moderation mode and the admin-managed lists: cleaning entries and editing them.

The worker applies them (`worker/policy.py`); this side only stores them. Every list
edit gives the settings row a fresh `lists_version`, which is how workers learn, with
one cheap read per comment, that their compiled matcher is stale.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa
from email_validator import EmailNotValidError
from email_validator import validate_email

from .db import ListEntry
from .db import ListKind
from .db import ModerationMode
from .db import PolicySettings
from .db import db
from .db import utcnow
from .identity import hash_ip

SETTINGS_ID = 1
VALUE_MAX = 254
SCHEME = re.compile(r"^(?:(?:https?|hxxps?)://)?", re.IGNORECASE)
#: One label of a host name: letters (any script), digits, inner hyphens.
LABEL = r"[^\W_](?:[\w-]*[^\W_])?"
HOST = re.compile(rf"^{LABEL}(?:\.{LABEL})+$")
IP_HASH = re.compile(r"^[0-9a-f]{32}$")

MODE_LABELS = {
    ModerationMode.FLAGGED_ONLY: "Flagged only: clean comments publish at once",
    ModerationMode.PREMODERATE_ALL: "Pre-moderate all: every comment waits for a moderator",
    ModerationMode.PREMODERATE_FIRST: "Pre-moderate new commenters: their first comment waits",
    ModerationMode.SHADOW: "Shadow: everything publishes; the model's verdict is only recorded",
}
LIST_LABELS = {
    ListKind.TRUSTED_EMAIL: "Trusted emails",
    ListKind.BLOCKED_EMAIL: "Blocked emails",
    ListKind.BLOCKED_IP: "Blocked IP addresses (stored as hashes)",
    ListKind.BLOCKED_WORD: "Blocked words",
    ListKind.BLOCKED_DOMAIN: "Blocked domains",
    ListKind.WATCHED_WORD: "Watched words",
    ListKind.WATCHED_DOMAIN: "Watched domains",
}


class InvalidEntry(ValueError):
    """A line that is not a valid entry for its list; the message says why."""


def normalize_host(value: str) -> str:
    """ "https://WWW.Cheap-K.example:443/x" -> "cheap-k.example" (shared with the worker)."""
    host = SCHEME.sub("", value.strip().casefold()).split("/", 1)[0].split("?", 1)[0]
    host = host.rsplit("@", 1)[-1].split(":", 1)[0].strip(".")
    return host.removeprefix("www.")


def clean_entry(kind: ListKind, raw: str) -> str:
    """The stored form of one entry: emails and domains lower-case, IP addresses hashed.

    :raise InvalidEntry: the value cannot be an entry of this list.
    """
    value = " ".join(raw.split())
    if not value:
        raise InvalidEntry("empty")
    if kind in (ListKind.TRUSTED_EMAIL, ListKind.BLOCKED_EMAIL):
        try:
            value = validate_email(value, check_deliverability=False).normalized.casefold()
        except EmailNotValidError as error:
            raise InvalidEntry(f"{raw.strip()!r} is not an email address") from error
    elif kind is ListKind.BLOCKED_IP:
        value = ip_entry(value)
    elif kind in (ListKind.BLOCKED_DOMAIN, ListKind.WATCHED_DOMAIN):
        value = normalize_host(value)
        if "." not in value or not HOST.match(value):
            raise InvalidEntry(f"{raw.strip()!r} is not a domain")
    if len(value) > VALUE_MAX:
        raise InvalidEntry(f"longer than {VALUE_MAX} characters")
    return value


def ip_entry(value: str) -> str:
    """An IP address becomes the hash comments store; a hash from the queue is kept."""
    try:
        return hash_ip(str(ipaddress.ip_address(value)))
    except ValueError:
        pass
    if IP_HASH.match(value.lower()):
        return value.lower()
    raise InvalidEntry(f"{value!r} is neither an IP address nor an IP hash")


def settings() -> PolicySettings:
    """The settings row, created with the defaults on first use (flushed, not committed)."""
    row = db.session.get(PolicySettings, SETTINGS_ID)
    if row is None:
        row = PolicySettings(
            id=SETTINGS_ID, mode=ModerationMode.FLAGGED_ONLY, lists_version=uuid.uuid4().hex
        )
        db.session.add(row)
        db.session.flush()
    return row


def current_mode() -> ModerationMode:
    row = db.session.get(PolicySettings, SETTINGS_ID)
    return row.mode if row else ModerationMode.FLAGGED_ONLY


def set_mode(mode: ModerationMode, by: str) -> None:
    row = settings()
    row.mode = mode
    row.updated_at = utcnow()
    row.updated_by = by


def lists_changed(by: str) -> None:
    """Tell the workers to recompile: a random version cannot repeat across databases."""
    row = settings()
    row.lists_version = uuid.uuid4().hex
    row.updated_at = utcnow()
    row.updated_by = by


@dataclass
class AddResult:
    added: int = 0
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)


def add_entries(kind: ListKind, lines: Iterable[str], by: str) -> AddResult:
    """Add one entry per line; blank lines are skipped, existing entries counted, not repeated."""
    result = AddResult()
    wanted: dict[str, None] = {}
    for line in lines:
        if not line.strip():
            continue
        try:
            wanted[clean_entry(kind, line)] = None
        except InvalidEntry as error:
            result.errors.append(str(error))
    existing: set[str] = set()
    values = list(wanted)
    for start in range(0, len(values), 500):  # bounded IN lists
        chunk = values[start : start + 500]
        existing |= set(
            db.session.scalars(
                sa.select(ListEntry.value).where(ListEntry.kind == kind, ListEntry.value.in_(chunk))
            )
        )
    new = [value for value in values if value not in existing]
    db.session.add_all(ListEntry(kind=kind, value=value, created_by=by) for value in new)
    result.added, result.duplicates = len(new), len(values) - len(new)
    if new:
        lists_changed(by)
    return result


def remove_entry(entry_id: int, by: str) -> ListEntry | None:
    entry = db.session.get(ListEntry, entry_id)
    if entry is not None:
        db.session.delete(entry)
        lists_changed(by)
    return entry


def counts() -> dict[ListKind, int]:
    rows = db.session.execute(
        sa.select(ListEntry.kind, sa.func.count()).group_by(ListEntry.kind)
    ).all()
    found = {kind: number for kind, number in rows}
    return {kind: found.get(kind, 0) for kind in ListKind}
