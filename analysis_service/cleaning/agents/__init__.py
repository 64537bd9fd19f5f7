"""One package per cleaning agent (see cleaning/model.py)."""
