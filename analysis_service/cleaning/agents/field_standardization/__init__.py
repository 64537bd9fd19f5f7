"""field_standardization: pure domain logic (the agent class follows the cleaning interface)."""
