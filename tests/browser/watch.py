"""What a page must never do: run injected code or break a Content-Security-Policy.

`watch(page)` installs the hooks before any script of the page runs; `seen(page)` lists
everything caught: CSP violations (the `securitypolicyviolation` event, which fires
for the document and, composed, from inside shadow roots), calls to alert/confirm/
prompt, console errors and uncaught exceptions.
"""

from __future__ import annotations

from typing import Any

HTTP_ERROR = "Failed to load resource: the server responded with a status of"
HOOKS = """
window.__caught = [];
const note = (kind) => (...args) => window.__caught.push(kind + ': ' + args.join(' '));
window.alert = note('alert');
window.confirm = note('confirm');
window.prompt = note('prompt');
document.addEventListener('securitypolicyviolation', (e) =>
    window.__caught.push('csp: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')
                         + ' in ' + e.sourceFile + ':' + e.lineNumber), true);
"""


def watch(page: Any) -> None:
    page.add_init_script(HOOKS)
    page.console_errors = []
    page.on(
        "console",
        lambda message: (
            page.console_errors.append(message.text) if message.type == "error" else None
        ),
    )


def seen(page: Any) -> list[str]:
    """Everything caught so far (the page fixture's dialogs and page errors included).

    HTTP error statuses (a 401 for a wrong password) are answers, not code: left out.
    """
    caught: list[str] = page.evaluate("window.__caught || []")
    errors = [text for text in page.console_errors if not text.startswith(HTTP_ERROR)]
    return [*caught, *page.executed, *errors]
