"""duplicate_resolver: pure domain logic (the agent class follows the cleaning interface)."""
