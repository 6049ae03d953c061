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
import string
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
from sklearn.utils import murmurhash3_32

from .normalize import PATH_TLDS
from .normalize import URL
from .normalize import normalize_text
from .normalize import strip_invisible
from .rules import COUNTER_EVIDENCE
from .rules import RULES
from .rules import Rule
from .rules import link_count
from .rules import rule_hits

WORDS = "words"
CHARS = "chars"
SIGNALS = "signals"
N_FEATURES = 2**18
#: The signal columns' weight beside the two TF-IDF blocks (each an L2-normalised row):
#: a comment matches several rules at once, so at full weight the signals outweigh the
#: text. Chosen by grouped cross-validation on the train split (spam F1 .89 -> .92 at
#: precision .98, claims unchanged).
SIGNAL_WEIGHT = 0.3
#: A claim rule met together with counter-evidence is worth this much in its own column
#: (before the signal weight): grouped cross-validation on the train split, claim precision
#: at recall .95: 0 (no pair columns) .844, 1 .853, 2 .864, 3 .874, 5 .864.
PAIR_VALUE = 3.0
WORD_PATTERN = r"(?u)\b\w+\b"
#: Character n-grams inside word boundaries: 3-4 scores as well as 3-5 in grouped
#: cross-validation on the train split and costs a third less to compute.
CHAR_NGRAMS = (3, 4)
REPEATED_PUNCTUATION = re.compile(r"([!?$€])\1+")
DOMAIN = re.compile(r"urltoken (\S+ \S+)")
_OTHER_SCRIPTS = (
    "\u0370-\u03ff\u0400-\u04ff\u0530-\u058f\u0590-\u05ff\u0600-\u06ff\u0e00-\u0e7f"
    "\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af"
)
NON_LATIN_LETTER = re.compile(f"[{_OTHER_SCRIPTS}]")
#: A Latin letter beside a look-alike from another script, or digits/symbols between letters.
OBFUSCATED = re.compile(
    f"[a-zA-Z][{_OTHER_SCRIPTS}]|[{_OTHER_SCRIPTS}][a-zA-Z]|[a-zA-Z][0-9@$|]+[a-zA-Z]"
)
#: OBFUSCATED's only alternative that ASCII text can match (the others need another script).
OBFUSCATED_ASCII = re.compile(r"[a-zA-Z][0-9@$|]+[a-zA-Z]")
ASCII_LETTERS = string.ascii_letters.encode()
ASCII_UPPER = string.ascii_uppercase.encode()
ASCII_DIGITS = string.digits.encode()

#: Where a link points says more than that there is one: health agencies, journals and
#: PubMed are what readers cite; cheap and country TLDs, shorteners and hosted pages are
#: what ads use. Grouped cross-validation on the train split: the five domain columns
#: below, spam recall at precision .98 .852 -> .881 (mean of four fold splits).
TRUSTED_HOST = re.compile(
    r"(?:\.gov|\.gob|\.edu|\.int|\.mil|\.nhs\.uk|pubmed|ncbi|nih\.|cochrane|clinicaltrials"
    r"|cdc\.|mayoclinic|clevelandclinic|hopkins|harvard|medlineplus|fda\.|ema\.europa"
    r"|nice\.org|scielo|nejm|jamanetwork|thelancet|bmj\.|nature\.com|sciencedirect"
    r"|springer|wiley|frontiersin|plos)"
)
CHEAP_TLD = re.compile(
    r"\.(?:shop|top|xyz|biz|store|online|site|club|vip|info|ru|tk|ml|ga|pw|su|casino|loan"
    r"|bet|win|click|link|live|app|pro|tv|cc|ly|me|co|mx|es|it|de|br|in|cn|vn|at)$"
)
SHORTENER = re.compile(
    r"^(?:bit\.ly|tinyurl|shorturl|t\.co|goo\.gl|cutt\.ly|is\.gd|rebrand\.ly|ow\.ly|tiny\.cc"
    r"|rb\.gy|s\.id)"
)
HOSTED_PAGE = re.compile(
    r"(?:facebook|fb\.com|instagram|youtube|youtu\.be|t\.me|wa\.me|tiktok|linktr\.ee"
    r"|wordpress|blogspot|docs\.google|medium\.com|substack|spotify|amazon|etsy|patreon|gumroad)"
)
#: "ozonovida.es" closing an ad: a country TLD without a path is no link to `normalize.py`
#: ("great article.it helped"), but at the very end of a comment it is one.
BARE_DOMAIN = re.compile(rf"[a-z0-9][a-z0-9-]{{2,}}\.(?:{PATH_TLDS})")
URL_SCHEME = re.compile(r"^(?:(?:https?|hxxps?)://)?(?:www\.)?")
#: Bot flattery is praise of the post in full sentences that names nothing: the share
#: of praise words and of words about the post, and the number of sentences, let the
#: linear model weigh how much of a comment is praise (cross-validated on the train
#: split: spam recall at precision .98 .881 -> .890 beside the domain columns, claim
#: precision .869 -> .872; yes/no columns for "praise that names nothing" did not help).
PRAISE_WORDS = frozenset(
    "great awesome excellent amazing wonderful fantastic brilliant superb informative"
    " valuable impressed impressive love loved lovely thx gracias excelente felicidades"
    " felicitaciones felicito genial increible favoritos sharing share bravo parabens nice"
    " good beautiful insightful refreshing gift gem pleasure bendiciones fascinating"
    " interesting interesante useful util helpful perfect perfecto best outstanding"
    " remarkable captivating quality calidad wow kudos grateful top solid clear clara claro"
    " completo muy"
    # Word forms, not stems: set look-ups run in C, a startswith per word would not.
    " enjoy enjoyed enjoying enjoyable thank thanks thanked thankful thanking buen buena"
    " bueno buenas buenos bookmark bookmarked bookmarking compartir comparto compartido"
    " compartiendo comparte subscribe subscribed subscribing suscribo suscribi suscribirme"
    " suscrita suscrito hermoso hermosa maravilloso maravillosa mejor mejores appreciate"
    " appreciated agradezco agradecido agradecida".split()
)
POST_WORDS = frozenset(
    "blog blogs post posts article articles articulo articulos page pagina site sitio web"
    " website webpage writing written writer author autor content contenido read reading"
    " reader leer lectura publicacion publicaciones work trabajo topic tema info"
    " information informacion subject writeup piece prose archive newsletter".split()
)
WORD = re.compile(r"\w+")
SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)")
#: A reader leaving their own phone or email for the clinic to call back ("my number is",
#: "could the front desk text me at"), unlike a seller's "text us".
OWN_CONTACT = re.compile(
    r"\b(?:my|mi) (?:phone|cell|number|mobile|email|e-mail|correo|telefono|numero|celular"
    r"|whatsapp)(?: number| es| is|:)|\b(?:call|text|email|reach|contact|ring) (?:me|us) "
    r"(?:back|at|on)\b|\bcall me\b|\b(?:llamenme|llamame|llamarme|contactarme|me pueden "
    r"(?:llamar|escribir|contactar))\b|\bplease call\b|\bcan be reached\b"
    # Portuguese, Italian, French, German: "me liguem", "richiamarmi", "me rappeler", "Rückruf".
    r"|\b(?:meu (?:numero|telefone|celular|email)|me lig(?:ar|uem|ue)|pode(?:m)? me ligar"
    r"|il mio (?:numero|telefono|cellulare)|(?:ri)?chiamarmi|mi (?:richiamate|chiamate)"
    r"|(?:mon|ma) (?:numero|telephone|portable|mail|adresse)|me (?:rappeler|contacter|joindre)"
    r"|rappelez[- ]moi|meine (?:nummer|telefonnummer|handynummer|e-mail)|ruckruf"
    r"|rufen sie mich)\b"
)
ASKS_THE_CLINIC = re.compile(
    r"\b(?:i'?d like|i would like|i'?m interested|could (?:you|someone|somebody|the)|can (?:you"
    r"|someone|somebody) (?:call|contact|email|text|get back)|please|front desk|appointment"
    r"|new patient|consult(?:ation)?|schedule|qualif\w+|referred|information about|info about"
    r"|me gustaria|quisiera|por favor|cita|consulta|agendar|informacion sobre"
    r"|gostaria|vorrei|per favore|appuntamento|j'aimerais|s'il vous plait"
    r"|rendez-vous|bitte|termin|beratung)\b"
)


@dataclass(frozen=True)
class Prepared:
    """A comment as every feature block reads it: raw, normalised, and the rules it matches."""

    raw: str
    normalized: str
    hits: tuple[Rule, ...] = ()


def prepare(text: str) -> Prepared:
    normalized = normalize_text(text)
    return Prepared(text, normalized, tuple(rule_hits(normalized)))


def normalized_of(prepared: Prepared) -> str:
    return prepared.normalized


class Prepare(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """Normalise each text once, keeping the raw text for signals that need it."""

    def fit(self, texts: Iterable[str], y: Any = None) -> Prepare:
        check_texts(texts)
        return self

    def transform(self, texts: Iterable[str]) -> list[Prepared]:
        return [prepare(text) for text in check_texts(texts)]


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
        "link to a health agency or journal",
        "link to a .org",
        "link to a cheap or country domain",
        "link shortener",
        "link to a hosted page",
        "praise words",
        "words about the post",
        "sentences",
        "own contact for a callback",
    ) + tuple(rule.name for rule in RULES)
    #: A claim rule together with counter-evidence ("don't stop your meds on your own",
    #: "not a cure", "can I stop my sertraline?", "my doctor wants to lower the dose") is
    #: its own column: a linear model cannot learn from the two columns apart that the
    #: pair means the opposite of the rule alone.
    PAIRS = tuple(
        (rule, counter)
        for rule in RULES
        if "medical_claim" in rule.labels
        for counter in COUNTER_EVIDENCE
    )
    NAMES += tuple(f"{rule.name} + {counter.name}" for rule, counter in PAIRS)

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
        ascii_only = raw.isascii()  # no other scripts, no invisible characters
        letters, upper, digits = (ascii_counts if ascii_only else unicode_counts)(raw)
        n_letters = max(letters, 1)
        obfuscated = (OBFUSCATED_ASCII if ascii_only else OBFUSCATED).findall(raw)
        values = [
            min(link_count(normalized), 5) / 5,
            min(len(set(DOMAIN.findall(normalized))), 3) / 3,
            min(math.log1p(len(raw)) / math.log1p(5000), 1.0),
            upper / n_letters,
            digits / max(len(raw), 1),
            0.0 if ascii_only else len(NON_LATIN_LETTER.findall(raw)) / n_letters,
            min(len(REPEATED_PUNCTUATION.findall(raw)), 5) / 5,
            float(not ascii_only and len(strip_invisible(raw)) != len(raw)),
            min(len(obfuscated), 5) / 5,
            *domain_signals(raw, normalized),
            *wording_signals(normalized),
        ]
        hits = item.hits
        values.extend([float(rule in hits) for rule in RULES])
        values.extend(
            [PAIR_VALUE * (rule in hits and counter in hits) for rule, counter in TextSignals.PAIRS]
        )
        return values


def unicode_counts(raw: str) -> tuple[int, int, int]:
    """Letters, upper-case letters and digits, as `str.isalpha`/`isupper`/`isdigit` count."""
    return sum(map(str.isalpha, raw)), sum(map(str.isupper, raw)), sum(map(str.isdigit, raw))


def ascii_counts(raw: str) -> tuple[int, int, int]:
    """`unicode_counts` of ASCII text, where those are exactly [A-Za-z], [A-Z] and [0-9]:
    three deletions in C instead of three Python calls per character."""
    data = raw.encode("ascii")
    return (
        len(data) - len(data.translate(None, ASCII_LETTERS)),
        len(data) - len(data.translate(None, ASCII_UPPER)),
        len(data) - len(data.translate(None, ASCII_DIGITS)),
    )


def hosts(raw: str) -> list[str]:
    """The host of each link in the raw text ("pubmed.ncbi.nlm.nih.gov")."""
    found = []
    for match in URL.finditer(raw.lower()):
        host = URL_SCHEME.sub("", match.group(0)).split("/", 1)[0].split(":", 1)[0]
        found.append(host.rstrip(".,;)!"))
    return found


def domain_signals(raw: str, normalized: str) -> list[float]:
    """Trusted, .org, cheap or country, shortened, hosted-page links (1 or 0 each)."""
    found = hosts(raw) if "urltoken" in normalized else []
    # One of the last two words ("ozonovida.es", "ozonovida.es 🌿"), closing punctuation off.
    last = [word.lower().rstrip(".!)") for word in raw.rsplit(None, 2)[-2:] if "." in word]
    bare = any(BARE_DOMAIN.fullmatch(word) for word in last)
    return [
        float(any(TRUSTED_HOST.search(host) for host in found)),
        float(any(host.endswith(".org") for host in found)),
        float(bare or any(CHEAP_TLD.search(host) for host in found)),
        float(any(SHORTENER.search(host) for host in found)),
        float(any(HOSTED_PAGE.search(host) for host in found)),
    ]


def wording_signals(normalized: str) -> list[float]:
    """Share of praise words, of words about the post, sentences, and a callback request."""
    words = WORD.findall(normalized)
    n_words = max(len(words), 1)
    praise = sum(map(PRAISE_WORDS.__contains__, words))
    post = sum(map(POST_WORDS.__contains__, words))
    callback = ("phonetoken" in normalized or "emailtoken" in normalized) and (
        OWN_CONTACT.search(normalized) is not None or ASKS_THE_CLINIC.search(normalized) is not None
    )
    return [
        min(3 * praise / n_words, 1.0),
        min(3 * post / n_words, 1.0),
        min(len(SENTENCE_END.findall(normalized)), 8) / 8,
        float(callback),
    ]


def check_texts(texts: Iterable[str]) -> list[str]:
    """Scikit-learn style input validation for text transformers."""
    if isinstance(texts, str):
        raise ValueError("expected an iterable of texts, got a single string")
    texts = list(texts)
    for text in texts:
        if not isinstance(text, str):
            raise TypeError(f"expected str, got {type(text).__name__}")
    return texts


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
            (CHARS, hashed_tfidf(analyzer="char_wb", ngram_range=CHAR_NGRAMS)),
            (SIGNALS, TextSignals()),
        ],
        transformer_weights={SIGNALS: SIGNAL_WEIGHT},
    )
    return Pipeline([("prepare", Prepare()), ("union", union)])


def word_block(features: Pipeline) -> Pipeline:
    return dict(features.named_steps["union"].transformer_list)[WORDS]


def word_terms(features: Pipeline, prepared: Prepared) -> list[str]:
    """The word n-grams of one comment, as the word block sees them."""
    return sorted(set(word_block(features).named_steps["hash"].build_analyzer()(prepared)))


def word_indices(features: Pipeline, terms: list[str]) -> list[int]:
    """The hashed column of each word n-gram (words come first in the union's output).

    The same arithmetic as scikit-learn's FeatureHasher (signed MurmurHash3, seed 0);
    a test checks both agree.
    """
    n_features = word_block(features).named_steps["hash"].n_features
    return [_hashed_column(term, n_features) for term in terms]


def _hashed_column(term: str, n_features: int) -> int:
    value = int(murmurhash3_32(term, seed=0))
    if value == -(2**31):
        return (2**31 - 1 - (n_features - 1)) % n_features
    return abs(value) % n_features
