"""Reading a rendered page as a browser would, to say whether text put into it stayed text.

Grepping a page for "<script" cannot tell a resident's escaped "&lt;script&gt;" (harmless) from
markup the page itself made; parsing it can. `parse` lists every element and attribute the
page creates, the text a reader sees (entities decoded) and, for each piece of text, whether a
`dir` attribute or a `<bdi>` around it isolates its direction, so a right-to-left override in a
resident's text cannot reverse what follows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = frozenset(
    "area base br col embed hr img input link meta source track wbr".split()  # noqa: SIM905
)
#: Elements no template writes: one in a page can only come from text that became markup.
FOREIGN_TAGS = frozenset({"img", "svg", "b", "iframe", "object", "embed", "math", "style"})
#: htmx attribute values no template writes, and which the hostile strings use.
FOREIGN_HTMX_VALUES = frozenset({"/logout", "load"})
#: Characters that reorder or hide text: they must stay inside an isolated element.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@dataclass
class Page:
    """What a browser would build from one response."""

    elements: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)
    texts: list[tuple[str, bool]] = field(default_factory=list)  # (text, isolated?)

    @property
    def text(self) -> str:
        """The text a reader sees (inline marks such as a glossary term's joined in), then every
        attribute value, decoded, for finding what was seeded."""
        values = (v or "" for _, attrs in self.elements for v in attrs.values())
        return "\n".join(["".join(t for t, _ in self.texts), *values])

    def injected(self) -> list[str]:
        """Each element or attribute in the page that no template makes: text become markup."""
        found = []
        for tag, attrs in self.elements:
            if _drawn_chart(tag, attrs):
                pass  # the metrics page's own charts (admin/_chart.html); their text is escaped
            elif tag in FOREIGN_TAGS or (tag == "script" and not attrs.get("src")):
                found.append(f"<{tag}> element")
            for name, value in attrs.items():
                if name.startswith("on"):
                    found.append(f"{name}= on <{tag}>")
                if name.startswith(("hx-", "data-hx-")) and (value or "") in FOREIGN_HTMX_VALUES:
                    found.append(f'{name}="{value}" on <{tag}>')
        return found

    def unisolated_bidi(self) -> list[str]:
        """Text nodes holding a direction control with no `dir` or `<bdi>` around them."""
        return [t for t, isolated in self.texts if not isolated and BIDI_CONTROLS & set(t)]


def _drawn_chart(tag: str, attrs: dict[str, str | None]) -> bool:
    """An `<svg>` as the chart template writes it: an image labelled by its own title."""
    labelled = (attrs.get("aria-labelledby") or "").startswith("t-")
    return tag == "svg" and attrs.get("role") == "img" and labelled


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._open: list[tuple[str, bool]] = []  # (tag, isolates direction?)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.page.elements.append((tag, dict(attrs)))
        if tag not in VOID:
            self._open.append((tag, tag == "bdi" or any(name == "dir" for name, _ in attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.page.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self._open) - 1, -1, -1):
            if self._open[depth][0] == tag:
                del self._open[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.page.texts.append((data, any(isolates for _, isolates in self._open)))


def parse(html: str) -> Page:
    """The elements, attributes and text a browser would see in `html`."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.page
