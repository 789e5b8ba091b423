"""The built-in demo capture that ``carhunt hunt`` runs on when given no path."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def capture_path() -> Path:
    """Return the path of the demo capture shipped with the package."""
    return Path(str(resources.files(__package__).joinpath("capture.jsonl")))
