"""Benchmarks: runnable modules that measure, never assert (`python -m benchmarks.<name>`)."""
