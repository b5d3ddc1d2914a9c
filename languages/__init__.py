"""Everything about language for relay: registry, detection, speech, translation, glossary, models.

Nothing in this package imports Flask, SQLAlchemy or the `relay` and `transcripts` packages, so it
can be used and tested on its own (see docs/architecture.md).
"""
