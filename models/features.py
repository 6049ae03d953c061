"""Features: hashed TF-IDF over words (explainable) and character n-grams (robust to misspellings).

Hashing keeps a saved model small and quick to load: a vocabulary of every n-gram
seen in training is megabytes of JSON in a skops file, a hashed space is a few arrays.
"""

from __future__ import annotations

from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.pipeline import FeatureUnion
from sklearn.pipeline import Pipeline

from .normalize import normalize_text

WORDS = "words"
CHARS = "chars"
N_FEATURES = 2**18
WORD_PATTERN = r"(?u)\b\w+\b"


def hashed_tfidf(**vectorizer_params: object) -> Pipeline:
    hashing = HashingVectorizer(
        preprocessor=normalize_text,
        n_features=N_FEATURES,
        alternate_sign=False,
        norm=None,
        **vectorizer_params,
    )
    return Pipeline([("hash", hashing), ("tfidf", TfidfTransformer(sublinear_tf=True))])


def build_features() -> FeatureUnion:
    return FeatureUnion(
        [
            (WORDS, hashed_tfidf(ngram_range=(1, 2), token_pattern=WORD_PATTERN)),
            (CHARS, hashed_tfidf(analyzer="char_wb", ngram_range=(2, 5))),
        ]
    )


def word_indices(words: Pipeline, terms: list[str]) -> list[int]:
    """The hashed column of each word n-gram, as the fitted word features place it."""
    hashing: HashingVectorizer = words.named_steps["hash"]
    lookup = HashingVectorizer(
        n_features=hashing.n_features, alternate_sign=False, norm=None, analyzer=_as_is
    )
    matrix = lookup.transform([[term] for term in terms])
    return [int(matrix.indices[row]) for row in range(len(terms))]


def _as_is(terms: list[str]) -> list[str]:
    return terms
