"""CLI commands: fetch."""
