"""controls api (see docs/architecture.md)."""
