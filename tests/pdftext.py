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


def qr_codes(data: bytes) -> list[str]:
    """What the QR codes on a PDF's first page say, read from the page as a printer
    would print it (poppler's pdftoppm at 150 dpi, then zbar)."""
    import tempfile
    from pathlib import Path

    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        pytest.fail("needs poppler-utils and zbar-tools (apt-get install poppler-utils zbar-tools)")
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "document.pdf"
        pdf.write_bytes(data)
        command = ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(pdf)]
        subprocess.run([*command, str(Path(folder) / "page")], check=True)
        (image,) = Path(folder).glob("page*.png")
        done = subprocess.run(["zbarimg", "-q", "--raw", str(image)], capture_output=True)
    return done.stdout.decode().split()
