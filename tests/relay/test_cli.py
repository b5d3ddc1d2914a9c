"""`flask --app wsgi ...` commands, run through Flask's CLI runner against real models."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from flask import Flask

from tests.support.modelkit import TinyModels
from tests.support.speech_fixtures import SpeechClips
from tests.support.staff import STAFF


def run(app: Flask, *args: str, input: str | None = None) -> Any:
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_users_create_and_token_give_a_working_bearer_token(app: Flask) -> None:
    created = run(app, "users", "create", "minji", "--role", "admin", input="s3cret-pass\n")
    assert created.exit_code == 0, created.output
    assert "created admin 'minji'" in created.output
    token = run(app, "users", "token", "minji")
    assert token.exit_code == 0
    bearer = token.output.strip()
    client = app.test_client()
    assert client.get("/api/conversations").status_code == 401
    headers = {"Authorization": f"Bearer {bearer}"}
    assert client.get("/api/conversations", headers=headers).status_code == 200

    again = run(app, "users", "token", "minji")
    assert client.get("/api/conversations", headers=headers).status_code == 401  # replaced
    new_headers = {"Authorization": f"Bearer {again.output.strip()}"}
    assert client.get("/api/conversations", headers=new_headers).status_code == 200


def test_users_create_refuses_duplicates_short_passwords_and_unknown_users(app: Flask) -> None:
    assert run(app, "users", "create", "minji", input="s3cret-pass\n").exit_code == 0
    duplicate = run(app, "users", "create", "minji", input="s3cret-pass\n")
    assert duplicate.exit_code != 0
    assert "minji" in duplicate.output
    short = run(app, "users", "create", "jun", input="short\n")
    assert short.exit_code != 0
    assert "8 characters" in short.output
    unknown = run(app, "users", "token", "nobody")
    assert unknown.exit_code != 0


def test_translate_command(app: Flask, tiny_models: TinyModels) -> None:
    phrase = tiny_models.phrase("wallet")
    plain = run(app, "translate", "--source", "vi", "--target", "ko", phrase["vi"])
    assert plain.exit_code == 0, plain.output
    assert plain.output.strip() == phrase["ko"]
    as_json = run(app, "translate", "-s", "zh", "-t", "ko", "--json", phrase["zh"])
    assert as_json.exit_code == 0, as_json.output
    result = json.loads(as_json.output)
    assert result["text"] == phrase["ko"]
    assert result["engine"] == "argos"
    assert result["pivot"] == "en"


def test_translate_command_explains_a_missing_pair(app: Flask) -> None:
    result = run(app, "translate", "--source", "vi", "--target", "ja", "Cảm ơn.")
    assert result.exit_code != 0
    assert "vi→ja" in result.output


def test_detect_command(app: Flask) -> None:
    result = run(app, "languages", "detect", "--json", "Tôi bị mất ví trên xe buýt.")
    assert result.exit_code == 0, result.output
    detection = json.loads(result.output)
    assert detection["language"] == "vi"
    assert 0.5 < detection["probability"] <= 1.0
    unknown = run(app, "languages", "detect", "--json", "Guten Tag, ich habe eine Frage.")
    assert json.loads(unknown.output)["language"] is None


def test_languages_list_shows_installed_pairs(app: Flask) -> None:
    result = run(app, "languages", "list")
    assert result.exit_code == 0, result.output
    assert "argos" in result.output
    assert "en→ko" in result.output
    assert "m2m" in result.output
    assert "vi→ko" in result.output
    rows = json.loads(run(app, "languages", "list", "--json").output)
    assert {row["kind"] for row in rows} >= {"argos", "m2m"}


def test_languages_install_from_files_offline_then_remove(
    app_factory: Any, tmp_path: Path, tiny_models: TinyModels
) -> None:
    app = app_factory(MODELS_PATH=str(tmp_path / "models"))
    archive = tiny_models.argos_packages[("en", "ko")]
    installed = run(app, "languages", "install", str(archive), str(tiny_models.m2m_dir))
    assert installed.exit_code == 0, installed.output
    assert "installed argos translate-en_ko" in installed.output
    assert "installed m2m tiny-m2m100" in installed.output
    listing = run(app, "languages", "list").output
    assert "translate-en_ko" in listing
    assert "tiny-m2m100" in listing

    removed = run(app, "languages", "remove", "tiny-m2m100")
    assert removed.exit_code == 0, removed.output
    assert "tiny-m2m100" not in run(app, "languages", "list").output
    missing = run(app, "languages", "remove", "tiny-m2m100")
    assert missing.exit_code != 0
    assert "translate-en_ko" in missing.output  # names what is installed


def test_languages_install_rejects_bad_files(app_factory: Any, tmp_path: Path) -> None:
    app = app_factory(MODELS_PATH=str(tmp_path / "models"))
    nowhere = run(app, "languages", "install", str(tmp_path / "missing.argosmodel"))
    assert nowhere.exit_code != 0
    assert "does not exist" in nowhere.output
    junk = tmp_path / "junk.argosmodel"
    junk.write_bytes(b"not a zip at all")
    result = run(app, "languages", "install", str(junk))
    assert result.exit_code != 0
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../../escape/metadata.json", "{}")
    result = run(app, "languages", "install", str(evil))
    assert result.exit_code != 0
    assert not (tmp_path / "escape").exists()
    assert run(app, "languages", "list").output.startswith("no models installed")


def test_an_m2m_folder_without_its_sentencepiece_model_is_a_clear_error(
    app_factory: Any, tmp_path: Path, tiny_models: TinyModels
) -> None:
    import shutil

    folder = tmp_path / "m2m100_418M-ct2"
    shutil.copytree(tiny_models.m2m_dir, folder)
    (folder / "sentencepiece.bpe.model").unlink()
    app = app_factory(MODELS_PATH=str(tmp_path / "models"))
    result = run(app, "languages", "install", str(folder))
    assert result.exit_code == 1
    assert "no SentencePiece model" in result.output
    assert "Traceback" not in result.output and result.exception is not None
    assert isinstance(result.exception, SystemExit)


def test_db_upgrade_is_idempotent(app: Flask) -> None:
    first = run(app, "db", "upgrade")
    second = run(app, "db", "upgrade")
    assert first.exit_code == second.exit_code == 0
    assert "current" in second.output


def test_transcribe_command_prints_json(
    app_factory: Any, whisper_base_dir: Path, speech_clips: SpeechClips
) -> None:
    app = app_factory(WHISPER_MODEL=str(whisper_base_dir))
    result = run(app, "transcribe", "--json", "--language", "en", str(speech_clips.english_mulaw))
    assert result.exit_code == 0, result.output
    transcript = json.loads(result.output)
    assert transcript["language"] == "en"
    assert set(transcript) >= {"language", "language_probability", "duration", "text", "segments"}
    assert "garbage" in transcript["text"].lower()
    assert {"start", "end", "text"} <= set(transcript["segments"][0])
    silent = run(app, "transcribe", "--json", str(speech_clips.silence_16k))
    assert json.loads(silent.output)["text"] == ""
    broken = Path(app.instance_path) / "broken.wav"
    broken.write_bytes(b"RIFF....WAVEfmt nonsense")
    assert run(app, "transcribe", str(broken)).exit_code != 0


def test_transcripts_export_masks_and_purge_respects_retention(app: Flask) -> None:
    from relay.services import services
    from tests.support.app_fixtures import Webhooks
    from transcripts.models import Disposition

    Webhooks(app.test_client()).sms("My ARC is 900101-5123456", from_number="+821055501234")
    exported = run(app, "transcripts", "export", "--format", "csv")
    assert exported.exit_code == 0, exported.output
    assert "******-*******" in exported.output
    assert "900101-5123456" not in exported.output
    assert "900101-5123456" in run(app, "transcripts", "export", "--unmasked").output

    with services(app).sessions() as session:
        from sqlalchemy import select

        from transcripts.models import Conversation

        conversation_id = session.scalar(select(Conversation.id))
    services(app).record.agents.close(conversation_id, STAFF, Disposition.RESOLVED)
    preview = run(app, "transcripts", "purge", "--days", "1", "--dry-run")
    assert preview.output.startswith("would delete 0 conversations")  # closed just now
    kept = run(app, "transcripts", "purge", "--days", "30")
    assert kept.output.startswith("deleted 0 conversations")
    assert run(app, "transcripts", "purge", "--days", "0").exit_code != 0
