"""Adapters to the outside world: the S3-compatible object store."""
