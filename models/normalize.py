"""Text normalisation shared by training and scoring, so both see the same tokens.

Spammers hide words from filters: zero-width characters, look-alike letters from
other scripts, full-width forms, l33t digits, s p a c e d or d.o.t.t.e.d letters,
emoji between letters. Folding them lets "k3t4m1n3", "k e t a m i n e" and
"kеtаminе" (Cyrillic е, а) all read "ketamine". Links, emails and phone numbers
become tokens (`urltoken`, `emailtoken`, `phonetoken`) with the domain's words kept,
so "visit cheap-pills.shop" and "visit pubmed.ncbi.nlm.nih.gov" stay distinguishable.
"""

from __future__ import annotations

import re
import unicodedata

#: Cyrillic and Greek letters that look like Latin ones (folded only inside Latin words).
HOMOGLYPHS = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s",
        "ԁ": "d", "ո": "n", "ɡ": "g", "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k",
        "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x",
    }
)  # fmt: skip
LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a",
                      "$": "s", "!": "i", "|": "l", "+": "t"})  # fmt: skip

#: Top-level domains that mark a bare "name.tld" as a link on their own ...
PLAIN_TLDS = (
    "com|net|org|info|biz|xyz|ru|io|shop|store|top|site|online|club|gov|edu|ly|gl|cc|tk|ml|ga"
    "|su|pw|vip|casino|loan|health|clinic"
)
#: ... and those that are also words or typos ("great article.it helped"): links only with a path.
PATH_TLDS = "co|me|to|us|uk|de|es|mx|ar|fr|it|in|cn|eu|ca|au|pro|app|live|link|click|win|bet|br|pl"
URL = re.compile(
    r"(?:(?:https?|hxxps?)://|www\.)[^\s<>\"'\]\[]+"
    rf"|\b(?:[a-z0-9-]+\.)+(?:{PLAIN_TLDS})\b(?:/[^\s<>\"']*)?"
    rf"|\b(?:[a-z0-9-]+\.)+(?:{PATH_TLDS})/[^\s<>\"']*",
    re.IGNORECASE,
)
#: "@" and "." spelled out, in English, Spanish, Portuguese and German ("arroba", "punto").
SPELLED_AT = r"\(at\)|\[at\]|\sat\s|\s?\(arroba\)\s?|\sarroba\s"
SPELLED_DOT = r"\(dot\)|\[dot\]|\sdot\s|\((?:punto|ponto|punkt)\)|\s(?:punto|ponto|punkt)\s"
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
SPELLED_EMAIL = re.compile(
    rf"\b[\w.+-]+\s?(?:{SPELLED_AT})\s?[\w-]+(?:\s?(?:{SPELLED_DOT})\s?[\w-]+)+\b"
)
#: What an email token keeps is the domain: the text after the "@", with its dots restored.
AT_SIGN = re.compile(rf"@|{SPELLED_AT}")
DOT_SIGN = re.compile(rf"\s?(?:{SPELLED_DOT})\s?")
#: Cheap tests (a literal first, which the regex engine scans for quickly) that skip
#: the costly searches on the many comments without a link or an email.
MAYBE_URL = re.compile(rf"\.(?:(?:{PLAIN_TLDS})\b|(?:{PATH_TLDS})/)|://|www\.", re.IGNORECASE)
#: A phone number has digits; l33t has a digit or one of @$!|+ between letters.
DIGIT = re.compile(r"\d")
LEET_CHARACTER = re.compile(r"[0-9@$!|+]")
#: A spelled-out email has a spelled-out dot: rarer in comments than " at ".
MAYBE_SPELLED_EMAIL = re.compile(r"dot|punto|ponto|punkt")
#: Not inside a word, a decimal or a dotted name ("1.5.2", "10.0.0.1"); a full stop after
#: the number ends the sentence ("call her at 720-555-0137.").
PHONE = re.compile(r"(?<![\w.])\+?\(?\d[\d\s().-]{5,}\d(?!\w|\.\w)")
#: "2014-2023" has a phone number's digits, but it is a span of years.
YEAR_SPAN = re.compile(r"(?:19|20)\d\d ?- ?(?:19|20)\d\d")
#: "K e t a m i n e   n a s a l": letters one space apart, words two or more apart. Read
#: before whitespace is collapsed, which would run the words together.
WIDE_SPACED_WORD = re.compile(r"(?<!\S)\w(?: \w)+(?!\S)")
#: "k e t" or "k.e.t" or "k-e-t": three or more single letters, one separator throughout.
SPACED_LETTERS = re.compile(r"\b\w(?: \w){2,}\b|\b\w([.\-_*·•])\w(?:\1\w)+\b")
SPACERS = re.compile(r"[ .\-_*·•]")
LEET_WORD = re.compile(r"\b\w*[a-z][0-9@$!|+]+[a-z][\w@$!|+]*")
NUMBER_WORD = (
    r"(?:zero|one|two|three|four|five|six|seven|eight|nine"
    r"|cero|uno|dos|tres|cuatro|cinco|seis|siete|ocho|nueve)"
)
#: A phone number spelled out to slip past filters ("five five five, zero one..."):
#: seven or more digit words in a row.
SPELLED_PHONE = re.compile(rf"\b{NUMBER_WORD}(?:[\s,.-]+{NUMBER_WORD}){{6,}}\b")
#: A link with its dot spelled out: "vitalroots dot com", "shop (dot) xyz".
SPELLED_URL = re.compile(rf"\b(\w[\w-]*)\s?(?:\(dot\)|\[dot\]|\sdot\s)\s?(?:{PLAIN_TLDS})\b")
REPEATS = re.compile(r"(\w)\1{3,}")
WHITESPACE = re.compile(r"\s+")
#: Unicode's format characters (category Cf): invisible, and used to split words.
INVISIBLE = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f]"
)
HOST_SPLIT = re.compile(r"[.\-_]+")
MIN_PHONE_DIGITS = 7


def normalize_text(text: str) -> str:
    """Fold obfuscation and turn contacts into tokens; the order of the steps matters."""
    text = strip_invisible(unicodedata.normalize("NFKC", text)).casefold()
    if "  " in text and SPACED_LETTERS.search(text):
        text = WIDE_SPACED_WORD.sub(lambda m: m.group(0).replace(" ", ""), text)
    # Any whitespace becomes one space first, so "k\te\tt" joins as "k e t" does.
    text = " ".join(text.split())
    if not text.isascii():  # accents off before letters are joined: "0 0¨0" is "0 0 0"
        decomposed = unicodedata.normalize("NFD", text)
        text = unicodedata.normalize(
            "NFC", "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
        )
    text = SPACED_LETTERS.sub(lambda m: SPACERS.sub("", m.group(0)), text)
    if not text.isascii():
        text = " ".join(map(_fold_word, text.split()))
    if "@" in text:
        text = EMAIL.sub(_email_token, text)
    if MAYBE_SPELLED_EMAIL.search(text):
        text = SPELLED_EMAIL.sub(_email_token, text)
    if MAYBE_URL.search(text):
        text = URL.sub(_url_token, text)
    if "dot" in text:
        text = SPELLED_URL.sub(_spelled_url_token, text)
    if DIGIT.search(text):
        text = PHONE.sub(_phone_token, text)
    text = SPELLED_PHONE.sub(" phonetoken ", text)
    if LEET_CHARACTER.search(text):
        text = LEET_WORD.sub(lambda m: m.group(0).translate(LEET), text)
    text = REPEATS.sub(r"\1\1\1", text)
    # Only single spaces are left since the split and join above, unless tokens added some.
    return (WHITESPACE.sub(" ", text) if "  " in text else text).strip()


def strip_invisible(text: str) -> str:
    """Drop format characters (zero-width spaces, joiners, bidi marks, soft hyphens)."""
    return INVISIBLE.sub("", text)


def _fold_word(word: str) -> str:
    """Homoglyphs inside Latin words, accents, and emoji or symbols wedged between letters."""
    if word.isascii():  # the common case: nothing here to fold
        return word
    # Accents first: "áα" must be seen as Latin ("aα") before the homoglyphs are folded.
    decomposed = unicodedata.normalize("NFD", word)
    word = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    if any("a" <= ch <= "z" for ch in word):
        word = word.translate(HOMOGLYPHS)
    if len(word) > 2:
        inner = "".join(
            ch for ch in word[1:-1] if not unicodedata.category(ch).startswith("S") or ch in "@$|+"
        )
        word = word[0] + inner + word[-1]
    return unicodedata.normalize("NFC", word)


def host_words(host: str) -> str:
    return " ".join(part for part in HOST_SPLIT.split(host.lower()) if part and part != "www")


def _url_token(match: re.Match[str]) -> str:
    url = match.group(0)
    host = re.sub(r"^(?:(?:https?|hxxps?)://)?", "", url).split("/", 1)[0].split(":", 1)[0]
    return f" urltoken {host_words(host)} "


def _spelled_url_token(match: re.Match[str]) -> str:
    # Hyphens and underscores dropped, not split on: split, "k_e_t" would be rejoined
    # as spaced letters by a second pass (normalisation must be idempotent).
    return f" urltoken {match.group(1).replace('-', '').replace('_', '')} "


def _email_token(match: re.Match[str]) -> str:
    domain = DOT_SIGN.sub(".", AT_SIGN.split(match.group(0))[-1])
    return f" emailtoken {host_words(domain)} "


def _phone_token(match: re.Match[str]) -> str:
    digits = sum(ch.isdigit() for ch in match.group(0))
    if digits < MIN_PHONE_DIGITS or YEAR_SPAN.fullmatch(match.group(0)):
        return match.group(0)
    return " phonetoken "
