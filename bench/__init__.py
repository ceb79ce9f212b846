"""Benchmarks: side by side, interleaved, ratios (see docs/benchmarks.md)."""
