"""The scoring fast path: prepared comments to feature rows, whole batches at a time.

`features.build_features()` is what training fits; scikit-learn's transform of it
costs more in per-call checks and sparse-matrix copies (one per block) than in
arithmetic. `Encoder` reads the fitted blocks once and then computes the same rows
(a test checks they agree) with one hashing call per block and plain numpy for
TF-IDF over the whole batch, building a single sparse matrix at the end. It also
keeps each comment's word n-grams with their columns, which the explanations need.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from functools import partial
from itertools import repeat
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction._hashing_fast import transform as hashing_transform
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.pipeline import Pipeline

from .features import SIGNALS
from .features import WORDS
from .features import Prepared
from .features import TextSignals
from .features import normalized_of

#: Distinct words whose character n-grams are kept: comments reuse most of their words.
WORD_CACHE = 50_000


@dataclass(frozen=True)
class TextBlock:
    """One fitted hashed TF-IDF block, reduced to what its arithmetic reads."""

    name: str
    offset: int
    n_features: int
    analyzer: Callable[[Prepared], list[str]]
    idf: np.ndarray | None
    sublinear_tf: bool
    weight: float
    #: For character n-grams: a word's hashed columns (cached), instead of its n-grams.
    word_columns: Callable[[str], np.ndarray] | None = None

    @classmethod
    def of(cls, name: str, block: Pipeline, offset: int, weight: float) -> TextBlock:
        hashing: HashingVectorizer = block.named_steps["hash"]
        tfidf: TfidfTransformer = block.named_steps["tfidf"]
        if hashing.alternate_sign or hashing.norm is not None or tfidf.norm != "l2":
            raise ValueError(f"block {name!r}: unsupported hashing or TF-IDF settings")
        fast = _fast_analyzer(hashing)
        return cls(
            name=name,
            offset=offset,
            n_features=hashing.n_features,
            analyzer=fast or hashing.build_analyzer(),
            idf=tfidf.idf_ if tfidf.use_idf else None,
            sublinear_tf=tfidf.sublinear_tf,
            weight=weight,
            word_columns=_cached_word_columns(hashing) if fast is not None else None,
        )


def _fast_analyzer(hashing: HashingVectorizer) -> Callable[[Prepared], list[str]] | None:
    """scikit-learn's analyzer for the settings training uses, with less Python per n-gram.

    Its `char_wb` analyzer loops over every n-gram of every word in Python, the costliest
    step of scoring: here each word's n-grams are computed once and cached (comments
    reuse their words). Word unigrams and bigrams come from one list comprehension.
    Tests check both give what scikit-learn gives; None for any other settings.
    """
    plain = hashing.lowercase is False and hashing.strip_accents is None
    if hashing.preprocessor is not normalized_of or not plain:
        return None
    if hashing.analyzer == "char_wb":
        low, high = hashing.ngram_range
        return partial(_char_wb_ngrams, word_ngrams=lru_cache(WORD_CACHE)(partial(_wb, low, high)))
    simple = hashing.stop_words is None and hashing.tokenizer is None
    if hashing.analyzer == "word" and simple and tuple(hashing.ngram_range) == (1, 2):
        return partial(_words_and_pairs, tokens=re.compile(hashing.token_pattern).findall)
    return None


def _cached_word_columns(hashing: HashingVectorizer) -> Callable[[str], np.ndarray] | None:
    """For `char_wb` (with the settings `_fast_analyzer` takes), a word's hashed n-gram
    columns, cached: hashing the same words' n-grams again for every comment was a sixth
    of scoring's time. The n-grams of a comment are its words' n-grams, so the columns
    are too (tests compare the rows)."""
    if hashing.analyzer != "char_wb":
        return None
    low, high = hashing.ngram_range
    return lru_cache(WORD_CACHE)(partial(_hashed_wb, low, high, hashing.n_features))


def _hashed_wb(low: int, high: int, n_features: int, word: str) -> np.ndarray:
    pairs = [zip(_wb(low, high, word), repeat(1))]
    indices, _, _ = hashing_transform(pairs, n_features, np.float64, False, 0)
    return np.asarray(indices, dtype=np.int64)


def _words_and_pairs(prepared: Prepared, tokens: Callable[[str], list[str]]) -> list[str]:
    words = tokens(prepared.normalized)
    return words + [f"{first} {second}" for first, second in zip(words, words[1:], strict=False)]


def _char_wb_ngrams(prepared: Prepared, word_ngrams: Callable[[str], tuple[str, ...]]) -> list[str]:
    ngrams: list[str] = []
    for word in prepared.normalized.split():
        ngrams.extend(word_ngrams(word))
    return ngrams


def _wb(low: int, high: int, word: str) -> tuple[str, ...]:
    """The n-grams of " word " as `VectorizerMixin._char_wb_ngrams` lists them."""
    padded = f" {word} "
    size = len(padded)
    ngrams: list[str] = []
    for n in range(low, high + 1):
        if size <= n:  # a short word counts once, whole
            ngrams.append(padded)
            break
        ngrams.extend([padded[i : i + n] for i in range(size - n + 1)])
    return tuple(ngrams)


@dataclass(frozen=True)
class Encoded:
    """Feature rows of a batch (CSR arrays, sorted by column within each row), and each
    comment's distinct word n-grams with their columns, for the explanations."""

    values: np.ndarray
    columns: np.ndarray
    indptr: np.ndarray
    width: int
    terms: list[list[str]]
    term_columns: list[np.ndarray]

    @property
    def matrix(self) -> sp.csr_matrix:
        return sp.csr_matrix((self.values, self.columns, self.indptr), shape=self.shape)

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.indptr) - 1, self.width)

    def dot(self, weights: np.ndarray) -> np.ndarray:
        """rows @ weights (n_features, k); one comment skips building a sparse matrix."""
        if len(self.indptr) == 2:
            return np.asarray(self.values @ weights[self.columns])[None, :]
        return np.asarray(self.matrix @ weights)

    def term_values(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For every comment's word n-grams, flattened in order: the comment's row, the
        n-gram's column, and its TF-IDF value in that row (one search for the batch)."""
        lengths = np.fromiter(map(len, self.term_columns), np.int64, len(self.term_columns))
        owners = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
        columns = np.concatenate(self.term_columns) if len(lengths) else np.empty(0, np.int64)
        # Rows' columns are sorted, so row * width + column is sorted over the whole batch.
        rows = np.repeat(np.arange(len(self.indptr) - 1, dtype=np.int64), np.diff(self.indptr))
        keys = rows * self.width + self.columns
        found = np.searchsorted(keys, owners * self.width + columns)
        return owners, columns, self.values[found]


class Encoder:
    """Computes `features.named_steps["union"].transform(prepared)` without its overhead.

    Every entry of the batch gets one integer key, row * width + column, so a single
    sort orders the whole batch as a CSR matrix wants it and sums hash collisions.
    """

    def __init__(self, features: Pipeline) -> None:
        union = features.named_steps["union"]
        weights = union.transformer_weights or {}
        self.blocks: list[TextBlock] = []
        self.signals: TextSignals | None = None
        self.signals_offset = 0
        scale: list[np.ndarray] = []  # per column: idf times block weight
        offset = 0
        for name, block in union.transformer_list:
            weight = float(weights.get(name, 1.0))
            if name == SIGNALS:
                self.signals, self.signals_offset = block, offset
                scale.append(np.full(len(TextSignals.NAMES), weight))
                offset += len(TextSignals.NAMES)
                continue
            text = TextBlock.of(name, block, offset, weight)
            if self.signals is not None or not text.sublinear_tf:
                raise ValueError("expected sublinear TF-IDF blocks first, then the signals")
            self.blocks.append(text)
            idf = text.idf if text.idf is not None else np.ones(text.n_features)
            scale.append(idf * weight)
            offset += text.n_features
        self.width = offset
        self.text_width = sum(block.n_features for block in self.blocks)
        self.scale = np.concatenate(scale)
        self.block_starts = np.array([block.offset for block in self.blocks], dtype=np.int64)

    def encode(self, prepared: Sequence[Prepared]) -> Encoded:
        n_rows = len(prepared)
        keys: list[np.ndarray] = []
        counts: list[np.ndarray] = []
        terms: list[list[str]] = [[] for _ in prepared]
        term_columns: list[np.ndarray] = [np.empty(0, dtype=np.int64) for _ in prepared]
        for block in self.blocks:
            if block.word_columns is not None:  # hashed per word, cached: no strings here
                words = [item.normalized.split() for item in prepared]
                flat = [block.word_columns(word) for item in words for word in item]
                columns = np.concatenate(flat) if flat else np.empty(0, dtype=np.int64)
                word_rows = np.repeat(np.arange(n_rows, dtype=np.int64), list(map(len, words)))
                rows = np.repeat(word_rows, np.fromiter(map(len, flat), np.int64, len(flat)))
                keys.append(rows * self.width + columns + block.offset)
                counts.append(np.ones(len(columns)))
                continue
            if block.name == WORDS:  # distinct n-grams, which the explanations read
                counters = [Counter(block.analyzer(item)) for item in prepared]
                pairs: list[Any] = [counter.items() for counter in counters]
            else:  # every n-gram with a count of one: the sort below adds them up
                pairs = [zip(block.analyzer(item), repeat(1)) for item in prepared]
            indices, indptr, data = hashing_transform(pairs, block.n_features, np.float64, False, 0)
            columns = indices.astype(np.int64) + block.offset
            if block.name == WORDS:
                terms = [list(counter) for counter in counters]
                term_columns = np.split(columns, indptr[1:-1])
            rows = np.repeat(np.arange(n_rows, dtype=np.int64), np.diff(indptr))
            keys.append(rows * self.width + columns)
            counts.append(data)
        if self.signals is not None:
            dense = np.array([self.signals.signals(item) for item in prepared], dtype=np.float64)
            dense = dense.reshape(n_rows, len(TextSignals.NAMES))
            rows, columns = np.nonzero(dense)
            keys.append(rows * self.width + columns + self.signals_offset)
            counts.append(dense[rows, columns])
        unique, inverse = np.unique(np.concatenate(keys), return_inverse=True)
        values = np.bincount(inverse, np.concatenate(counts), len(unique)).astype(np.float64)
        rows, columns = np.divmod(unique, self.width)
        text = columns < self.text_width
        values[text] = np.log(values[text]) + 1.0  # sublinear TF
        values *= self.scale[columns]
        # L2-normalise each text block of each row (the signals are not normalised).
        block_of = np.searchsorted(self.block_starts, columns[text], side="right") - 1
        group = rows[text] * len(self.blocks) + block_of
        norms = np.sqrt(np.bincount(group, weights=values[text] ** 2))
        norms[norms == 0] = 1.0
        values[text] /= norms[group]
        indptr = np.searchsorted(rows, np.arange(n_rows + 1))
        return Encoded(values, columns, indptr, self.width, terms, term_columns)


def transform_prepared(features: Pipeline, prepared: Sequence[Prepared]) -> sp.csr_matrix:
    """The union's output for prepared texts (for tests and one-off use: builds an Encoder)."""
    return Encoder(features).encode(prepared).matrix
