"""The phrasebook as its admin pages (relay/agent/book_admin.py) see it: an answer in six
languages with its topic and keywords, named by an id staff never see. An answer is sent to
residents as written, so the rules (languages.book_rules) also warn about punctuation a Korean
handset cannot show; agents' picker uses the saved answer at its next search."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from markupsafe import Markup

from languages import registry
from languages.book_rules import answer_content, check_answer, split_keywords
from languages.phrasebook import LANGUAGE_ORDER, Phrasebook, PhrasebookEntry, normalise
from relay.agent.book_admin import BookPages, BookWords, Cell, Field, Submission, book_blueprint
from relay.books import phrasebook_seed
from relay.services import services
from relay.voice.prompts import RECORDING_NOTICE_ID
from transcripts.books import Change, Entry

#: The shipped book's topics as staff read them; a topic an admin types is kept as typed.
TOPIC_LABELS = {
    "courtesy": "인사·응대",
    "centre": "120 콜센터",
    "community_centre": "주민센터",
    "residence": "체류·외국인등록",
    "immigration": "출입국",
    "health_insurance": "건강보험",
    "relief": "지원금",
    "emergency": "긴급",
    "interpretation": "통역",
    "lost_and_found": "분실물",
    "waste": "쓰레기",
    "housing": "주거",
    "fines": "과태료·벌금",
    "transport": "교통",
    "public_health": "보건소",
    "weather": "날씨",
    "disaster": "재난",
    "school": "학교",
    "labour": "노동",
    "global_center": "글로벌센터",
    "driving": "운전면허",
    "tax": "세금",
}
_TOPIC_CODES = {label: code for code, label in TOPIC_LABELS.items()}
LANGUAGES = [registry.get(code) for code in LANGUAGE_ORDER]


def topic_label(topic: str) -> str:
    """A topic as staff read it: the Korean name of a shipped topic, else as an admin typed it."""
    return TOPIC_LABELS.get(topic, topic)


def _phrasebook() -> Phrasebook:
    return services().languages.books.phrasebook()


class PhrasebookPages(BookPages[PhrasebookEntry]):
    """An answer is named by an id that never changes and staff never see: saved replies and
    the recording notice name it."""

    kind = "phrasebook"
    list_endpoint = "answers"
    param = "id"
    previous_field = "editing"
    max_field_chars = 4000
    words = BookWords(
        title="상용구 관리",
        hint=Markup("상담원이 기계 번역 대신 보내는, 사람이 쓴 답변입니다."),
        unedited="아직 수정된 적이 없어 기본 상용구를 쓰고 있습니다. "
        "처음 저장할 때 기본 상용구가 함께 옮겨집니다.",
        search_label="상용구 검색",
        search_placeholder="검색어, 주제 또는 답변",
        add="새 답변 추가",
        empty="맞는 답변이 없습니다.",
        missing="그 답변은 상용구집에 없습니다.",
        edit_title="답변 수정",
        new_title="새 답변",
        form_hint=Markup(
            "답변은 문자로도 나갑니다. 한국 휴대전화에 전달되지 않는 문장부호(예: 긴 줄표 –)는 "
            "저장 후 경고로 알려 드립니다."
        ),
        history_title="상용구 변경 기록",
    )
    columns = ("주제 · 검색어", *(lang.korean_name for lang in LANGUAGES))
    fields = (
        Field("topic", "주제", required=True),
        Field("keywords", "검색어 (쉼표로 나눔)", required=True),
        *(Field(lang.code, lang.korean_name, lang.code, True, rows=3) for lang in LANGUAGES),
    )

    def search(self, query: str) -> Sequence[PhrasebookEntry]:
        needle = normalise(query)
        return [e for e in _phrasebook().entries() if not needle or _matches(e, needle)]

    def key_of(self, entry: PhrasebookEntry) -> str:
        return entry.id

    def cells(self, entry: PhrasebookEntry) -> tuple[Cell, ...]:
        topic = Cell(topic_label(entry.topic), detail=", ".join(entry.keywords))
        return (topic, *(Cell(entry.texts[lang.code], lang.code) for lang in LANGUAGES))

    def form_of(self, entry: PhrasebookEntry) -> dict[str, str]:
        keywords = ", ".join(entry.keywords)
        return dict(entry.texts) | {"topic": topic_label(entry.topic), "keywords": keywords}

    def read(self, form: dict[str, str], previous: str | None) -> Submission:
        """An answer keeps its id (saved conversations name it): `previous` is the id of the
        answer being changed, and a new answer gets one."""
        entry_id = previous or _new_answer_id()
        keywords = split_keywords(form["keywords"])
        texts = {code: form[code] for code in LANGUAGE_ORDER}
        topic = _TOPIC_CODES.get(form["topic"].strip(), form["topic"].strip())
        existing = [entry.id for entry in _phrasebook().entries()]
        checked = check_answer(
            entry_id, topic, keywords, texts, existing, editing=previous is not None
        )
        content = answer_content(topic, keywords, texts)
        search = keywords[0] if keywords else ""
        return Submission(entry_id, content, search, checked.problems, checked.warnings)

    def seed(self) -> tuple[Entry, ...]:
        return phrasebook_seed()

    def exists(self, key: str) -> str:
        return "같은 답변이 방금 저장되었습니다. 목록에서 확인해 주세요."

    def saved(self, key: str) -> str:
        return "답변을 저장했습니다. 상담원의 다음 검색부터 쓰입니다."

    def deleted(self, key: str) -> str:
        return "답변을 지웠습니다. 변경 기록에 남아 있습니다."

    def undeletable(self, key: str) -> str | None:
        if key == RECORDING_NOTICE_ID:
            return "이 답변은 전화 녹음 전 안내로 쓰여 지울 수 없습니다. 내용을 고쳐 주세요."
        return None

    def edit_heading(self, key: str | None) -> str | None:
        return None  # the id is internal

    def history_heading(self, key: str | None, changes: Sequence[Change]) -> str | None:
        return self.label_of(changes[0]) if key and changes else None

    def label_of(self, change: Change) -> str:
        """An answer named by the start of its Korean text (its id is internal)."""
        content = change.after or change.before or {}
        korean = str(content.get("texts", {}).get("ko") or "")
        return korean if len(korean) <= 40 else korean[:40] + "…"

    def topic_label(self, topic: str) -> str:
        return topic_label(topic)


def _new_answer_id() -> str:
    """A stable id for an answer added on the web, never shown: saved replies name it."""
    return f"custom.{secrets.token_hex(4)}"


def _matches(entry: PhrasebookEntry, needle: str) -> bool:
    values = [topic_label(entry.topic), *entry.keywords, *entry.texts.values()]
    return any(needle in normalise(value) for value in values)


bp = book_blueprint(PhrasebookPages())
