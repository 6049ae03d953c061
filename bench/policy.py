"""Decision-policy figures: per-comment time with 10,000 words and 10,000 domains listed vs none.

    python bench/policy.py [--words 10000] [--domains 10000] [--repeat 5]

Pinned to one core. Times `worker.policy.decide` on the seed corpus's comments (fixed
scores, so only the policy is measured), with empty lists and with full ones: the
words as both blocked and watched, the domains as both blocked and watched. Prints the
one-time compile time of the lists, and for comparison a naive word-by-word search.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import string
import time
from collections.abc import Callable
from collections.abc import Sequence

from models import LabelScore
from models import Scores
from models.corpus import load_seed
from service.db import ListKind
from worker.lists import Lists
from worker.policy import History
from worker.policy import Policy
from worker.policy import Submission
from worker.policy import decide

SCORES = Scores(
    spam=LabelScore("spam", 0.1, 0.5), medical_claim=LabelScore("medical_claim", 0.1, 0.6)
)
TLDS = ("com", "net", "org", "shop", "info", "example", "io", "ru")


def pseudo_words(count: int, rng: random.Random) -> list[str]:
    """Word-like entries, a tenth of them two-word phrases; a few real words among them."""
    words = {"miracle cure", "ibogaine", "detox", "ketamine online", "no prescription"}
    while len(words) < count:
        word = "".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 11)))
        if rng.random() < 0.1:
            word += " " + "".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 8)))
        words.add(word)
    return sorted(words)


def pseudo_domains(count: int, rng: random.Random) -> list[str]:
    domains = {"cheap-k.example", "pills.shop"}
    while len(domains) < count:
        name = "".join(rng.choices(string.ascii_lowercase + "-", k=rng.randint(5, 14))).strip("-")
        domains.add(f"{name or 'x'}.{rng.choice(TLDS)}")
    return sorted(domains)


def per_comment_us(run: Callable[[Submission], object], items: Sequence[Submission],
                   repeat: int) -> tuple[float, float]:  # fmt: skip
    """Median and 95th percentile, in microseconds."""
    times = []
    for _ in range(repeat):
        for item in items:
            began = time.perf_counter()
            run(item)
            times.append(time.perf_counter() - began)
    times.sort()
    return times[len(times) // 2] * 1e6, times[int(len(times) * 0.95)] * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--words", type=int, default=10_000)
    parser.add_argument("--domains", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    rng = random.Random(20261125)
    words, domains = pseudo_words(args.words, rng), pseudo_domains(args.domains, rng)
    items = [
        Submission(text=e.text, email="reader@example.org", ip_hash="0" * 32,
                   website="https://blog.example.net")
        for e in load_seed()
    ]  # fmt: skip

    began = time.perf_counter()
    full = Lists.build({
        ListKind.BLOCKED_WORD: words, ListKind.WATCHED_WORD: words,
        ListKind.BLOCKED_DOMAIN: domains, ListKind.WATCHED_DOMAIN: domains,
    })  # fmt: skip
    compile_s = time.perf_counter() - began
    empty = Policy(lists=Lists.build({}))
    listed = Policy(lists=full)
    history = History(published=1)

    for item in items[:50]:  # warm up
        decide(SCORES, item, history, listed)
    base = per_comment_us(lambda s: decide(SCORES, s, history, empty), items, args.repeat)
    lists = per_comment_us(lambda s: decide(SCORES, s, history, listed), items, args.repeat)
    verdicts = [decide(SCORES, item, history, listed) for item in items]
    rejected = sum(v.status.value == "rejected" for v in verdicts)

    naive_patterns = [re.compile(rf"(?<!\w){re.escape(w)}(?!\w)") for w in words]
    sample = [item.text.casefold() for item in items[:100]]
    naive = per_comment_us(
        lambda s: [p.search(s.text) for p in naive_patterns],
        [Submission(text=t) for t in sample],
        1,
    )

    print(f"comments: {len(items)} (seed corpus) x {args.repeat} passes, one core")
    print(f"lists: {len(words):,} words (blocked + watched), {len(domains):,} domains "
          f"(blocked + watched)")  # fmt: skip
    print(f"compile once: {compile_s * 1000:.0f} ms (both word lists and both domain sets)")
    print(f"decide(), empty lists: median {base[0]:.0f} us, p95 {base[1]:.0f} us per comment")
    print(f"decide(), full lists:  median {lists[0]:.0f} us, p95 {lists[1]:.0f} us per comment")
    print(f"  ({rejected} of {len(items)} comments hit a listed word or domain)")
    print(f"naive loop, one regex per word ({len(words):,} searches): median {naive[0]:.0f} us, "
          f"p95 {naive[1]:.0f} us per comment")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
