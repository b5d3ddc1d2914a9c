"""A serving process's SQLite engine leaves WAL checkpoints to a thread of their own: a commit
never copies the log back and flushes the disk while others wait for the write lock."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import Engine, text

from transcripts.checkpoints import start_checkpoints
from transcripts.db import make_engine


def autocheckpoint(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one())


def test_a_serving_engine_checkpoints_in_the_background_and_commits_never_do(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'served.db'}")
    checkpointer = start_checkpoints(engine)
    assert checkpointer is not None
    assert autocheckpoint(engine) == 0
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (body TEXT)"))
    for _ in range(300):  # well past the 1,000 pages SQLite would checkpoint at by itself
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO notes VALUES (:b)"), {"b": "x" * 4000})
    deadline = time.monotonic() + 10
    while checkpointer.runs == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert checkpointer.runs > 0
    with engine.connect() as connection:
        busy, log_frames, copied = connection.exec_driver_sql(
            "PRAGMA wal_checkpoint(PASSIVE)"
        ).one()
    assert busy == 0 and log_frames == copied
    checkpointer.stop()
    engine.dispose()


def test_other_engines_keep_sqlites_own_checkpoints(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'plain.db'}")
    assert autocheckpoint(engine) == 1000
    engine.dispose()
