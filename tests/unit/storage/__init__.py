"""Unit tests of the StorageService (no servers)."""
