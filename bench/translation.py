"""Translation benchmark: relay's Translator over M2MEngine against a bare translate_batch call.

The question is what our path costs on top of CTranslate2: sentence splitting, glossary
placeholders and their restoration, the translation-memory lookup (a SQLite database, as the
embedded worker uses), SentencePiece tokenisation and routing. Both sides load the same model
with the same settings (CPU, int8, beam 2 as M2MEngine's default, the `__ko__` target prefix,
the same decoding length) and get the same Vietnamese sentences, vi→ko, one at a time and 16
at a time; the bare call gets them already tokenised, so everything else is ours.

No real model is needed or downloaded: the model has the shape of a transformer-base (6+6
layers, d_model 512, 8 heads, FFN 2048, a 32k vocabulary, which is what the output projection
costs) with random weights, laid out as an M2M-100 CTranslate2 directory. Random weights emit
random tokens, so the builder makes `</s>` impossible: every hypothesis runs to exactly
MAX_DECODING_LENGTH tokens on both sides, and the ratio measures overhead, not how soon a model
stops. The SentencePiece model (800 pieces) is trained on this module's own sentences and cuts
them into 14 to 33 pieces, about 1.2 per word. The build takes seconds and is cached in
`.cache/bench/` under a hash of this file and the library versions.

Two more cases follow (bench/_real_shape.py, bench/_argos_pivot.py): the same comparison in
the real shape of m2m100_418M, with a sweep over threads and beams that chose relay's
defaults, and the Argos zh→en→ko pivot on texts of several sentences against argostranslate's
own pivot.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from bench import Options, Result, _argos_pivot, _real_shape, interleaved_medians
from bench._random_m2m import TRANSFORMER_BASE
from bench._random_m2m import ensure_model as ensure_random_model
from languages.glossary import Glossary
from languages.m2m import END_TOKEN, M2MEngine, language_token
from languages.memory import normalise
from languages.translation import Translator

SOURCE, TARGET = "vi", "ko"
BEAM_SIZE = 2  # M2MEngine's default
MAX_DECODING_LENGTH = 32  # tokens per hypothesis, the target prefix included
BATCH_SIZES = (1, 16)
SENTENCES_PER_CASE = {1: 8, 16: 32}  # batch 1 is slow: fewer sentences keep the bench short
BASELINE = "bare Translator.translate_batch"


#: What residents text a 120 call centre, in Vietnamese: one sentence each, 10-25 words, some
#: with glossary terms, numbers and names so that the glossary has placeholders to manage.
VIETNAMESE = (
    "Tôi mới chuyển đến quận Mapo tháng trước và muốn biết cách đăng ký địa chỉ mới.",
    "Thẻ đăng ký người nước ngoài của tôi sắp hết hạn, tôi cần gia hạn ở đâu?",
    "Xin cho tôi biết ngày nào thu gom rác tái chế ở khu chung cư của tôi?",
    "Con tôi sáu tuổi, tôi muốn đăng ký cho cháu vào trường tiểu học gần nhà.",
    "Tôi bị mất ví trên xe buýt số 7016 sáng nay, tôi phải báo cho ai?",
    "Chủ nhà không chịu trả lại tiền đặt cọc dù hợp đồng thuê nhà đã kết thúc hơn hai "
    "tháng, tôi nên làm gì?",
    "Tôi muốn hỏi về lịch tiêm phòng miễn phí cho trẻ em tại trung tâm y tế công cộng.",
    "Công ty chưa trả lương cho tôi ba tháng rồi, tôi có thể khiếu nại ở đâu?",
    "Làm thế nào để đăng ký bảo hiểm y tế quốc gia cho vợ tôi vừa sang Hàn Quốc?",
    "Tôi cần giấy xác nhận cư trú cho ngân hàng, trung tâm hành chính phường có cấp không?",
    "Hàng xóm tầng trên làm ồn suốt đêm, tôi không ngủ được.",
    "Tôi muốn học tiếng Hàn miễn phí vào buổi tối, ở gần đây có lớp nào không?",
    "Đèn giao thông ở ngã tư trước trường học bị hỏng từ hôm qua.",
    "Tôi đã nộp phạt đỗ xe 40,000 won nhưng vẫn nhận được thông báo nhắc nợ.",
    "Xin hỏi văn phòng quận mở cửa đến mấy giờ vào thứ bảy và chủ nhật?",
    "Bệnh viện nào gần đây có phiên dịch tiếng Việt?",
    "Visa của chồng tôi hết hạn tuần sau, chúng tôi có cần đặt lịch hẹn trên HiKorea không?",
    "Tôi muốn đổi bằng lái xe Việt Nam sang bằng lái xe Hàn Quốc thì cần giấy tờ gì?",
    "Cống thoát nước trước nhà tôi bị tắc và bốc mùi hôi suốt cả tuần nay.",
    "Có chương trình hỗ trợ tiền thuê nhà cho gia đình đa văn hóa có thu nhập thấp không?",
    "Con gái tôi bị bạn cùng lớp bắt nạt, tôi có thể nhờ ai tư vấn bằng tiếng Việt?",
    "Tôi làm rơi điện thoại ở ga tàu điện ngầm Sindorim, làm sao để tìm lại?",
    "Tôi muốn đăng ký lớp học nấu ăn tại Trung tâm Hỗ trợ Gia đình Đa văn hóa.",
    "Hóa đơn tiền gas tháng này cao gấp ba lần bình thường, có lẽ đồng hồ bị lỗi.",
    "Tôi đang mang thai năm tháng và muốn biết về các khoản trợ cấp sinh con của thành phố "
    "cũng như cách nộp hồ sơ.",
    "Một chiếc xe lạ đã đỗ chắn lối vào bãi đỗ xe của chung cư tôi từ sáng đến giờ.",
    "Tôi nên gọi số 1345 để hỏi về thủ tục gia hạn visa lao động phải không?",
    "Bà tôi sống một mình, phường có dịch vụ chăm sóc người cao tuổi tại nhà không?",
    "Tôi muốn bỏ một chiếc tủ lạnh cũ, phải mua nhãn dán rác thải cồng kềnh ở đâu?",
    "Nước máy trong căn hộ của tôi có màu vàng từ hôm qua, có an toàn để uống không?",
    "Tôi bị chủ xưởng đánh và muốn báo cảnh sát nhưng lại sợ bị mất việc.",
    "Xin cho tôi biết thủ tục đăng ký kết hôn với người Hàn Quốc tại tòa thị chính.",
)

#: Agents' replies, only to give the SentencePiece model Korean pieces for the decoder side.
KOREAN = (
    "전입신고는 이사한 날부터 14일 안에 주민센터에서 하시면 됩니다.",
    "외국인등록증 연장은 하이코리아에서 방문 예약을 하신 뒤 출입국·외국인청에 가시면 됩니다.",
    "재활용품은 매주 화요일과 금요일 저녁에 아파트 분리수거장에 내놓으시면 됩니다.",
    "임금 체불은 고용노동부에 진정을 넣으실 수 있고 통역도 도와드립니다.",
    "보건소에서 아이 예방접종을 무료로 받으실 수 있습니다.",
    "분실물은 버스 회사나 경찰서 유실물 센터에 문의해 주세요.",
    "구청은 평일 오전 9시부터 오후 6시까지 문을 엽니다.",
    "다문화가족지원센터에서 한국어 수업과 요리 수업을 무료로 들으실 수 있습니다.",
)


def ensure_model() -> Path:
    """The transformer-base-shaped random model, built on first use (see bench/_random_m2m.py)."""
    return ensure_random_model(TRANSFORMER_BASE, VIETNAMESE + KOREAN)


def run(options: Options) -> list[Result]:
    """Time our translator and the bare library at each batch size; see the module docstring."""
    model_dir = ensure_model()
    with (
        tempfile.TemporaryDirectory(prefix="relay-bench-translation-") as folder,
        _placeholder_warnings_muted(),
    ):
        ours = our_translator(model_dir, Path(folder), options.cpu_threads)
        bare = _bare_translator(model_dir, options.cpu_threads)
        tokenised = tokenise(model_dir, VIETNAMESE)
        results = [_measure(batch, ours, bare, tokenised, options.runs) for batch in BATCH_SIZES]
        del ours, bare  # the real-shape models below need the memory
        results += _real_shape.run(options, VIETNAMESE, VIETNAMESE + KOREAN)
    return results + _argos_pivot.run(options)


@contextlib.contextmanager
def _placeholder_warnings_muted() -> Iterator[None]:
    """Random output never keeps a glossary placeholder, and the router warns each time.

    Those warnings are expected here and would bury the table; a real model keeps most
    placeholders, so not formatting them also matches production more closely.
    """
    router_log = logging.getLogger("languages.translation")
    level = router_log.level
    router_log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        router_log.setLevel(level)


def _measure(
    batch: int, ours: Translator, bare: Any, tokenised: Sequence[list[str]], runs: int
) -> Result:
    """Sentences per second on both sides, from the summed medians of each batch.

    Each batch is timed on its own, ours and bare alternating call by call: other work on the
    machine comes and goes within seconds, and pairing the calls this closely makes it hit both
    sides alike, where alternating whole passes over the sentences did not.
    """
    count = SENTENCES_PER_CASE[batch]
    picked = range(0, len(VIETNAMESE), len(VIETNAMESE) // count)  # short and long alike
    texts = _batches([VIETNAMESE[index] for index in picked], batch)
    tokens = _batches([tokenised[index] for index in picked], batch)
    timings = [
        interleaved_medians(
            partial(ours.translate_many, chunk, SOURCE, TARGET),
            partial(_bare_translate, bare, chunk_tokens),
            runs,
        )
        for chunk, chunk_tokens in zip(texts, tokens, strict=True)
    ]
    _check_lengths([hypothesis for timing in timings for hypothesis in timing.baseline_output])
    ours_seconds = sum(timing.ours for timing in timings)
    bare_seconds = sum(timing.baseline for timing in timings)
    per_sentence = f"{ours_seconds / count * 1000:.0f} vs {bare_seconds / count * 1000:.0f} ms"
    return Result(
        bench="translation",
        case=f"vi→ko, batch {batch} ({count} sentences)",
        ours=count / ours_seconds,
        baseline=count / bare_seconds,
        baseline_name=BASELINE,
        note=f"{per_sentence} per sentence; beam {BEAM_SIZE}, {MAX_DECODING_LENGTH} tokens each",
        unit="sent/s",
    )


def _batches(items: Sequence[Any], size: int) -> list[list[Any]]:
    return [list(items[start : start + size]) for start in range(0, len(items), size)]


def our_translator(
    model_dir: Path,
    folder: Path,
    cpu_threads: int,
    max_decoding_length: int = MAX_DECODING_LENGTH,
) -> Translator:
    """relay's Translator as the worker builds it: database memory, default glossary, M2M."""
    engine = M2MEngine(
        model_dir,
        languages=(SOURCE, TARGET),
        beam_size=BEAM_SIZE,
        intra_threads=cpu_threads,
        max_decoding_length=max_decoding_length,
    )
    return Translator([engine], memory=_database_memory(folder), glossary=Glossary.default())


def _database_memory(folder: Path) -> Any:
    """A SQLite translation memory holding a few approved replies, none of them our inputs.

    Every input misses, so each text pays for the lookup and then goes to the engine.
    """
    from transcripts.db import Base, make_engine, make_session_factory
    from transcripts.memory import DatabaseTranslationMemory

    engine = make_engine(f"sqlite:///{folder / 'memory.db'}")
    Base.metadata.create_all(engine)
    memory = DatabaseTranslationMemory(make_session_factory(engine), normalise)
    for korean in KOREAN:
        memory.remember(f"{korean} (vi)", SOURCE, TARGET, korean)
    return memory


def _bare_translator(model_dir: Path, threads: int) -> Any:
    """The bare call gets the thread count our engine resolves to, so only overhead differs."""
    import ctranslate2

    from languages.engine import cpu_threads

    return ctranslate2.Translator(
        str(model_dir), device="cpu", compute_type="int8", intra_threads=cpu_threads(threads)
    )


def _bare_translate(translator: Any, batch: list[list[str]]) -> list[list[str]]:
    results = translator.translate_batch(
        batch,
        target_prefix=[[language_token(TARGET)]] * len(batch),
        beam_size=BEAM_SIZE,
        max_decoding_length=MAX_DECODING_LENGTH,
    )
    return [result.hypotheses[0] for result in results]


def tokenise(model_dir: Path, sentences: Sequence[str]) -> list[list[str]]:
    """The token lists M2MEngine sends for these sentences: `[__vi__, pieces…, </s>]`."""
    import sentencepiece

    processor = sentencepiece.SentencePieceProcessor(
        model_file=str(model_dir / "sentencepiece.bpe.model")
    )
    return [
        [language_token(SOURCE), *processor.encode(sentence, out_type=str), END_TOKEN]
        for sentence in sentences
    ]


def _check_lengths(hypotheses: Sequence[list[str]]) -> None:
    """Fail loudly if decoding stopped early: the comparison assumes a fixed length."""
    lengths = {len(hypothesis) for hypothesis in hypotheses}
    if lengths != {MAX_DECODING_LENGTH}:
        raise RuntimeError(f"hypothesis lengths {sorted(lengths)}, not {MAX_DECODING_LENGTH}")
