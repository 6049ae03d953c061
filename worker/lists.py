"""Admin-managed lists compiled for one-pass matching: Aho-Corasick for words, sets for hosts.

A list of 10,000 words must not cost 10,000 searches per comment. Words go into one
Aho-Corasick automaton (pyahocorasick), which finds every listed word or phrase in a
single scan of the normalised text, whatever the list's length; a match counts only
on word boundaries. Domains are matched by looking each link host and its parent
domains up in a set. Building is the (small) one-time cost: the worker caches the
result until an admin changes a list (see `policy_data`).
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import ahocorasick

from models.normalize import URL
from models.normalize import normalize_text
from service.db import ListKind
from service.policy import normalize_host


def normalize_word(word: str) -> str:
    """An entry as the comment text is normalised, so "K3tamine" matches "ketamine"."""
    return normalize_text(word)


def link_hosts(text: str, website: str | None = None) -> list[str]:
    """Hosts of the links in the text, and of the website field when there is one."""
    hosts = [normalize_host(match.group(0)) for match in URL.finditer(text)]
    if website:
        hosts.append(normalize_host(website))
    return [host for host in hosts if host]


def is_word_char(char: str) -> bool:
    """What `\\w` matches: a listed "cure" is not found inside "secure" or "cure_all"."""
    return char.isalnum() or char == "_"


@dataclass(frozen=True)
class WordList:
    """Whole words and phrases, matched on normalised text in one pass."""

    #: An `ahocorasick.Automaton` whose values are the entries as the admin typed them.
    automaton: Any

    @classmethod
    def build(cls, values: Iterable[str]) -> WordList:
        automaton = ahocorasick.Automaton()
        for value in values:
            normalized = normalize_word(value)
            if normalized and normalized not in automaton:
                automaton.add_word(normalized, (len(normalized), value))
        if len(automaton) == 0:
            return cls(None)
        automaton.make_automaton()
        return cls(automaton)

    def __bool__(self) -> bool:
        """Whether the list has any entry (an empty one needs no normalised text)."""
        return self.automaton is not None

    def find(self, normalized_text: str) -> list[str]:
        """The entries present as whole words, in order of where they end, each once."""
        if self.automaton is None:
            return []
        found: dict[str, None] = {}
        last = len(normalized_text) - 1
        for end, (length, value) in self.automaton.iter(normalized_text):
            start = end - length + 1
            if start > 0 and is_word_char(normalized_text[start - 1]):
                continue
            if end < last and is_word_char(normalized_text[end + 1]):
                continue
            found[value] = None
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
