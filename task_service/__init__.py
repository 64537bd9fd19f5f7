"""task_service."""
