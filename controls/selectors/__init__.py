"""controls selectors (see docs/architecture.md)."""
