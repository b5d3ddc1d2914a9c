"""Agent pages benchmark: rendering the queue, a thread and the admin search with 10,000,
100,000 and 1,000,000 conversations in the record, each against a bare SQL query fetching the
same rows.

The question is what the page costs on top of the database: the ORM, the per-row presentation
(language labels, quality badges, glossary highlighting) and the templates. Both sides run in
this process on the same SQLite file (WAL, as the embedded install uses); the page is fetched
through Flask's test client by a signed-in agent or admin, the baseline runs the equivalent
SELECTs with the DB-API cursor and throws the rows away. A ratio of 20 means the page takes
twenty times the bare query; what matters is that it stays flat as the record grows (deep
pages, large tables), which the cases at page 1 and page 150 and the three sizes show.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import tempfile
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from bench import Options, Result, interleaved_medians

#: Record sizes: today's 10,000 conversations, and ten and a hundred times that.
SCALES = (10_000, 100_000, 1_000_000)
MESSAGES_PER_CONVERSATION = 3
BASELINE = "bare SQL for the same rows"
PAGE = 50
LANGUAGES = ("en", "zh", "ja", "vi", "mn")
TEXTS = {
    "en": "I lost my wallet on the bus near the city hall.",
    "zh": "我在公交车上丢了钱包。",
    "ja": "バスで財布をなくしました。",
    "vi": "Tôi bị mất ví trên xe buýt.",
    "mn": "Би автобусанд түрийвчээ гээчихлээ.",
}


def run(options: Options) -> list[Result]:
    """Seed a record of each size, sign in, and time each page against its bare query."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    results: list[Result] = []
    for conversations in SCALES:
        results.extend(_run_at(conversations, options))
    return results


def _run_at(conversations: int, options: Options) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="relay-bench-agent-") as folder:
        app, db_path = _app(Path(folder))
        _seed(db_path, conversations)
        agent, admin = _clients(app)
        raw = sqlite3.connect(db_path, check_same_thread=False)
        middle = conversations - OPEN // 2  # an open thread whose resident wrote before
        cases = [
            ("queue, page 1", agent, "/agent/", partial(_bare_queue, raw, 0)),
            ("queue, page 150", agent, "/agent/?page=150", partial(_bare_queue, raw, 149 * PAGE)),
            (
                "thread, 3 messages",
                agent,
                f"/agent/conversations/{middle}",
                partial(_bare_thread, raw, middle),
            ),
            (
                "admin search by text",
                admin,
                "/admin/conversations?q=wallet",
                partial(_bare_search, raw, "wallet"),
            ),
            (
                "admin search by phone",
                admin,
                "/admin/conversations?phone=1234",
                partial(_bare_phone, raw, "1234"),
            ),
        ]
        results = []
        for name, client, url, bare in cases:
            timing = interleaved_medians(partial(_get, client, url), bare, options.runs)
            results.append(
                Result(
                    "agent_pages",
                    name,
                    timing.ours,
                    timing.baseline,
                    BASELINE,
                    note=f"{conversations:,} conversations",
                )
            )
        raw.close()
        from relay.services import services

        services(app).engine.dispose()
        return results


def _get(client: Any, url: str) -> int:
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return len(response.get_data())


def _app(folder: Path) -> tuple[Any, Path]:
    from relay import create_app
    from transcripts import migrations

    db_path = folder / "relay.db"
    url = f"sqlite:///{db_path}"
    migrations.upgrade(url)
    app = create_app(
        {
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "INSTANCE_PATH": str(folder / "instance"),
            "DATABASE_URL": url,
            "QUEUE_URL": "memory://",
            "MODELS_PATH": str(folder / "models"),
            "DEV_PAGES": False,
        }
    )
    return app, db_path


def _seed(db_path: Path, count: int) -> None:
    """`count` conversations, three messages each, as a record grows: the newest 10,000 open
    (a fifth of them claimed), the rest closed history, residents writing again over the
    months (a third as many residents as conversations). Written in bulk in batches of 50,000
    so a million of them fit in memory."""
    residents = max(count // 3, OPEN)
    with sqlite3.connect(db_path) as connection:
        connection.execute(
            "INSERT INTO users (id, username, role, password_hash, active, created_at) "
            "VALUES (1, 'seed', 'agent', '-', 1, ?)",
            (START.strftime(FMT),),
        )
        connection.executemany(
            "INSERT INTO contacts (id, phone, language, created_at) VALUES (?, ?, ?, ?)",
            (
                (n, f"+8210{n:08d}", LANGUAGES[n % len(LANGUAGES)], START.strftime(FMT))
                for n in range(1, residents + 1)
            ),
        )
        for first in range(1, count + 1, SEED_BATCH):
            _seed_batch(connection, first, min(first + SEED_BATCH, count + 1), count, residents)


START = datetime(2026, 11, 1, tzinfo=UTC)
FMT = "%Y-%m-%d %H:%M:%S.%f"
SEED_BATCH = 50_000
OPEN = 10_000  # conversations open at once, whatever the size of the record


def _seed_batch(
    connection: sqlite3.Connection, first: int, end: int, count: int, residents: int
) -> None:
    rng = random.Random(first)
    start, fmt = START, FMT
    conversations: list[tuple[object, ...]] = []
    messages: list[tuple[object, ...]] = []
    message_id = (first - 1) * MESSAGES_PER_CONVERSATION
    for n in range(first, end):
        resident = (n - 1) % residents + 1  # the newest OPEN ones are all different residents
        language = LANGUAGES[resident % len(LANGUAGES)]
        at = (start + timedelta(seconds=n * 7)).strftime(fmt)
        if n > count - OPEN:
            claimed = 1 if n % 5 == 0 else None
            conversations.append((n, resident, "sms", "open", language, claimed, at, at, None))
        else:
            conversations.append((n, resident, "sms", "closed", language, 1, at, at, "resolved"))
        for k in range(MESSAGES_PER_CONVERSATION):
            message_id += 1
            inbound = k != 1
            messages.append(
                (
                    message_id,
                    n,
                    "inbound" if inbound else "outbound",
                    "sms",
                    "resident" if inbound else "agent",
                    TEXTS[language] if inbound else "확인해 드리겠습니다.",
                    language if inbound else "ko",
                    round(rng.uniform(0.4, 1.0), 3) if inbound else None,
                    "버스에서 지갑을 잃어버렸어요." if inbound else TEXTS[language],
                    "ko" if inbound else language,
                    "translated" if inbound else "delivered",
                    at,
                    at,
                )
            )
    connection.executemany(
        "INSERT INTO conversations (id, contact_id, channel, status, language, "
        "claimed_by_id, created_at, last_message_at, disposition, needs_interpreter) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
        conversations,
    )
    connection.executemany(
        "INSERT INTO messages (id, conversation_id, direction, channel, author, "
        "original_text, original_language, language_probability, translated_text, "
        "translated_language, status, created_at, updated_at, attempts) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
        messages,
    )


def _clients(app: Any) -> tuple[Any, Any]:
    from relay.auth import hash_password
    from relay.services import services
    from transcripts.models import Role

    clients = []
    for name, role in (("bench-agent", Role.AGENT), ("bench-admin", Role.ADMIN)):
        services(app).record.accounts.create(name, role, hash_password("bench password"))
        client = app.test_client()
        response = client.post("/login", data={"username": name, "password": "bench password"})
        if response.status_code != 302:
            raise RuntimeError(f"could not sign in as {name}: {response.status_code}")
        clients.append(client)
    return clients[0], clients[1]


def _bare_queue(raw: sqlite3.Connection, offset: int) -> int:
    rows = raw.execute(
        "SELECT c.*, k.phone FROM conversations c JOIN contacts k ON k.id = c.contact_id "
        "WHERE c.status = 'open' AND c.claimed_by_id IS NULL "
        "ORDER BY coalesce(c.awaiting_since, c.last_message_at), c.id LIMIT ? OFFSET ?",
        (PAGE, offset),
    ).fetchall()
    raw.execute(
        "SELECT count(*) FROM conversations WHERE status = 'open' AND claimed_by_id IS NULL"
    ).fetchone()
    ids = [row[0] for row in rows]
    marks = ",".join("?" * len(ids))
    raw.execute(
        f"SELECT * FROM messages WHERE id IN (SELECT max(id) FROM messages "  # noqa: S608 - marks
        f"WHERE conversation_id IN ({marks}) GROUP BY conversation_id)",
        ids,
    ).fetchall()
    return len(rows)


def _bare_thread(raw: sqlite3.Connection, conversation_id: int) -> int:
    raw.execute(
        "SELECT c.*, k.phone FROM conversations c JOIN contacts k ON k.id = c.contact_id "
        "WHERE c.id = ?",
        (conversation_id,),
    ).fetchone()
    return len(
        raw.execute(
            "SELECT * FROM messages WHERE conversation_id = ? ORDER BY id", (conversation_id,)
        ).fetchall()
    )


def _bare_search(raw: sqlite3.Connection, needle: str) -> int:
    like = f"%{needle}%"
    where = (
        "c.id IN (SELECT conversation_id FROM messages "
        "WHERE original_text LIKE ? OR translated_text LIKE ?)"
    )
    rows = raw.execute(
        f"SELECT c.*, k.phone FROM conversations c JOIN contacts k ON k.id = c.contact_id "  # noqa: S608
        f"WHERE {where} ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?",
        (like, like, PAGE),
    ).fetchall()
    raw.execute(
        f"SELECT count(*) FROM conversations c WHERE {where}",  # noqa: S608
        (like, like),
    ).fetchone()
    return len(rows)


def _bare_phone(raw: sqlite3.Connection, digits: str) -> int:
    rows = raw.execute(
        "SELECT c.*, k.phone FROM conversations c JOIN contacts k ON k.id = c.contact_id "
        "WHERE k.phone LIKE ? ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?",
        (f"%{digits}%", PAGE),
    ).fetchall()
    return len(rows)
