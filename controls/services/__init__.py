"""controls services (see docs/architecture.md)."""
