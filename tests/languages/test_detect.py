"""Language identification on real resident messages, with the real lingua models."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from languages.detect import Detection, LanguageDetector


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I lost my alien registration card yesterday. How can I get a new one?", "en"),
        ("我的外国人登录证丢了，请问怎么重新办理？", "zh"),
        ("昨日、在留カードをなくしました。再発行の手続きを教えてください。", "ja"),
        ("Tôi bị mất thẻ đăng ký người nước ngoài, tôi phải làm gì?", "vi"),
        ("Би гадаад иргэний үнэмлэхээ гээчихлээ, яах ёстой вэ?", "mn"),
        ("Сайн байна уу, надад тусламж хэрэгтэй байна", "mn"),  # no ө/ү: lingua decides
        ("외국인등록증을 잃어버렸는데 어떻게 재발급 받나요?", "ko"),
    ],
)
def test_sentences_in_all_six_languages(
    detector: LanguageDetector, text: str, language: str
) -> None:
    detection = detector.detect(text)
    assert detection.language == language
    assert detection.probability >= 0.9


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("where is it", "en"),
        ("help me please", "en"),
        ("cảm ơn bạn", "vi"),
        ("Bao giờ tôi nhận được", "vi"),
        ("谢谢你", "zh"),
        ("怎么办", "zh"),
        ("今どこですか", "ja"),
        ("баярлалаа", "mn"),
        ("Хэзээ авах вэ", "mn"),
        ("감사합니다", "ko"),
    ],
)
def test_short_texts(detector: LanguageDetector, text: str, language: str) -> None:
    assert detector.detect(text).language == language


def test_script_shortcuts_say_why(detector: LanguageDetector) -> None:
    assert detector.detect("안녕하세요").reason == "Hangul script"
    assert detector.detect("ありがとう").reason == "kana present"
    mongolian = detector.detect("Өнөөдөр")
    assert (mongolian.language, mongolian.probability) == ("mn", 1.0)
    assert "ө/ү" in mongolian.reason


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I live in 서울 now", "en"),  # a Korean place name inside English
        ("Tôi cần 외국인등록증 gấp", "vi"),  # a Korean term inside Vietnamese
        ("저는 Nguyen입니다", "ko"),  # a Latin name inside Korean
        ("日本語を話せますか", "ja"),  # kanji with kana is Japanese
        ("外国人登録証", "ja"),  # kanji only, but 録 and 証 are Japanese forms
        ("我们在这里", "zh"),  # 们 and 这 exist only in Chinese
    ],
)
def test_mixed_scripts(detector: LanguageDetector, text: str, language: str) -> None:
    assert detector.detect(text).language == language


def test_mixed_scripts_are_reported(detector: LanguageDetector) -> None:
    assert "mixed scripts" in detector.detect("I live in 서울 now").reason
    assert "mixed" not in detector.detect("I live in Seoul now").reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty text"),
        ("   \n", "empty text"),
        ("👍🙏😊", "no words"),
        ("010-1234-5678 !!!", "no words"),
        ("https://www.hikorea.go.kr/info/InfoDatail.pt?CAT_SEQ=1", "no words"),
        ("someone@example.com", "no words"),
    ],
)
def test_text_without_words_has_no_language(
    detector: LanguageDetector, text: str, reason: str
) -> None:
    detection = detector.detect(text)
    assert detection == Detection(None, 0.0, detection.reason, undecided=True)
    assert detection.reason.startswith(reason)
    assert not detection.is_resident


def test_emoji_and_links_do_not_decide(detector: LanguageDetector) -> None:
    assert detector.detect("Cảm ơn 🙏 https://example.com/thanks").language == "vi"
    assert detector.detect("Hi 😊 thanks!!").language == "en"


def test_unserved_languages_are_not_forced_into_a_served_one(detector: LanguageDetector) -> None:
    russian = detector.detect("Здравствуйте, мне нужна помощь с визой")
    assert russian.language is None
    assert "Russian" in russian.reason
    thai = detector.detect("สวัสดีครับ ผมต้องการความช่วยเหลือ")
    assert thai.language is None
    assert "Thai" in thai.reason


def test_resident_languages(detector: LanguageDetector) -> None:
    assert detector.detect("Thank you for your help").is_resident
    assert detector.detect("Баярлалаа, тусламжаа авлаа").is_resident
    assert not detector.detect("도와주셔서 감사합니다").is_resident


def test_short_ambiguous_latin_text_lists_alternatives(detector: LanguageDetector) -> None:
    detection = detector.detect("thank you very much")
    assert detection.language == "en"
    assert [code for code, _ in detection.alternatives] == ["vi"]
    assert detection.probability + detection.alternatives[0][1] == pytest.approx(1.0, abs=1e-3)


def test_five_thousand_characters(detector: LanguageDetector) -> None:
    sentence = "Tôi muốn gia hạn thời gian lưu trú và cần biết phải nộp những giấy tờ gì. "
    text = (sentence * 80)[:5000]
    assert len(text) == 5000
    detector.detect(sentence)  # load the Latin-script models outside the timing
    started = time.perf_counter()
    detection = detector.detect(text)
    assert time.perf_counter() - started < 0.5
    assert (detection.language, detection.probability) == ("vi", 1.0)


def test_one_detector_shared_by_threads() -> None:
    detector = LanguageDetector()
    texts = ["Where is the immigration office?", "Tôi cần giúp đỡ", "Сайн байна уу"] * 8
    with ThreadPoolExecutor(max_workers=6) as pool:
        languages = list(pool.map(lambda text: detector.detect(text).language, texts))
    assert languages == ["en", "vi", "mn"] * 8


def test_preloaded_detector_agrees_with_lazy_one(detector: LanguageDetector) -> None:
    preloaded = LanguageDetector(preload=True)
    preloaded.warm()
    for text in ["Where is the immigration office?", "Tôi cần giúp đỡ", "我们在这里"]:
        assert preloaded.detect(text) == detector.detect(text)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Guten Tag, ich habe eine Frage zu meinem Visum.", "German"),
        ("Magandang araw po, nawala ang aking pitaka.", "Tagalog"),
        ("Saya kehilangan dompet saya di bus.", "Indonesian"),
        ("Hola, necesito ayuda con mi tarjeta.", "Spanish"),
    ],
)
def test_latin_script_languages_relay_does_not_serve_are_not_called_english(
    detector: LanguageDetector, text: str, name: str
) -> None:
    detection = detector.detect(text)
    assert detection.language is None
    assert name in detection.reason


@pytest.mark.parametrize("text", ["ok", "Thank you.", "Please help me", "My name is Anna."])
def test_short_english_is_not_lost_to_distractors(detector: LanguageDetector, text: str) -> None:
    assert detector.detect(text).language == "en"


# Sentences written for these tests: "I lost my (foreign resident registration) card / passport,
# what should I do?", "thank you", "please help", "can I come today?". Kyrgyz and Uzbek have
# no lingua model, and lingua alone called most of these Mongolian or English.
@pytest.mark.parametrize(
    ("text", "named"),
    [
        # Kazakh
        (
            "Сәлеметсіз бе, мен шетелдік тіркеу куәлігімді жоғалтып алдым, не істеуім керек?",
            "Kazakh",
        ),
        ("Рақмет сізге", "Kazakh"),
        ("Көмектесіңізші", "Kazakh"),  # ө as in Mongolian, but і and ң are not
        # Kyrgyz
        ("Саламатсызбы, мага жардам бериңизчи, мен паспортумду автобуста жоготуп алдым.", "Kyrgyz"),
        ("Чоң рахмат", "Kyrgyz"),
        ("Бүгүн келе аламбы?", "Kazakh"),  # only Mongolian letters, ү included: lingua decides
        ("Мен паспортумду жоготуп алдым", "Kazakh"),
        # Uzbek, Cyrillic
        (
            "Ассалому алайкум, мен хорижий фуқаронинг рўйхатдан ўтиш картасини йўқотиб қўйдим.",
            "Uzbek",
        ),
        ("Катта раҳмат", "Uzbek"),
        # Russian: every letter is in the Mongolian alphabet too
        (
            "Здравствуйте, я потерял свою карту регистрации иностранца, что мне теперь делать?",
            "Russian",
        ),
        ("Спасибо большое", "Russian"),
        ("Помогите", "Russian"),
    ],
)
def test_cyrillic_that_is_not_mongolian_is_not_served(
    detector: LanguageDetector, text: str, named: str
) -> None:
    detection = detector.detect(text)
    assert (detection.language, detection.probability) == (None, 0.0)
    assert named in detection.reason


@pytest.mark.parametrize(
    "text",
    [
        "Assalomu alaykum, men chet el fuqarosining roʻyxatdan oʻtish kartasini yoʻqotib "
        "qoʻydim, nima qilishim kerak?",
        "Men pasportimni yo'qotdim",
        "Katta rahmat",
        "Yordam bering",
    ],
)
def test_uzbek_in_latin_letters_is_not_english(detector: LanguageDetector, text: str) -> None:
    detection = detector.detect(text)
    assert detection.language is None
    assert "Uzbek" in detection.reason


def test_short_texts_report_linguas_own_confidence(detector: LanguageDetector) -> None:
    # Among served languages only, "ok" was English with 1.0; lingua itself is far less sure.
    ok = detector.detect("ok")
    assert ok.language == "en" and ok.probability < 0.5
    hello = detector.detect("Сайн байна уу")
    assert hello.language == "mn" and 0.5 < hello.probability < 1.0
