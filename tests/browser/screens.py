"""The screens the browser tests look through, and what they check on every one of them.

Staff work at a 1366x768 laptop and check things on a 390x844 phone; a resident reads the chat
on a phone, sometimes at 200% zoom. One spelling of those sizes, of "nothing is wider than the
screen", of "this word is laid out on one line" and of taking a picture keeps every test asking
the same question in the same way.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

#: A screen as Playwright takes it, for new_context(viewport=...) and set_viewport_size.
Screen = dict[str, int]

LAPTOP: Screen = {"width": 1366, "height": 768}
PHONE: Screen = {"width": 390, "height": 844}
#: Both screens, for `pytest.mark.parametrize`, named as people say them.
SCREENS = [pytest.param(LAPTOP, id="1366x768"), pytest.param(PHONE, id="390x844")]
#: 200% zoom on a 390 px phone: the browser lays the page out 195 CSS pixels wide and draws each
#: one with two device pixels (WCAG's reflow case), what a resident with large text sees.
ZOOMED_PHONE: Screen = {"width": 195, "height": 422}

DOCS = Path(__file__).resolve().parents[2] / "docs"
#: A folder to keep every test's pictures in, to look at them after a run.
KEEP_SHOTS = "RELAY_SCREEN_SHOTS"
#: Set to 1, the tests that take the README's pictures write them into docs/.
DOC_SHOTS = "RELAY_DOC_SCREENSHOTS"

#: What is wider than the screen: the page itself, or any element shown on it.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  if (document.documentElement.scrollWidth > width)
    out.push('sideways scroll: ' + document.documentElement.scrollWidth + ' > ' + width);
  for (const el of document.querySelectorAll('body *')) {
    if (!el.getClientRects().length) continue;  // not shown
    const box = el.getBoundingClientRect();
    if (box.left < -0.5 || box.right > width + 0.5)
      out.push(el.tagName + '.' + el.className + ' spans ' + box.left + '..' + box.right);
  }
  return out;
}"""

#: The tops of the line boxes `word` is laid out in (first element under `selector` holding it).
WORD_TOPS = """([selector, word]) => {
  for (const root of document.querySelectorAll(selector)) {
    const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walk.nextNode(); node; node = walk.nextNode()) {
      const at = node.data.indexOf(word);
      if (at < 0) continue;
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + word.length);
      return [...range.getClientRects()].map(r => Math.round(r.top));
    }
  }
  return null;
}"""


def on_a_phone(browser: Any, locale: str, screen: Screen = PHONE, **options: Any) -> Any:
    """A resident's phone nobody signed in on, asking for pages in `locale`.

    bypass_csp: Playwright evaluates its wait_for_function strings in the page (conftest.py)."""
    context = browser.new_context(
        viewport=screen, locale=locale, is_mobile=True, bypass_csp=True, **options
    )
    return context.new_page()


def fits_the_screen(page: Any, width: int) -> None:
    """The page does not scroll sideways on a screen `width` CSS pixels wide."""
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width, f"the page scrolls sideways: {wide} px on {width}"


def reflows(page: Any, where: str) -> None:
    """Nothing shown spills past the screen's edge, not even inside a box that scrolls."""
    assert page.evaluate(OVERFLOW) == [], where


def lines_of(page: Any, selector: str, word: str) -> int:
    """On how many lines the browser laid out `word`: a Range over it has one box a line, so a
    Korean word broken letter by letter counts more than one."""
    tops = page.evaluate(WORD_TOPS, [selector, word])
    assert tops, f"{word!r} is not on the page under {selector}"
    return len(set(tops))


def screenshot(page: Any, name: str, folder: Path, *, full_page: bool = False) -> Path:
    """A picture of the page, to look at for cut-off controls or English: in the test's own
    `folder`, or in the folder RELAY_SCREEN_SHOTS names, to keep them after the run."""
    kept = Path(os.environ.get(KEEP_SHOTS) or folder)
    kept.mkdir(parents=True, exist_ok=True)
    path = kept / name
    page.screenshot(path=str(path), full_page=full_page)
    return path


def doc_screenshots_wanted() -> bool:
    """Whether this run refreshes the README's pictures (RELAY_DOC_SCREENSHOTS=1)."""
    return os.environ.get(DOC_SHOTS) == "1"


def doc_screenshot(page: Any, name: str) -> None:
    """One of the README's pictures, written into docs/ only when asked to, so an ordinary
    run never changes the tracked images."""
    if doc_screenshots_wanted():
        page.screenshot(path=str(DOCS / name), full_page=False)
