"""A small REST client of the task API (through the gateway)."""
