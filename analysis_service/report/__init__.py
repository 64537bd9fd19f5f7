"""Rendering of analysis results: the JSON report and the Excel workbook."""

from analysis_service.report.builder import build_report, json_bytes, plain
from analysis_service.report.workbook import write_workbook

__all__ = ["build_report", "json_bytes", "plain", "write_workbook"]
