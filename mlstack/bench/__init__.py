"""Benchmarks behind `mlstack bench`: each returns its figures; the command prints them."""
