"""Features shared by both labels: hashed word and character TF-IDF, plus text signals.

- Hashing keeps a saved model small and quick to load (a vocabulary of every n-gram
  is megabytes of JSON in a skops file; a hashed space is a few arrays).
- Text is normalised once per comment (`Prepare`), then read by every feature block.
- Signals are what n-grams cannot see: how many links, contacts, shouting, obfuscation,
  and the hand-written rules of `rules.py`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.base import TransformerMixin
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.pipeline import FeatureUnion
from sklearn.pipeline import Pipeline

from .normalize import normalize_text
from .normalize import strip_invisible
from .rules import RULES
from .rules import link_count

WORDS = "words"
CHARS = "chars"
SIGNALS = "signals"
N_FEATURES = 2**18
WORD_PATTERN = r"(?u)\b\w+\b"
REPEATED_PUNCTUATION = re.compile(r"([!?$€])\1+")


@dataclass(frozen=True)
class Prepared:
    """A comment as every feature block reads it: the raw text and its normalised form."""

    raw: str
    normalized: str


def normalized_of(prepared: Prepared) -> str:
    return prepared.normalized


class Prepare(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """Normalise each text once, keeping the raw text for signals that need it."""

    def fit(self, texts: Iterable[str], y: Any = None) -> Prepare:
        check_texts(texts)
        return self

    def transform(self, texts: Iterable[str]) -> list[Prepared]:
        return [Prepared(text, normalize_text(text)) for text in check_texts(texts)]


class TextSignals(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """Counts and ratios scaled to about [0, 1], then one column per rule of `rules.py`."""

    NAMES = (
        "links",
        "distinct domains",
        "length",
        "caps ratio",
        "digit ratio",
        "non-latin ratio",
        "repeated punctuation",
        "invisible characters",
        "obfuscated words",
    ) + tuple(rule.name for rule in RULES)

    def fit(self, prepared: Sequence[Prepared], y: Any = None) -> TextSignals:
        self.n_features_out_ = len(self.NAMES)
        return self

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.array(self.NAMES, dtype=object)

    def transform(self, prepared: Sequence[Prepared]) -> sp.csr_matrix:
        rows = [self.signals(item) for item in prepared]
        return sp.csr_matrix(np.array(rows, dtype=np.float64).reshape(len(rows), len(self.NAMES)))

    @staticmethod
    def signals(item: Prepared) -> list[float]:
        raw, normalized = item.raw, item.normalized
        letters = [ch for ch in raw if ch.isalpha()]
        n_letters = max(len(letters), 1)
        links = link_count(normalized)
        raw_words = raw.split()
        values = [
            min(links, 5) / 5,
            min(len(set(re.findall(r"urltoken (\S+ \S+)", normalized))), 3) / 3,
            min(math.log1p(len(raw)) / math.log1p(5000), 1.0),
            sum(ch.isupper() for ch in letters) / n_letters,
            sum(ch.isdigit() for ch in raw) / max(len(raw), 1),
            sum(not _is_latin(ch) for ch in letters) / n_letters,
            min(len(REPEATED_PUNCTUATION.findall(raw)), 5) / 5,
            float(len(strip_invisible(raw)) != len(raw)),
            min(sum(_looks_obfuscated(word) for word in raw_words), 5) / 5,
        ]
        values.extend(float(rule.matches(normalized)) for rule in RULES)
        return values


def check_texts(texts: Iterable[str]) -> list[str]:
    """Scikit-learn style input validation for text transformers."""
    if isinstance(texts, str):
        raise ValueError("expected an iterable of texts, got a single string")
    texts = list(texts)
    for text in texts:
        if not isinstance(text, str):
            raise TypeError(f"expected str, got {type(text).__name__}")
    return texts


def _is_latin(ch: str) -> bool:
    return ch.isascii() or "LATIN" in unicodedata.name(ch, "")


def _looks_obfuscated(word: str) -> bool:
    """Letters mixed with digits or symbols inside a word, or letters from mixed scripts."""
    letters = [ch for ch in word if ch.isalpha()]
    if len(letters) < 2:
        return False
    scripts = {_is_latin(ch) for ch in letters}
    inner = word[1:-1]
    mixed = any(ch.isdigit() or ch in "@$|" for ch in inner) and any(ch.isalpha() for ch in inner)
    return len(scripts) > 1 or (mixed and not word[0].isdigit())


def hashed_tfidf(**vectorizer_params: Any) -> Pipeline:
    hashing = HashingVectorizer(
        preprocessor=normalized_of,
        lowercase=False,
        n_features=N_FEATURES,
        alternate_sign=False,
        norm=None,
        **vectorizer_params,
    )
    return Pipeline([("hash", hashing), ("tfidf", TfidfTransformer(sublinear_tf=True))])


def build_features() -> Pipeline:
    """Raw texts in, one sparse row per text out; fitted once, shared by both labels."""
    union = FeatureUnion(
        [
            (WORDS, hashed_tfidf(ngram_range=(1, 2), token_pattern=WORD_PATTERN)),
            (CHARS, hashed_tfidf(analyzer="char_wb", ngram_range=(2, 5))),
            (SIGNALS, TextSignals()),
        ]
    )
    return Pipeline([("prepare", Prepare()), ("union", union)])


def word_block(features: Pipeline) -> Pipeline:
    return dict(features.named_steps["union"].transformer_list)[WORDS]


def word_terms(features: Pipeline, prepared: Prepared) -> list[str]:
    """The word n-grams of one comment, as the word block sees them."""
    return sorted(set(word_block(features).named_steps["hash"].build_analyzer()(prepared)))


def word_indices(features: Pipeline, terms: list[str]) -> list[int]:
    """The hashed column of each word n-gram (words come first in the union's output)."""
    hashing: HashingVectorizer = word_block(features).named_steps["hash"]
    lookup = HashingVectorizer(
        n_features=hashing.n_features, alternate_sign=False, norm=None, analyzer=_as_is
    )
    matrix = lookup.transform([[term] for term in terms])
    return [int(matrix.indices[row]) for row in range(len(terms))]


def _as_is(terms: list[str]) -> list[str]:
    return terms
