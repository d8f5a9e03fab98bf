"""Benchmarks of epic_async against baselines on the embedded simulator: ``python -m benchmarks``."""
