"""Typed errors that views and commands turn into friendly, translated messages."""


class DomainError(Exception):
    """A rule refused the action; ``str(error)`` is a translated message for the user."""


class PermissionDenied(DomainError):
    """The actor's role may not do this."""


class RegionMismatch(PermissionDenied):
    """The actor works in another region."""


class InvalidInput(DomainError):
    """The data given breaks a rule."""


class NotFound(DomainError):
    """What was asked for does not exist, or is not the asker's to see."""
