"""Adapters of AnalysisService: the StorageService client."""
