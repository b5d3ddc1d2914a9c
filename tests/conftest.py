"""Test configuration: fixture modules live in tests/support/ and are registered here."""

pytest_plugins = [
    "tests.support.app_fixtures",
    "tests.support.db_fixtures",
    "tests.support.model_fixtures",
    "tests.support.speech_fixtures",
]
