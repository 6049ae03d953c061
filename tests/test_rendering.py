"""Comment Markdown is rendered once, on the server, to an allow-list of safe HTML."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import example
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from service.rendering import is_plain
from service.rendering import render_comment
from service.rendering import render_markdown
from tests.factories import THREAD_URI
from tests.factories import make_comment
from tests.factories import payload

#: Markup that must never come out as live HTML.
XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "![x](javascript:alert(1))",
    "![x](https://tracker.example/pixel.png)",
    '<iframe src="https://evil.example"></iframe>',
    "<b onmouseover=alert(1)>hover</b>",
    '"><script>alert(1)</script>',
    "<scr<script>ipt>alert(1)</script>",
    "<!--<script>alert(1)</script>-->",
    "<style>body{display:none}</style>",
    '<form action="https://evil.example"><input name=x></form>',
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "\u202eevil\u202c <script>alert(1)</script>",
    '[x](https://ok.example "title" onclick="alert(1)")',
    "<math><mi xlink:href=javascript:alert(1)>x</mi></math>",
]


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("Hello *world* and **you**", "<p>Hello <em>world</em> and <strong>you</strong></p>"),
        ("line one\nline two", "<p>line one<br>\nline two</p>"),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
        ("use `0.5 mg/kg`", "<p>use <code>0.5 mg/kg</code></p>"),
        (
            "[study](https://pubmed.ncbi.nlm.nih.gov/1)",
            '<p><a href="https://pubmed.ncbi.nlm.nih.gov/1" rel="nofollow ugc noopener">'
            "study</a></p>",
        ),
        ("a < b & c", "<p>a &lt; b &amp; c</p>"),
    ],
)
def test_markdown_subset(text: str, html: str) -> None:
    assert render_comment(text) == html


#: What readers type: ASCII (markup included), other scripts and emoji, now and then a
#: character that is not plain (a line break, a tab, an odd space, a control).
READER_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x20, max_codepoint=0x7E),
        st.sampled_from("áéñüçßøœ¿¡ёжя中文🙂👍"),
        st.sampled_from("\u00a0\u200b\u2028\t\n\r\x00") | st.characters(codec="utf-8"),
    ),
    min_size=1,
    max_size=30,
)


@given(READER_TEXT)
@settings(max_examples=300)
@example('It\'s 50% off, "really" -- 1. item # tag ~~x~~ ¿qué? 👍')
@example("a\u00a0b")
@example("tab\there")
@example("*a*")
@example("_a_")
@example("[a](https://b.example)")
@example("`a`")
@example("a \\- b")
@example("a & b")
@example("> a")
@example("a < b")
def test_plain_text_renders_as_the_full_path_would(text: str) -> None:
    """The fast path for plain text (no parser, no sanitiser) must change nothing."""
    if is_plain(text):
        assert render_comment(text) == render_markdown(text) == f"<p>{text}</p>"
    else:
        assert render_comment(text) == render_markdown(text)


class ElementCollector(HTMLParser):
    """Every element and attribute a browser would build from the HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))


@pytest.mark.parametrize("text", XSS_CORPUS)
def test_hostile_markup_never_becomes_live_html(text: str) -> None:
    collector = ElementCollector()
    collector.feed(render_comment(text))
    for tag, attrs in collector.elements:
        assert tag in {"p", "br", "em", "strong", "a", "blockquote", "code"}
        for name, value in attrs:
            assert (tag, name) in {("a", "href"), ("a", "rel")}
            if name == "href":
                assert (value or "").startswith(("http://", "https://", "mailto:"))


def test_html_is_stored_with_the_comment_and_served(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        make_comment(body="**bold** <script>alert(1)</script>")
    data = client.get("/api/v1/comments", query_string={"thread": THREAD_URI}).get_json()
    [comment] = data["comments"]
    assert comment["html"] == "<p><strong>bold</strong> &lt;script&gt;alert(1)&lt;/script&gt;</p>"
    posted = client.post("/api/v1/comments", json=payload(body="*hi*")).get_json()
    own = client.get(f"/api/v1/comments/{posted['id']}", query_string={"token": posted["token"]})
    assert own.get_json()["html"] == "<p><em>hi</em></p>"
