"""Reviewed data files of the languages package (glossary, quality notes, silence phrases).

A package only so that the files travel with a built wheel as package data.
"""
