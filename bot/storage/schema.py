"""Every table, imported in one place so that `Base.metadata` knows them all (for Alembic,
`create_all` and the tests that scan every table). Code imports a table from its domain."""

from __future__ import annotations

from bot.storage.base import Base
from bot.storage.broadcasts import models as broadcasts
from bot.storage.conversations import models as conversations
from bot.storage.delivery import models as delivery
from bot.storage.feedback import models as feedback
from bot.storage.identity import models as identity
from bot.storage.knowledge import models as knowledge
from bot.storage.pulse import models as pulse
from bot.storage.questions import models as questions
from bot.storage.reflection import models as reflection

DOMAIN_MODELS = (
    identity,
    questions,
    delivery,
    broadcasts,
    reflection,
    feedback,
    conversations,
    pulse,
    knowledge,
)
metadata = Base.metadata
