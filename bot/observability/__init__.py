"""Exporters of the bot's telemetry (Prometheus)."""
