"""How output files are described to the frontend (contract §2.7, §5.2):
ids, kinds and MIME types come from the file name."""

from __future__ import annotations

from pathlib import PurePosixPath

_MIME = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "csv": "text/csv",
}
_DOWNLOAD_TYPE = {"xlsx": "report", "json": "report", "csv": "data"}


def extension(filename: str) -> str:
    return PurePosixPath(filename).suffix.lower().lstrip(".")


def download_id(filename: str) -> str:
    """The file name with everything but letters, digits, "-" and "_"
    replaced by "_" (``profile_my_data_analysis_json``)."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in filename)


def mime_type(filename: str) -> str:
    return _MIME.get(extension(filename), "application/octet-stream")


def download_type(filename: str) -> str:
    """``/downloads`` item type: report, data or other."""
    return _DOWNLOAD_TYPE.get(extension(filename), "other")


#: What an output is, as the analysis says it (our ``kind`` beside the
#: contract's extension-based ``type``): report, cleaned_data, quarantine,
#: manifest. Outputs recorded before kinds existed fall back to the type.
OUTPUT_KINDS = ("report", "cleaned_data", "quarantine", "manifest")


def output_kind(recorded_type: str, filename: str) -> str:
    if recorded_type in OUTPUT_KINDS:
        return recorded_type
    return "cleaned_data" if download_type(filename) == "data" else download_type(filename)
