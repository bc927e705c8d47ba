"""Reading PDFs back as a person would read them: poppler's pdftotext, in layout mode
(the columns of a row stay on one line)."""

from __future__ import annotations

import shutil
import subprocess

import pytest


def pdf_text(data: bytes, *, layout: bool = True) -> str:
    """The text of every page, pages separated by a form feed."""
    if shutil.which("pdftotext") is None:
        pytest.fail("needs pdftotext (apt-get install poppler-utils)")
    command = ["pdftotext", "-enc", "UTF-8", *(["-layout"] if layout else []), "-", "-"]
    done = subprocess.run(command, input=data, capture_output=True, check=True)
    return done.stdout.decode()


def pages(data: bytes) -> list[str]:
    return pdf_text(data).rstrip("\f").split("\f")
