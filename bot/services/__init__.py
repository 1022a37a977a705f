"""Business rules. Nothing here imports Telegram, SQL or HTTP libraries."""
