"""Reusable constructs: each builds one secure-by-default piece and exposes what it creates."""
