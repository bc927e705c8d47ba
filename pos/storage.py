"""Files the app keeps beside its database (printed documents, product photos), and
keeping them its user's alone: folders 0700, files 0600, from the moment they exist
(docs/SECURITY.md, "Documents and files")."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600
# What the `pos` command runs under: whatever else it creates (SQLite's journal files,
# a server's temporary files) is its user's alone too.
PRIVATE_UMASK = 0o077


def private_umask() -> None:
    os.umask(PRIVATE_UMASK)


def make_private_folder(path: Path) -> Path:
    """Create ``path`` and each missing folder above it as 0700 (whatever the umask);
    folders that exist are left as they are."""
    missing = []
    folder = Path(path)
    while not folder.exists():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_FOLDER)
        except FileExistsError:
            continue  # another process made it meanwhile
        os.chmod(folder, PRIVATE_FOLDER)
    return Path(path)


def keep_private(path: Path, mode: int) -> None:
    """Narrow an existing file or folder to ``mode`` when it allows more (one left by an
    older version, or made under a wide umask). A path that is not this user's, or that
    cannot be changed, is left as it is."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return
    if not info.st_mode & 0o777 & ~mode:
        return
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return
    with contextlib.suppress(OSError):  # e.g. a read-only file system
        os.chmod(path, mode)


def create_private_file(path: Path) -> bool:
    """Create an empty file readable by its owner only, unless it exists; True if made."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return False
    os.close(descriptor)
    return True


def write_atomically(path: Path, content: bytes, mode: int | None = None) -> None:
    """Write aside and rename into place: a reader sees the whole file or none, and two
    writers of the same file never tear it. The file is made readable by its owner only
    (0600) and gets ``mode`` before it takes its name, so a secret is never readable by
    others, not even for a moment; missing folders are made 0700."""
    make_private_folder(path.parent)
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
