"""Features: TF-IDF over words (explainable) and character n-grams (robust to misspellings)."""

from __future__ import annotations

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from .normalize import normalize_text

WORDS = "words"
CHARS = "chars"


def build_features() -> FeatureUnion:
    words = TfidfVectorizer(
        preprocessor=normalize_text,
        ngram_range=(1, 2),
        token_pattern=r"(?u)\b\w+\b",
        sublinear_tf=True,
        min_df=1,
    )
    chars = TfidfVectorizer(
        preprocessor=normalize_text,
        analyzer="char_wb",
        ngram_range=(2, 5),
        sublinear_tf=True,
        min_df=2,
    )
    return FeatureUnion([(WORDS, words), (CHARS, chars)])
