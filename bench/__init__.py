"""Benchmarks that print figures; run each from the repository root as `python -m bench.<name>`.

The shared scaffolding (scratch databases, common options, timing, tables) is in
bench.harness.
"""
