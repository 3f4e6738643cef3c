"""Python client for the Kizuna REST API (API.md §15)."""

__version__ = "0.1.0"
