"""Benchmarks, run as scripts: ``.venv/bin/python bench/checkout.py`` (docs/PERFORMANCE.md)."""
