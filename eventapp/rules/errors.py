from __future__ import annotations


class RuleError(ValueError):
    """A broken domain rule: `field` names the input, `message` is a lazy translation."""

    def __init__(self, field: str, message: object) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

    def __str__(self) -> str:
        return str(self.message)
