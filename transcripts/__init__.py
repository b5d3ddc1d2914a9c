"""The record of conversations: models, queries, search, export, retention and masking."""
