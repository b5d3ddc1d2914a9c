"""What the phone line says, in each resident language, and how each prompt reaches the caller.

Twilio's <Say> has voices for English, Chinese, Japanese and Vietnamese (languages/registry.py
names them) but none for Mongolian, and espeak-ng has no Mongolian voice to pre-render one
either. So a Mongolian prompt is played from a recording the centre provides
(`<prompts folder>/mn/<prompt>.wav` or `.mp3`, read by a native speaker); without one the line
falls back to English, which a caller who pressed 5 hears as "press 5 for Mongolian" rather
than silence. The recording notice reuses the phrasebook's reviewed text, as admins last edited
it on the web.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import has_app_context

from languages import registry
from languages.phrasebook import Phrasebook, UnknownEntryError
from relay.services import services

#: The phrasebook answer read to every caller before the recording starts.
RECORDING_NOTICE_ID = "courtesy.recording_notice"

PROMPT_IDS = (
    "greeting",
    "recording_notice",
    "menu",
    "invalid",
    "goodbye_no_choice",
    "leave_message",
    "thanks",
    "reply_intro",
    "reply_options",
    "goodbye",
    "live_notice",
    "live_no_agent",
    "reply_by_text",
)
AUDIO_SUFFIXES = (".wav", ".mp3")

_TEXTS: dict[str, dict[str, str]] = {
    "greeting": {
        "en": "Welcome to the 120 call centre's foreign-language service.",
        "zh": "欢迎致电120呼叫中心外语服务。",
        "ja": "120コールセンターの外国語サービスへようこそ。",
        "vi": "Chào mừng bạn đến với dịch vụ ngoại ngữ của tổng đài 120.",
        "mn": "120 дуудлагын төвийн гадаад хэлний үйлчилгээнд тавтай морилно уу.",
    },
    "menu": {
        "en": "For English, press 1.",
        "zh": "中文服务请按2。",
        "ja": "日本語は3を押してください。",
        "vi": "Tiếng Việt, xin bấm phím 4.",
        "mn": "Монгол хэлээр 5 дарна уу.",
    },
    "invalid": {
        "en": "Sorry, that is not one of the choices.",
        "zh": "抱歉，没有这个选项。",
        "ja": "申し訳ありません、その番号は選べません。",
        "vi": "Xin lỗi, lựa chọn này không có.",
        "mn": "Уучлаарай, ийм сонголт байхгүй байна.",
    },
    "goodbye_no_choice": {
        "en": "We did not receive a choice. Please call again, or send us a text message. Goodbye.",
        "zh": "我们没有收到您的选择。请再次来电或发送短信。再见。",
        "ja": "選択が確認できませんでした。もう一度お電話いただくか、"
        "ショートメールをお送りください。",
        "vi": "Chúng tôi chưa nhận được lựa chọn của bạn. "
        "Vui lòng gọi lại hoặc nhắn tin. Tạm biệt.",
        "mn": "Таны сонголт ирсэнгүй. Дахин залгах эсвэл мессеж илгээнэ үү. Баяртай.",
    },
    "leave_message": {
        "en": "After the beep, please say your question, then press the hash key.",
        "zh": "请在提示音后说出您的问题，然后按井号键。",
        "ja": "発信音の後にご用件をお話しになり、最後にシャープを押してください。",
        "vi": "Sau tiếng bíp, xin hãy nói câu hỏi của bạn, rồi bấm phím thăng.",
        "mn": "Дохионы дараа асуултаа хэлээд, тор тэмдэгт дарна уу.",
    },
    "thanks": {
        "en": "Thank you. An agent will reply by text message or call you back. Goodbye.",
        "zh": "谢谢。咨询员会通过短信回复或给您回电。再见。",
        "ja": "ありがとうございました。担当者がショートメールか折り返しのお電話でお答えします。",
        "vi": "Cảm ơn bạn. Nhân viên sẽ trả lời bằng tin nhắn hoặc gọi lại cho bạn. Tạm biệt.",
        "mn": "Баярлалаа. Ажилтан мессежээр хариулах эсвэл эргэж залгана. Баяртай.",
    },
    "reply_intro": {
        "en": "This is the 120 call centre with the answer to your question.",
        "zh": "这里是120呼叫中心，现在为您回复您的问题。",
        "ja": "120コールセンターです。お問い合わせへの回答をお伝えします。",
        "vi": "Đây là tổng đài 120, xin trả lời câu hỏi của bạn.",
        "mn": "Энэ бол 120 дуудлагын төв, таны асуултын хариу.",
    },
    "reply_options": {
        "en": "To leave another message, press 1. To hear the answer again, press 2.",
        "zh": "如需再次留言，请按1。如需重听回复，请按2。",
        "ja": "もう一度メッセージを残すには1を、回答をもう一度聞くには2を押してください。",
        "vi": "Để để lại tin nhắn khác, bấm phím 1. Để nghe lại câu trả lời, bấm phím 2.",
        "mn": "Дахин зурвас үлдээх бол 1, хариуг дахин сонсох бол 2 дарна уу.",
    },
    "live_notice": {
        "en": "Please hold: an agent is joining. This call is interpreted by machine and recorded.",
        "zh": "请稍候，咨询员即将接听。本通话由机器翻译并录音。",
        "ja": "そのままお待ちください。担当者がおつなぎします。"
        "この通話は機械で通訳され、録音されます。",
        "vi": "Xin vui lòng chờ, nhân viên sẽ tham gia ngay. "
        "Cuộc gọi này được máy phiên dịch và ghi âm.",
        "mn": "Түр хүлээнэ үү, ажилтан холбогдож байна. "
        "Энэ дуудлагыг машинаар орчуулж, бичлэг хийнэ.",
    },
    "live_no_agent": {
        "en": "All agents are busy. Please leave a message instead.",
        "zh": "咨询员都在忙。请改为留言。",
        "ja": "ただいま担当者がすべて対応中です。メッセージを残してください。",
        "vi": "Tất cả nhân viên đều đang bận. Xin vui lòng để lại tin nhắn.",
        "mn": "Бүх ажилтан завгүй байна. Зурвас үлдээнэ үү.",
    },
    "reply_by_text": {
        "en": "The agent's answer has been sent to your phone as a text message.",
        "zh": "咨询员的回答已通过短信发送到您的手机。",
        "ja": "担当者の回答をショートメールでお送りしました。",
        "vi": "Câu trả lời của nhân viên đã được gửi đến điện thoại của bạn bằng tin nhắn.",
        "mn": "Ажилтны хариуг таны утас руу мессежээр илгээлээ.",
    },
    "goodbye": {
        "en": "Thank you for calling the 120 call centre. Goodbye.",
        "zh": "感谢您致电120呼叫中心。再见。",
        "ja": "120コールセンターをご利用いただきありがとうございました。",
        "vi": "Cảm ơn bạn đã gọi tổng đài 120. Tạm biệt.",
        "mn": "120 дуудлагын төвд хандсанд баярлалаа. Баяртай.",
    },
}


@dataclass(frozen=True)
class Spoken:
    """One prompt as the caller will hear it: spoken by a Twilio voice, or a recording played.

    Exactly one of `say` / `play_path` is set; `play_path` is relative to the prompts folder.
    """

    language: str
    say: str | None = None
    voice: str | None = None
    say_language: str | None = None
    play_path: str | None = None


def text(prompt_id: str, language: str) -> str:
    """The written prompt in `language` (also what the dev pages and tests read)."""
    return _TEXTS[prompt_id][registry.get(language).code]


def recording_notice(language: str) -> str:
    """The phrasebook's reviewed recording-consent notice: as edited on the web when an app is
    at hand, else (or if the answer is gone) the text shipped with relay, since a caller must
    hear it before anything is recorded."""
    if has_app_context():
        try:
            return services().languages.books.phrasebook().text(RECORDING_NOTICE_ID, language)
        except UnknownEntryError:
            pass
    return Phrasebook().text(RECORDING_NOTICE_ID, language)


class Prompts:
    """Turns prompt ids into what to <Say> or <Play>, looking for recordings in one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def recording(self, prompt_id: str, language: str) -> str | None:
        """The provided recording of a prompt, relative to the folder, if one exists."""
        for suffix in AUDIO_SUFFIXES:
            candidate = self.folder / language / f"{prompt_id}{suffix}"
            if candidate.is_file():
                return f"{language}/{prompt_id}{suffix}"
        return None

    def say(self, words: str, language: str) -> Spoken:
        """Any text in `language`'s Twilio voice; a language without one gets no voice at all."""
        lang = registry.get(language)
        if lang.twilio_say_voice is None:
            return Spoken(language, say=words)
        return Spoken(
            language, say=words, voice=lang.twilio_say_voice, say_language=lang.twilio_say_language
        )

    def has_voice(self, language: str) -> bool:
        """True when replies in `language` can be spoken (a Twilio voice exists)."""
        return registry.get(language).twilio_say_voice is not None

    def menu_option(self, language: str) -> Spoken:
        """One line of the language menu, in that language (English fallback for Mongolian)."""
        recorded = self.recording("menu", language)
        if recorded is not None:
            return Spoken(language, play_path=recorded)
        if not self.has_voice(language):
            lang = registry.get(language)
            return self.say(f"For {lang.english_name}, press {lang.menu_digit}.", "en")
        return self.say(text("menu", language), language)

    def in_language(self, prompt_id: str, language: str) -> Spoken:
        """A prompt for a caller of `language`; English words where neither voice nor recording
        exists (Mongolian without provided recordings)."""
        recorded = self.recording(prompt_id, language)
        if recorded is not None:
            return Spoken(language, play_path=recorded)
        spoken_in = language if self.has_voice(language) else "en"
        return self.say(_prompt_text(prompt_id, spoken_in), spoken_in)


def _prompt_text(prompt_id: str, language: str) -> str:
    if prompt_id == "recording_notice":
        return recording_notice(language)
    return text(prompt_id, language)
