"""The outbox: mail rows committed with the change that caused them, delivered by workers."""
