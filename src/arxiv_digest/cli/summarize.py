"""CLI commands: summarize."""
