"""Settings mean what they say: a boolean written any usual way is that boolean, a value that
cannot be read stops the service at start naming the variable, and the settings cannot change
once the service runs. Before, `RELAY_DEV_PAGES=False` (or `no`, `off`, `"false"`) turned the
development pages on, because Flask read anything but JSON as a non-empty string."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest

from relay.settings import Settings, SettingsError


def _build(tmp_path: Path, **environ: str) -> Settings:
    variables = {f"RELAY_{name}": value for name, value in environ.items()}
    return Settings.from_environment(None, tmp_path / "instance", variables)


@pytest.mark.parametrize("written", ["False", "false", "no", "off", "0", "OFF", " false "])
def test_a_false_boolean_is_false_however_it_is_written(tmp_path: Path, written: str) -> None:
    assert _build(tmp_path, DEV_PAGES=written).DEV_PAGES is False


@pytest.mark.parametrize("written", ["True", "true", "yes", "on", "1"])
def test_a_true_boolean_is_true_however_it_is_written(tmp_path: Path, written: str) -> None:
    assert _build(tmp_path, DEV_PAGES=written).DEV_PAGES is True


@pytest.mark.parametrize(
    ("name", "written", "says"),
    [
        ("DEV_PAGES", "maybe", "true or false"),
        ("WORKER_THREADS", "two", "a whole number"),
        ("VOICE_DOWNLOAD_TIMEOUT_SECONDS", "ten", "a number"),
        ("ABUSE_BLOCK_HOURS", "24, a week", "whole number"),
        ("WORKER_THREADS", "0", "at least 1"),
        ("RETENTION_DAYS", "-1", "cannot be negative"),
        ("PUBLIC_BASE_URL", "relay.example.org", "http:// or https://"),
        ("VOICE_DEFAULT_REPLY_CHANNEL", "fax", "auto, sms or voice"),
    ],
)
def test_a_value_that_cannot_be_read_stops_the_start_naming_it(
    tmp_path: Path, name: str, written: str, says: str
) -> None:
    with pytest.raises(SettingsError) as refused:
        _build(tmp_path, **{name: written})
    assert f"RELAY_{name}" in str(refused.value) and says in str(refused.value)


def test_typed_values_lists_and_derived_paths(tmp_path: Path) -> None:
    built = _build(
        tmp_path,
        WORKER_THREADS="4",
        ABUSE_BLOCK_HOURS="12, 48",
        VOICE_RECORDING_HOSTS="media.example.org recordings.example.org:8443",
        WTF_CSRF_TIME_LIMIT="none",
        PUBLIC_BASE_URL="https://relay.example.org/",
    )
    assert built.WORKER_THREADS == 4
    assert built.ABUSE_BLOCK_HOURS == (12, 48)
    assert built.VOICE_RECORDING_HOSTS == ("media.example.org", "recordings.example.org:8443")
    assert built.WTF_CSRF_TIME_LIMIT is None
    assert built.PUBLIC_BASE_URL == "https://relay.example.org"
    assert built.SESSION_COOKIE_SECURE is True  # served over HTTPS
    assert f"sqlite:///{tmp_path / 'instance' / 'relay.db'}" == built.DATABASE_URL


def test_the_settings_cannot_change_while_the_service_runs(tmp_path: Path) -> None:
    built = _build(tmp_path)
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.DEV_PAGES = True  # type: ignore[misc]


def test_a_mistyped_variable_name_is_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="relay.settings"):
        _build(tmp_path, DEV_PAGE="true")
    assert "RELAY_DEV_PAGE" in caplog.text


def test_the_app_refuses_to_start_with_a_setting_it_cannot_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from relay import create_app

    monkeypatch.setenv("RELAY_DEV_PAGES", "perhaps")
    with pytest.raises(SettingsError, match="RELAY_DEV_PAGES"):
        create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "i"), "OUTBOX": True})
    monkeypatch.setenv("RELAY_DEV_PAGES", "False")
    app = create_app(
        {"TESTING": True, "INSTANCE_PATH": str(tmp_path / "i"), "QUEUE_URL": "memory://"}
    )
    assert app.config["DEV_PAGES"] is False


@pytest.mark.parametrize(
    ("variable", "value"),
    [("RELAY_CENTRE_NAME", "다산콜센터"), ("RELAY_CENTRE_NAME", ""), ("RELAY_CENTRE_NUMBER", "12")],
)
def test_a_centre_name_or_number_a_notice_cannot_carry_stops_the_start(
    tmp_path: Path, variable: str, value: str
) -> None:
    with pytest.raises(SettingsError, match="RELAY_CENTRE_NAME / RELAY_CENTRE_NUMBER"):
        Settings.from_environment(None, tmp_path, {variable: value})


def test_the_centre_is_named_as_configured(tmp_path: Path) -> None:
    environ = {"RELAY_CENTRE_NAME": "Seoul Dasan Call Centre", "RELAY_CENTRE_NUMBER": "02-120"}
    settings = Settings.from_environment(None, tmp_path, environ)
    assert (settings.CENTRE_NAME, settings.CENTRE_NUMBER) == ("Seoul Dasan Call Centre", "02-120")
