"""The same code at scale, switched by configuration only: PostgreSQL for the record, Redis for
the queue, and the jobs run by a separate `flask worker` process, as on many machines."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.app_fixtures import Webhooks, create_user
from tests.support.modelkit import TinyModels

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

REPO = Path(__file__).resolve().parents[2]


def test_postgres_redis_and_a_separate_worker_process(
    app_factory: Any,
    tmp_path: Path,
    relay_models_path: Path,
    empty_postgres: str,
    redis_url: str,
    tiny_models: TinyModels,
) -> None:
    settings = {"DATABASE_URL": empty_postgres, "QUEUE_URL": redis_url}
    app = app_factory(**settings)
    env = {
        **os.environ,
        "RELAY_INSTANCE_PATH": str(tmp_path / "worker-instance"),
        "RELAY_DATABASE_URL": empty_postgres,
        "RELAY_QUEUE_URL": redis_url,
        "RELAY_MODELS_PATH": str(relay_models_path),
        "RELAY_TRANSLATION_BEAM_SIZE": "1",
        "RELAY_OUTBOX": "true",  # no Twilio account: without a choice the worker refuses to start
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--threads", "2"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        headers = {"Authorization": f"Bearer {create_user(app)}"}
        webhooks = Webhooks(app.test_client())
        phrases = [tiny_models.phrase(name) for name in ("wallet", "fine", "garbage")]
        for number, phrase in enumerate(phrases):
            response = webhooks.sms(phrase["vi"], from_number=f"+8210555000{number:02d}")
            assert response.status_code == 200

        deadline = time.monotonic() + 90
        rows: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            rows = (
                app.test_client().get("/api/conversations", headers=headers).json["conversations"]
            )
            if len(rows) == 3 and all(
                row["last_message"]["status"] == "translated" for row in rows
            ):
                break
            assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
            time.sleep(0.3)
        translated = sorted(row["last_message"]["translated_text"] for row in rows)
        assert translated == sorted(phrase["ko"] for phrase in phrases)
        admin = {"Authorization": f"Bearer {create_user(app, 'root', 'admin')}"}
        health = app.test_client().get("/healthz", headers=admin).json["checks"]
        assert health["database"]["backend"] == "postgresql"
        assert health["queue"]["backend"] == "RedisHuey"
        assert health["queue"]["pending"] == 0
    finally:
        os.killpg(worker.pid, signal.SIGINT)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        if worker.stderr is not None:
            worker.stderr.close()
