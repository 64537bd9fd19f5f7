"""null_handler: pure domain logic (the agent class follows the cleaning interface)."""
