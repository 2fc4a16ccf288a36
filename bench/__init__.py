"""Benchmark scripts (run as `python bench/<name>.py`); figures are medians with ratios."""
