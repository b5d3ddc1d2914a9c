"""Database fixtures: the record on SQLite and on a real PostgreSQL server; Redis for the queue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from tests.support.servers import postgres_server, redis_server
from transcripts import migrations
from transcripts.db import make_engine, make_session_factory
from transcripts.record import Record


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated once with Alembic; each test copies it (fast, and real)."""
    path = tmp_path_factory.mktemp("template") / "relay.db"
    migrations.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL server for the whole session, migrated once."""
    with postgres_server(Path(tmp_path_factory.mktemp("postgres"))) as url:
        migrations.upgrade(url)
        yield url


def _truncate_all(engine: Engine) -> None:
    from transcripts.models import Base

    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def empty_postgres(postgres_url: str) -> str:
    """The session's migrated PostgreSQL, emptied for this test."""
    engine = make_engine(postgres_url)
    _truncate_all(engine)
    engine.dispose()
    return postgres_url


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A Redis server of this test's own, for the queue."""
    with redis_server(tmp_path / "redis") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_engine(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_template: Path
) -> Iterator[Engine]:
    """The same schema on SQLite (a fresh file) and on PostgreSQL (emptied before each test)."""
    if request.param == "sqlite":
        import shutil

        path = tmp_path / "record.db"
        shutil.copyfile(migrated_template, path)
        engine = make_engine(f"sqlite:///{path}")
    else:
        engine = make_engine(request.getfixturevalue("postgres_url"))
        _truncate_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(db_engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(db_engine)


@pytest.fixture
def record(sessions: sessionmaker[Session]) -> Record:
    return Record.build(sessions)
