"""Files the app keeps beside its database (printed documents, product photos)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, content: bytes, mode: int | None = None) -> None:
    """Write aside and rename into place: a reader sees the whole file or none, and two
    writers of the same file never tear it. The file is made readable by its owner only
    (0600) and gets ``mode`` before it takes its name, so a secret is never readable by
    others, not even for a moment."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
