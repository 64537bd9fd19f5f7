"""Pure domain of the AnalysisService's profiling.

Nothing here knows about gRPC, storage or threads: a byte-chunk iterator goes
in (``sources``: CSV, JSON or XLSX, decided by content), every cell is
classified (``cell_kinds``), mergeable per-column state is accumulated in one
pass (``sketches``, ``column_state``) with full-row duplicates in bounded
memory (``row_hashes``), and a plain :class:`~.profile.DatasetProfile` comes
out (``profile``). The agents (``analysis_service.agents``) turn that profile
into findings (``analysis_service.findings``), and ``analysis_service.report``
renders them.
"""
