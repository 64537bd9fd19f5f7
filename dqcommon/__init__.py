"""Shared plumbing for the three gRPC services.

Only cross-cutting mechanics live here (server bootstrap with health,
reflection and graceful shutdown; structured logging with a request id;
rich gRPC errors; the tool catalog shared by TaskService and
AnalysisService). No domain logic, no adapters.
"""
