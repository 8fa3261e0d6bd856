"""CLI commands: publish."""
