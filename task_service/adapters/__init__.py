"""Adapters: the database (SQLAlchemy + Alembic) and the gRPC clients of
StorageService and AnalysisService."""
