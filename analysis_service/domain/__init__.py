"""Pure domain of the AnalysisService's profiling.

Nothing here knows about gRPC, storage or threads: a byte-chunk iterator goes
in (``sources``: CSV, JSON or XLSX, decided by content), mergeable
per-column state is accumulated in one pass (``sketches``, ``profile``) and
a plain :class:`~.profile.DatasetProfile`
comes out. The agents (``analysis_service.agents``) turn that profile into
results, and ``analysis_service.report`` renders them.
"""
