"""controls views (see docs/architecture.md)."""
