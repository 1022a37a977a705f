"""A fake Telegram Bot API server and simulated users for end-to-end tests."""

from .faults import Fault
from .models import BotMessage
from .server import FakeBotApi
from .simuser import SimUser

__all__ = ["BotMessage", "FakeBotApi", "Fault", "SimUser"]
