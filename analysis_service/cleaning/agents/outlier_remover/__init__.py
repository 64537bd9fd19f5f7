"""outlier_remover: pure domain logic (the agent class follows the cleaning interface)."""
