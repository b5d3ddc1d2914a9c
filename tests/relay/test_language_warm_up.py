"""Language models load when a serving process starts, so the first message does not wait."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from languages.argos import ArgosEngine
from languages.engine import TranslationError
from languages.m2m import M2MEngine
from relay.engines import Readiness
from relay.services import services


def _warm(app: Flask) -> dict[str, Any]:
    languages = services(app).languages
    thread = languages.warm_up_in_background()
    assert thread is not None
    thread.join(timeout=120)
    assert languages.warm_up_in_background() is None  # once per process
    return languages.warm_up_status()


def test_warm_up_loads_every_pair_to_and_from_korean(app: Flask) -> None:
    languages = services(app).languages
    assert languages.readiness is Readiness.UNLOADED
    status = _warm(app)
    assert status["state"] == "ready", status
    assert {"en-ko", "ko-en", "zh-ko", "vi-ko", "ko-vi", "mn-ko"} <= set(status["pairs"])
    assert not any("ko" not in pair for pair in status["pairs"])
    # Loaded now, not on the first message: both engines hold their models in memory.
    translator = languages.translator()
    argos = translator.engine_for("zh", "ko")
    m2m = translator.engine_for("vi", "ko")
    assert isinstance(argos, ArgosEngine) and isinstance(m2m, M2MEngine)
    assert len(argos._translators) >= 2  # zh→en and en→ko
    assert m2m._loaded is not None
    public = app.test_client().get("/healthz").json
    assert public == {"status": "ok", "models": "ready", "delivery": "outbox"}


def test_a_model_that_fails_to_load_is_named_and_the_others_still_load(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: M2MEngine, source: str, target: str) -> None:
        raise TranslationError("model.bin is truncated")

    monkeypatch.setattr(M2MEngine, "warm", broken)
    status = _warm(app)
    assert status["state"] == "failed"
    assert "vi-ko: model.bin is truncated" in status["error"]
    assert "en-ko" in status["pairs"]
    public = app.test_client().get("/healthz")
    assert public.status_code == 200  # messages are still taken and kept
    assert public.json == {"status": "ok", "models": "failed", "delivery": "outbox"}


def test_flask_worker_loads_the_models_as_it_starts(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[Readiness] = []

    class Consumer:
        def run(self) -> None:
            started.append(services(app).languages.readiness)

    monkeypatch.setattr("relay.job_queue.make_consumer", lambda huey, threads: Consumer())
    result = app.test_cli_runner().invoke(args=["worker", "--threads", "1"])
    assert result.exit_code == 0, result.output
    assert started and started[0] is not Readiness.UNLOADED


def test_whisper_threads_and_time_limit_come_from_configuration(app_factory: Any) -> None:
    app = app_factory(WHISPER_CPU_THREADS=2, WHISPER_TIME_LIMIT_SECONDS=45.0)
    recognizer = services(app).languages.recognizer()
    assert (recognizer.cpu_threads, recognizer.time_limit) == (2, 45.0)
    unbounded = app_factory(WHISPER_TIME_LIMIT_SECONDS=0)
    assert services(unbounded).languages.recognizer().time_limit is None
