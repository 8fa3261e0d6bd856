"""CLI commands: personal."""
