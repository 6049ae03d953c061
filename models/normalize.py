"""Text normalisation shared by training and scoring, so both see the same tokens.

Spammers hide words with zero-width characters, look-alike letters from other
scripts and full-width forms; folding them lets "kеtаminе" (Cyrillic е, а) match
"ketamine".
"""

from __future__ import annotations

import re
import unicodedata

ZERO_WIDTH = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"))
#: Cyrillic and Greek letters that look like Latin ones.
HOMOGLYPHS = str.maketrans(
    {
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "х": "x",
        "у": "y",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "ո": "n",
        "к": "k",
        "м": "m",
        "т": "t",
        "в": "b",
        "н": "h",
        "ο": "o",
        "α": "a",
        "ε": "e",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "τ": "t",
        "ρ": "p",
    }
)
URL = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|net|org|xyz|biz|info|ru|io|co|shop|top|site|online|example)\b\S*"
)
WHITESPACE = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Fold case, compatibility forms, invisible characters and look-alike letters."""
    text = unicodedata.normalize("NFKC", text).translate(ZERO_WIDTH).casefold()
    text = text.translate(HOMOGLYPHS)
    text = URL.sub(lambda match: f" urltoken {match.group(0)} ", text)
    return WHITESPACE.sub(" ", text).strip()
