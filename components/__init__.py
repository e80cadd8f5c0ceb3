"""Reusable dashboard pieces: pure figure builders, formatting and layout factories (no file I/O)."""
