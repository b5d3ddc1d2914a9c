"""`flask languages evaluate` on a running app's models: the table, the stored result, and the
app routing each pair by it (RELAY_TRANSLATION_ROUTES over it), through the real CLI.

The app's models folder holds the session's tiny Argos packages and a copy of the tiny M2M
model whose Vietnamese token is renamed Chinese (see tests/languages/test_route_evaluation.py):
on a test set whose zh column holds Vietnamese phrases, the direct M2M route is the better one.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from relay.services import services
from relay.settings import Settings, SettingsError
from tests.relay.agent_helpers import sign_in
from tests.support import modelkit
from tests.support.app_fixtures import Webhooks, drain
from transcripts.models import Conversation


def run(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def models_root(tmp_path: Path, relay_models_path: Path, tiny_models: modelkit.TinyModels) -> Path:
    root = tmp_path / "models"
    root.mkdir()
    # argostranslate serves one folder per process: share the session's by a link.
    (root / "argos").symlink_to(relay_models_path / "argos", target_is_directory=True)
    folder = root / "m2m" / "tiny-zh"
    shutil.copytree(tiny_models.m2m_dir, folder)
    vocabulary = folder / "shared_vocabulary.json"
    tokens = json.loads(vocabulary.read_text(encoding="utf-8"))
    renamed = ["__zh__" if token == "__vi__" else token for token in tokens]
    vocabulary.write_text(json.dumps(renamed, ensure_ascii=False), encoding="utf-8")
    return root


@pytest.fixture
def test_set(tmp_path: Path, tiny_models: modelkit.TinyModels) -> Path:
    path = tmp_path / "centre.tsv"
    lines = ["# the centre's own sentences", "ko\tzh"]
    lines += [f"{phrase['ko']}\t{phrase['vi']}" for phrase in tiny_models.phrases]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def translate(app: Flask, text: str) -> dict[str, Any]:
    result = run(app, "translate", "-s", "zh", "-t", "ko", "--json", text)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_evaluate_prints_and_saves_scores_and_the_app_routes_by_them(
    app_factory: Any, models_root: Path, test_set: Path, tiny_models: modelkit.TinyModels
) -> None:
    app = app_factory(MODELS_PATH=str(models_root))
    phrase = tiny_models.phrase("wallet")
    assert translate(app, phrase["vi"])["engine"] == "argos"  # engine order, before measuring

    result = run(app, "languages", "evaluate", str(test_set), "--pair", "zh-ko")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    best = next(line for line in lines if line.startswith("zh-ko") and line.endswith("*"))
    assert "m2m100" in best and "direct" in best and "100.0" in best
    assert any(line.startswith("zh-ko") and "via en" in line for line in lines)
    stored = json.loads((models_root / "route-quality.json").read_text(encoding="utf-8"))
    assert stored["test_set"] == "centre.tsv"
    assert {score["engine"] for score in stored["scores"]} == {"argos", "m2m100"}

    routed = translate(app, phrase["vi"])
    assert (routed["engine"], routed["pivot"], routed["text"]) == ("m2m100", None, phrase["ko"])

    overridden = app_factory(MODELS_PATH=str(models_root), TRANSLATION_ROUTES="zh-ko=argos")
    assert translate(overridden, phrase["vi"])["engine"] == "argos"


def test_evaluate_explains_a_file_or_pair_it_cannot_use(
    app_factory: Any, models_root: Path, tmp_path: Path
) -> None:
    app = app_factory(MODELS_PATH=str(models_root))
    bad = tmp_path / "bad.tsv"
    bad.write_text("ko\tfr\n안녕\tsalut\n", encoding="utf-8")
    refused = run(app, "languages", "evaluate", str(bad))
    assert refused.exit_code != 0 and "fr" in refused.output
    pair = run(app, "languages", "evaluate", "--pair", "zhko")
    assert pair.exit_code != 0 and "source-target" in pair.output
    assert not (models_root / "route-quality.json").exists()


def test_a_routes_setting_that_cannot_be_read_stops_the_service(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="RELAY_TRANSLATION_ROUTES"):
        Settings.from_environment(
            None, tmp_path / "instance", {"RELAY_TRANSLATION_ROUTES": "zh-ko=deepl"}
        )


def test_the_agent_sees_the_route_used_and_its_measured_quality_in_korean(
    app_factory: Any, models_root: Path, test_set: Path, tiny_models: modelkit.TinyModels
) -> None:
    measuring = app_factory(MODELS_PATH=str(models_root))
    assert run(measuring, "languages", "evaluate", str(test_set), "--pair", "zh-ko").exit_code == 0
    chinese = tiny_models.phrase("arc")["zh"]
    for agent, routes, route, level in (
        ("kim", "", "번역 엠투엠 · 직접 번역", "좋음"),
        ("lee", "zh-ko=argos", "번역 아르고스 · 영어 경유", "낮음"),
    ):
        app = app_factory(MODELS_PATH=str(models_root), TRANSLATION_ROUTES=routes)
        assert Webhooks(app.test_client()).sms(chinese).status_code == 200
        drain(app)
        with services(app).sessions() as session:
            cid = session.scalars(select(func.max(Conversation.id))).one()
        page = sign_in(app, agent).get(f"/agent/conversations/{cid}").get_data(as_text=True)
        assert route in page
        assert "translate-" not in page  # the model's file names stay in the record
        note = re.search(r'<p class="quality \w+">(.*?)</p>', page, re.S)
        assert note is not None
        assert f"번역 품질 {level}" in note.group(1) and "시험 문장 15개로 측정한" in note.group(1)


def test_glossary_placeholders_go_only_to_routes_the_evaluation_saw_keep_them(
    app_factory: Any, tmp_path: Path, relay_models_path: Path, tiny_models: modelkit.TinyModels
) -> None:
    root = tmp_path / "argos-only"
    root.mkdir()
    (root / "argos").symlink_to(relay_models_path / "argos", target_is_directory=True)
    app = app_factory(MODELS_PATH=str(root))
    arc = tiny_models.phrase("arc")
    # Given "我想更新[0]。", the tiny zh→en→ko chain keeps the placeholder but says "call [0]".
    assert translate(app, arc["zh"])["text"] == "외국인등록증에 전화하세요."

    test_set = tmp_path / "zh.tsv"
    rows = [f"{phrase['ko']}\t{phrase['zh']}" for phrase in tiny_models.phrases]
    test_set.write_text("ko\tzh\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert run(app, "languages", "evaluate", str(test_set), "--pair", "zh-ko").exit_code == 0
    [score] = json.loads((root / "route-quality.json").read_text(encoding="utf-8"))["scores"]
    assert score["placeholders_kept"] < score["placeholders_total"]

    # Measured to lose placeholders, the route gets the term as written, and translates it.
    assert translate(app, arc["zh"])["text"] == arc["ko"]
