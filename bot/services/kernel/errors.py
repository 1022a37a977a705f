"""Errors the services raise; drivers turn them into kind replies."""


class ServiceError(Exception):
    """Base class for expected, user-facing failures."""


class NotAllowed(ServiceError):
    """The actor's role does not permit this action."""


class NotFound(ServiceError):
    """A referenced object does not exist."""


class Invalid(ServiceError):
    """Input that breaks a rule (the message says which)."""


class ContainsCpr(Invalid):
    """Text holds a CPR number; it was not stored."""


class Unavailable(ServiceError):
    """A part the action needs is down for now (the search index); try again later."""
