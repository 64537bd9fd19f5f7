"""Rendering of analysis results: the JSON report and the Excel workbook."""

from analysis_service.findings import json_bytes
from analysis_service.report.builder import build_report
from analysis_service.report.workbook import write_workbook

__all__ = ["build_report", "json_bytes", "write_workbook"]
