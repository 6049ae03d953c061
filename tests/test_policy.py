"""The decision policy as a pure function: modes, trusted commenters, blocked and watched lists."""

from __future__ import annotations

import pytest

from models import LabelScore
from models import Scores
from service.db import CommentStatus
from service.db import ListKind
from service.db import ModerationMode
from worker.lists import DomainList
from worker.lists import Lists
from worker.lists import WordList
from worker.lists import link_hosts
from worker.policy import History
from worker.policy import Policy
from worker.policy import Submission
from worker.policy import decide

PUBLISHED, HELD, REJECTED = CommentStatus.PUBLISHED, CommentStatus.HELD, CommentStatus.REJECTED


def scores(spam: float = 0.05, claim: float = 0.05) -> Scores:
    return Scores(
        spam=LabelScore("spam", spam, 0.5, ("a link",) if spam >= 0.5 else ()),
        medical_claim=LabelScore(
            "medical_claim", claim, 0.6, ("cure claim",) if claim >= 0.6 else ()
        ),
    )


def policy(mode: ModerationMode = ModerationMode.FLAGGED_ONLY, **lists: list[str]) -> Policy:
    built = Lists.build({ListKind(kind): values for kind, values in lists.items()})
    return Policy(mode=mode, lists=built, trusted_min_approved=3, trusted_claim_threshold=0.9)


CLEAN = Submission(text="Thanks, this helped.", email="ana@example.org", ip_hash="a" * 32)
NEW = History()
REGULAR = History(approved=1, rejected=0, published=2)


@pytest.mark.parametrize(
    ("mode", "history", "status", "reasons"),
    [
        (ModerationMode.FLAGGED_ONLY, NEW, PUBLISHED, []),
        (ModerationMode.PREMODERATE_ALL, REGULAR, HELD, ["pre-moderation: every comment"]),
        (ModerationMode.PREMODERATE_FIRST, NEW, HELD,
         ["pre-moderation: first comment of a new commenter"]),
        (ModerationMode.PREMODERATE_FIRST, REGULAR, PUBLISHED, []),
        (ModerationMode.SHADOW, NEW, PUBLISHED, []),
    ],
)  # fmt: skip
def test_modes_on_a_clean_comment(
    mode: ModerationMode, history: History, status: CommentStatus, reasons: list[str]
) -> None:
    verdict = decide(scores(), CLEAN, history, policy(mode))
    assert (verdict.status, verdict.reasons) == (status, reasons)


def test_flagged_comments_are_held_except_in_shadow_mode_where_the_verdict_is_recorded() -> None:
    flagged = scores(spam=0.97)
    held = decide(flagged, CLEAN, NEW, policy())
    assert held.status is HELD and held.reasons == ["spam 0.97: a link"]
    shadow = decide(flagged, CLEAN, NEW, policy(ModerationMode.SHADOW, watched_word=["helped"]))
    assert shadow.status is PUBLISHED
    assert shadow.reasons == ["shadow: would hold", "spam 0.97: a link", "watched word: helped"]


@pytest.mark.parametrize("mode", list(ModerationMode))
def test_the_classifier_unavailable_holds_in_every_mode(mode: ModerationMode) -> None:
    verdict = decide(None, CLEAN, REGULAR, policy(mode))
    assert (verdict.status, verdict.reasons) == (HELD, ["classifier unavailable"])


@pytest.mark.parametrize(
    ("history", "claim", "status"),
    [
        (History(approved=3), 0.85, PUBLISHED),  # trusted: over the usual 0.6, under 0.9
        (History(approved=3), 0.95, HELD),  # trusted, but the claim is too strong
        (History(approved=2), 0.85, HELD),  # one approval short
        (History(approved=5, rejected=1), 0.85, HELD),  # ever rejected: not trusted
    ],
)
def test_trusted_commenters_publish_unless_the_claim_score_is_very_high(
    history: History, claim: float, status: CommentStatus
) -> None:
    verdict = decide(scores(spam=0.7, claim=claim), CLEAN, history, policy())
    assert verdict.status is status
    if status is PUBLISHED:
        assert verdict.reasons == ["trusted commenter"]
    elif history.approved >= 3 and not history.rejected:
        assert verdict.reasons[0] == "trusted commenter, but medical claim over 0.90"


def test_trusted_commenters_skip_pre_moderation_and_listed_ones_need_no_history() -> None:
    listed = policy(ModerationMode.PREMODERATE_ALL, trusted_email=["ANA@example.org"])
    assert decide(scores(), CLEAN, NEW, listed).status is PUBLISHED
    auto = decide(scores(), CLEAN, History(approved=3), policy(ModerationMode.PREMODERATE_ALL))
    assert auto.status is PUBLISHED
    anonymous = Submission(text=CLEAN.text, ip_hash="a" * 32)
    assert decide(scores(), anonymous, History(approved=9), listed).status is HELD


@pytest.mark.parametrize(
    ("lists", "submission", "reason"),
    [
        ({"blocked_email": ["Ana@Example.org"]}, CLEAN, "spam: blocked email"),
        ({"blocked_ip": ["A" * 32]}, CLEAN, "spam: blocked IP address"),
        ({"blocked_word": ["helped"]}, CLEAN, "spam: blocked word: helped"),
        ({"blocked_word": ["k3tamine online"]},
         Submission(text="Buy K E T A M I N E   online now"),
         "spam: blocked word: k3tamine online"),
        ({"blocked_domain": ["cheap-k.example"]},
         Submission(text="see https://shop.cheap-k.example/buy"),
         "spam: blocked domain: cheap-k.example"),
        ({"blocked_domain": ["cheap-k.example"]},
         Submission(text="hello", website="http://www.cheap-k.example"),
         "spam: blocked domain: cheap-k.example"),
    ],
)  # fmt: skip
def test_blocked_lists_reject_as_spam_in_every_mode_even_without_a_classifier(
    lists: dict[str, list[str]], submission: Submission, reason: str
) -> None:
    for mode in ModerationMode:
        for result in (scores(), None):
            verdict = decide(result, submission, REGULAR, policy(mode, **lists))
            assert (verdict.status, verdict.reasons) == (REJECTED, [reason])


def test_blocked_beats_trusted() -> None:
    verdict = decide(
        scores(), CLEAN, History(approved=9), policy(trusted_email=[CLEAN.email or ""],
                                                     blocked_ip=["a" * 32])
    )  # fmt: skip
    assert verdict.status is REJECTED


def test_watched_words_and_domains_hold_with_their_reason() -> None:
    lists = policy(watched_word=["miracle cure", "ibogaine"], watched_domain=["clinic.example"])
    text = "A Miracle-cure? No: a miracle cure, says www.clinic.example/x and ibogaine users."
    verdict = decide(scores(), Submission(text=text), REGULAR, lists)
    assert verdict.status is HELD
    assert verdict.reasons == [
        "watched word: miracle cure",
        "watched word: ibogaine",
        "watched domain: clinic.example",
    ]


def test_words_match_whole_words_only() -> None:
    words = WordList.build(["ket", "ketamine", "pain relief"])
    assert words.find("ketones and painkillers") == []
    assert words.find("ketamine for pain relief, ket") == ["ketamine", "pain relief", "ket"]


def test_domains_cover_subdomains_but_not_lookalikes() -> None:
    domains = DomainList.build(["spam.shop"])
    hosts = link_hosts("https://a.b.spam.shop/x notspam.shop spam.shop.evil.com")
    assert hosts == ["a.b.spam.shop", "notspam.shop", "spam.shop.evil.com"]
    assert domains.find(hosts) == ["spam.shop"]
    assert domains.find(["notspam.shop", "spam.shop.evil.com"]) == []
