"""Writing small input files inside a test: shared by the loader and fuzz suites."""

import json
from pathlib import Path


def write(directory, name, content):
    """Write str, bytes, or (anything else) JSON to directory/name; return the path."""
    path = Path(directory) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_text(json.dumps(content), encoding="utf-8")
    return path
