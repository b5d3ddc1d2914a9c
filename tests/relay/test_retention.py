"""The retention policy deletes old closed conversations and their audio, nothing else."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import select, update

from relay.retention import purge_expired
from relay.services import services
from tests.support.app_fixtures import Webhooks
from tests.support.staff import STAFF
from transcripts.db import utcnow
from transcripts.models import Conversation, Disposition, Message


def test_purge_deletes_audio_inside_the_instance_folder_only(app: Flask, tmp_path: Path) -> None:
    webhooks = Webhooks(app.test_client())
    webhooks.sms("first", from_number="+821011110000")
    webhooks.sms("second", from_number="+821022220000")
    instance = Path(app.instance_path)
    inside = instance / "recordings" / "1" / "RE1.wav"
    inside.parent.mkdir(parents=True)
    inside.write_bytes(b"RIFF")
    outside = tmp_path / "elsewhere.wav"
    outside.write_bytes(b"RIFF")
    svc = services(app)
    with svc.sessions() as session, session.begin():
        ids = list(session.scalars(select(Message.id).order_by(Message.id)))
        session.execute(
            update(Message).where(Message.id == ids[0]).values(audio_path="recordings/1/RE1.wav")
        )
        session.execute(update(Message).where(Message.id == ids[1]).values(audio_path=str(outside)))
    with svc.sessions() as session:
        conversation_ids = list(session.scalars(select(Conversation.id)))
    for conversation_id in conversation_ids:
        svc.record.agents.close(conversation_id, STAFF, Disposition.RESOLVED)
    with svc.sessions() as session, session.begin():
        session.execute(update(Conversation).values(closed_at=utcnow() - timedelta(days=40)))

    assert purge_expired(svc, 60, instance).conversations == 0
    report = purge_expired(svc, 30, instance)
    assert report.conversations == 2
    assert not inside.exists()
    assert outside.exists()  # a path outside the instance folder is never deleted
    with svc.sessions() as session:
        assert session.scalar(select(Message.id)) is None


def test_purge_prunes_old_simulator_audio(app: Flask) -> None:
    import os
    import time

    folder = Path(app.instance_path) / "dev-audio"
    folder.mkdir(parents=True)
    old, new = folder / "old.wav", folder / "new.wav"
    old.write_bytes(b"RIFF")
    new.write_bytes(b"RIFF")
    long_ago = time.time() - 40 * 86400
    os.utime(old, (long_ago, long_ago))
    purge_expired(services(app), 30, Path(app.instance_path))
    assert not old.exists()
    assert new.exists()
