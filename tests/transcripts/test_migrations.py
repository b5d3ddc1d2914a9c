"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from transcripts import migrations
from transcripts.db import make_engine
from transcripts.models import Base


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_migrations_match_the_models(
    backend: str, migrated_template: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite:///{migrated_template}"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
        assert differences == [], "models changed without a migration: " + repr(differences)
        assert not migrations.pending(engine)
    finally:
        engine.dispose()


def test_upgrade_twice_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    migrations.upgrade(url)
    migrations.upgrade(url)
    engine = make_engine(url)
    try:
        assert not migrations.pending(engine)
    finally:
        engine.dispose()
