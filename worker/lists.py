"""Admin-managed lists compiled for one-pass matching: a trie regex for words, sets for hosts.

A list of 10,000 words must not cost 10,000 searches per comment. Words become one
regular expression shaped like a prefix tree ("ket(?:amine|o)"), so the engine walks a
single branch at each position of the normalised text, whatever the list's length.
Domains are matched by looking each link host and its parent domains up in a set.
Compiling is the expensive part: the worker caches the result (see `policy_data`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field

from models.normalize import URL
from models.normalize import normalize_text
from service.db import ListKind
from service.policy import normalize_host

#: A trie node's key that marks "a word ends here".
END = ""


def normalize_word(word: str) -> str:
    """An entry as the comment text is normalised, so "K3tamine" matches "ketamine"."""
    return normalize_text(word)


def link_hosts(text: str, website: str | None = None) -> list[str]:
    """Hosts of the links in the text, and of the website field when there is one."""
    hosts = [normalize_host(match.group(0)) for match in URL.finditer(text)]
    if website:
        hosts.append(normalize_host(website))
    return [host for host in hosts if host]


def trie_pattern(words: Iterable[str]) -> str:
    """One regex alternation shaped like a prefix tree of `words` (no backtracking blow-up)."""
    root: dict[str, dict] = {}  # type: ignore[type-arg]
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[END] = {}
    return _node_pattern(root)


def _node_pattern(node: dict[str, dict]) -> str:  # type: ignore[type-arg]
    optional = END in node
    branches = [re.escape(char) + _node_pattern(child) for char, child in sorted(node.items())
                if char != END]  # fmt: skip
    if not branches:
        return ""
    if len(branches) == 1 and not optional:
        return branches[0]
    body = "(?:" + "|".join(branches) + ")"
    return body + "?" if optional else body


@dataclass(frozen=True)
class WordList:
    """Whole words and phrases, matched on normalised text in one pass."""

    pattern: re.Pattern[str] | None
    #: The normalised form back to the entry as the admin typed it, for the reason shown.
    entries: Mapping[str, str]

    @classmethod
    def build(cls, values: Iterable[str]) -> WordList:
        entries: dict[str, str] = {}
        for value in values:
            normalized = normalize_word(value)
            if normalized:
                entries.setdefault(normalized, value)
        if not entries:
            return cls(None, {})
        pattern = re.compile(r"(?<!\w)(?:" + trie_pattern(entries) + r")(?!\w)")
        return cls(pattern, entries)

    def find(self, normalized_text: str) -> list[str]:
        """The entries present in the text, in order of appearance, each once."""
        if self.pattern is None:
            return []
        found = dict.fromkeys(
            self.entries[m.group(0)] for m in self.pattern.finditer(normalized_text)
        )
        return list(found)


@dataclass(frozen=True)
class DomainList:
    """Domains; a listed domain also covers its subdomains."""

    domains: frozenset[str]

    @classmethod
    def build(cls, values: Iterable[str]) -> DomainList:
        return cls(frozenset(host for host in map(normalize_host, values) if host))

    def find(self, hosts: Iterable[str]) -> list[str]:
        found: dict[str, None] = {}
        for host in hosts:
            labels = host.split(".")
            for start in range(len(labels)):
                candidate = ".".join(labels[start:])
                if candidate in self.domains:
                    found[candidate] = None
                    break
        return list(found)


@dataclass(frozen=True)
class Lists:
    """Every list, compiled once and shared by all the comments until a list changes."""

    trusted_emails: frozenset[str] = frozenset()
    blocked_emails: frozenset[str] = frozenset()
    blocked_ips: frozenset[str] = frozenset()
    blocked_words: WordList = field(default_factory=lambda: WordList.build([]))
    watched_words: WordList = field(default_factory=lambda: WordList.build([]))
    blocked_domains: DomainList = field(default_factory=lambda: DomainList.build([]))
    watched_domains: DomainList = field(default_factory=lambda: DomainList.build([]))

    @classmethod
    def build(cls, entries: Mapping[ListKind, Iterable[str]]) -> Lists:
        def values(kind: ListKind) -> list[str]:
            return list(entries.get(kind, ()))

        return cls(
            trusted_emails=frozenset(v.casefold() for v in values(ListKind.TRUSTED_EMAIL)),
            blocked_emails=frozenset(v.casefold() for v in values(ListKind.BLOCKED_EMAIL)),
            blocked_ips=frozenset(v.casefold() for v in values(ListKind.BLOCKED_IP)),
            blocked_words=WordList.build(values(ListKind.BLOCKED_WORD)),
            watched_words=WordList.build(values(ListKind.WATCHED_WORD)),
            blocked_domains=DomainList.build(values(ListKind.BLOCKED_DOMAIN)),
            watched_domains=DomainList.build(values(ListKind.WATCHED_DOMAIN)),
        )
