"""Hand-written rules: what they catch, and which of them a moderator reads as a reason."""

from __future__ import annotations

import pytest

from models.corpus import load_seed
from models.normalize import normalize_text
from models.rules import RULES
from models.rules import reasons_for
from models.rules import rule_hits


def hit_names(text: str) -> set[str]:
    return {rule.name for rule in rule_hits(normalize_text(text))}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Book your free consult today at our clinic, 20% off with code HEAL", {"offer"}),
        ("Reserva ya en nuestra clínica de Medellín, primera sesión gratis", {"offer"}),
        ("great post!! follow me back, link in bio", {"self_promotion"}),
        ("Me encantó, ya te sigo 💕 sígueme en insta", {"self_promotion"}),
        ("Should I stop my Zoloft before the infusion?", {"question", "stop_medication"}),
        ("Please don't stop your antidepressant on your own.", {"caution"}),
        ("My psychiatrist said to stay on lithium for now.", {"doctor_plan"}),
        ("It's not a cure, but a bit better for me.", {"hedged"}),
        ("$450 per infusion, 390€ in Lyon", {"price"}),
        ("I'm a vendor, for CRPS take 150mg IM every 3 days. tg: @crps_k", {"seller", "dosing"}),
        ("I ship anywhere, DM me for his number", {"seller"}),
        ("Si la quieres, lo mando yo a toda España", {"seller"}),
        ("menu in bio, pgp only", {"seller"}),
        ("insta @spray.healer", {"handle"}),
        ("snap: ranchhand_k", {"handle"}),
        ("wats app me: +1 555 0187", {"messenger"}),
        ("if you want his snap lmk", {"private_contact"}),
        ("Si alguien la necesita, escríbanme por privado.", {"private_contact"}),
        ("quem quiser chama no direct", {"private_contact"}),
        ("se qualcuno ne ha bisogno scrivimi", {"private_contact"}),
        ("Wer Interesse hat, einfach per PN melden.", {"private_contact"}),
        ("What WordPress theme is this? I want one for my site", {"site_software"}),
        ("¿Qué hosting usas? Tu página carga rapidísimo", {"site_software"}),
    ],
)
def test_rules_fire_on_their_cases(text: str, expected: set[str]) -> None:
    assert expected <= hit_names(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Кетамин лечит депрессию навсегда, без рецепта", {"cure", "guarantee", "no_prescription"}),
        ("氯胺酮鼻喷雾剂，三天治愈抑郁症，无需处方", {"cure", "no_prescription"}),
        ("كيتامين بدون وصفة طبية يعالج الاكتئاب", {"cure", "no_prescription"}),
        ("Ketamina bez recepty leczy depresję w 3 dni", {"cure", "no_prescription"}),
        ("Ketamine xịt mũi chữa khỏi trầm cảm, không cần đơn thuốc", {"cure", "no_prescription"}),
    ],
)
def test_claims_in_other_languages(text: str, expected: set[str]) -> None:
    """Claim spam arrives in many languages; the cure and no-prescription rules read them."""
    assert expected <= hit_names(text)


@pytest.mark.parametrize(
    "text",
    [
        "Don't stop your antidepressant on your own because of a good week.",
        "Please never stop your meds without your prescriber.",
        "No dejen los antidepresivos por su cuenta.",
    ],
)
def test_a_negated_stop_is_a_caution_not_advice(text: str) -> None:
    assert "stop_medication" not in hit_names(text)


@pytest.mark.parametrize(
    "text",
    [
        "No me arrepiento, pero tampoco es milagro.",
        "There is no cure for CRPS yet.",
        "No lo tomen como garantía.",
    ],
)
def test_a_denied_cure_or_guarantee_is_no_claim_reason(text: str) -> None:
    assert not hit_names(text) & {"cure", "guarantee"}


def test_counter_evidence_is_a_feature_never_a_reason() -> None:
    """A question or a caution lowers a claim's score; telling a moderator so would mislead."""
    text = normalize_text("Should I stop my meds? Please ask your doctor first, my doctor said so")
    hits = rule_hits(text)
    quiet = {rule.reason for rule in RULES if not rule.labels}
    assert {rule.reason for rule in hits} & quiet
    for label in ("spam", "medical_claim"):
        assert not set(reasons_for(label, text, hits)) & quiet
    assert "stop your medication" in reasons_for("medical_claim", text, hits)


def test_a_patient_thanking_is_not_an_offer() -> None:
    assert not hit_names("Thanks for the article, it helped me decide to book my consult.") & {
        "offer",
        "self_promotion",
    }


def test_pre_checks_never_change_what_a_rule_matches() -> None:
    """`needs` and `keys` only skip work: on the corpus, each rule matches as its pattern does."""
    texts = [normalize_text(example.text) for example in load_seed()]
    texts += ["take 50mg every day", "call phonetoken now", "$20", "20 €", "emailtoken gmail com"]
    for rule in RULES:
        if rule.needs is not None or rule.keys:
            for text in texts:
                assert rule.matches(text) == (rule.pattern.search(text) is not None), (rule, text)


def test_key_pass_finds_what_every_pattern_finds() -> None:
    """`rule_hits` tries only the rules whose keys occur; it must find what trying all would."""
    texts = [normalize_text(example.text) for example in load_seed()]
    texts += ["", "take 50mg every day", "my doc said so", "we ship worldwide", "cura todo"]
    for text in texts:
        assert rule_hits(text) == [r for r in RULES if r.pattern.search(text)], text


@pytest.mark.parametrize(
    "text",
    [
        "@Tom same here, the nurses were great",
        "Someone DMed me offering vials shipped anywhere. Blocked and reported.",
        "The vendors posting in these comments are scammers, don't reply.",
        "I sent my mom the link to the article.",
    ],
)
def test_readers_warning_about_sellers_are_not_sellers(text: str) -> None:
    assert not hit_names(text) & {"seller", "handle"}


@pytest.mark.parametrize(
    "text",
    [
        "Someone DMed me offering vials shipped anywhere. Blocked and reported.",
        "The vendors posting in these comments are scammers, don't reply.",
        "Cuidado con los que dicen 'escríbanme por privado', es una estafa.",
        "Attention aux commentaires « écris-moi en privé » : ce sont des vendeurs.",
    ],
)
def test_a_warning_about_sellers_is_seen_and_never_a_reason(text: str) -> None:
    """A warning quotes sellers' words; it is a feature against spam, not a reason for it."""
    normalized = normalize_text(text)
    hits = rule_hits(normalized)
    assert "warning" in {rule.name for rule in hits}
    assert "a warning about sellers" not in reasons_for("spam", normalized, hits)
