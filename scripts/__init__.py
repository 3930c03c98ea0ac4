"""Operator commands; run from the repository root as `python -m scripts.<command>` (the Makefile does)."""
