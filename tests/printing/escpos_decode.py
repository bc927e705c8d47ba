"""A small ESC/POS decoder for tests: bytes in, what the printer would print out.

It turns a job into text lines (with the alignment, emphasis and size each was printed
with), the payloads of the QR codes the printer draws itself (``GS ( k``), and whether
the paper is cut. Styling commands are applied to the lines or recorded; a command it
does not know raises ``UnknownCommand`` naming the offset, so a test never passes over
bytes a real printer would print as garbage. Text is decoded in the code page chosen
with ``ESC t`` (437 at power-on).

Used by the server's tests (tests/printing/) and by the tablet encoder's tests, which
compare the browser's bytes with the server's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ESC, GS, FS, LF, CR, HT = 0x1B, 0x1D, 0x1C, 0x0A, 0x0D, 0x09

# ESC t n → Python codec (Epson's character code tables; the ones our encoders use).
CODE_PAGES = {
    0: "cp437",
    2: "cp850",
    3: "cp860",
    4: "cp863",
    5: "cp865",
    16: "cp1252",
    17: "cp866",
    18: "cp852",
    19: "cp858",
}

# Commands with a fixed number of argument bytes, after ESC or GS.
ESC_ARGS = {
    ord("@"): 0,  # initialise
    ord("!"): 1,  # print mode
    ord("-"): 1,  # underline
    ord("2"): 0,  # default line spacing
    ord("3"): 1,  # line spacing
    ord("a"): 1,  # justification
    ord("d"): 1,  # print and feed n lines
    ord("e"): 1,  # print and reverse feed
    ord("E"): 1,  # emphasis
    ord("G"): 1,  # double strike
    ord("J"): 1,  # print and feed n dots
    ord("M"): 1,  # font
    ord("R"): 1,  # international character set
    ord("t"): 1,  # code table
    ord("V"): 1,  # 90° rotation
    ord("{"): 1,  # upside down
    ord("r"): 1,  # colour
    ord("$"): 2,  # absolute position
    ord("\\"): 2,  # relative position
    ord(" "): 1,  # right-side character spacing
    ord("p"): 3,  # cash drawer pulse
    ord("c"): 2,  # paper sensors (ESC c 3 n / ESC c 4 n / ESC c 5 n)
}
GS_ARGS = {
    ord("!"): 1,  # character size
    ord("B"): 1,  # reverse (white on black)
    ord("b"): 1,  # smoothing
    ord("|"): 1,  # density
    ord("L"): 2,  # left margin
    ord("W"): 2,  # print area width
    ord("H"): 1,  # barcode text position
    ord("h"): 1,  # barcode height
    ord("w"): 1,  # barcode module width
    ord("f"): 1,  # barcode text font
    ord("a"): 1,  # automatic status back
}

# After FS: the Kanji mode commands that encoders send to leave double-byte mode.
FS_ARGS = {
    ord("."): 0,  # cancel Kanji character mode
    ord("&"): 0,  # select Kanji character mode
    ord("C"): 1,  # Kanji code system
}


class UnknownCommand(ValueError):
    pass


@dataclass
class Line:
    text: str
    align: str = "left"
    bold: bool = False
    double_width: bool = False
    double_height: bool = False
    inverted: bool = False
    qr: str | None = None  # set on the line where a QR code is printed (text "")

    @property
    def columns(self) -> int:
        """How many font-A columns the text takes on paper."""
        return len(self.text) * (2 if self.double_width else 1)


@dataclass
class Decoded:
    lines: list[Line] = field(default_factory=list)
    qr_codes: list[str] = field(default_factory=list)
    cut: bool = False
    cut_count: int = 0
    initialised: bool = False
    code_pages: list[int] = field(default_factory=list)
    # Commands that changed nothing the tests look at, by name (e.g. "ESC 3", "GS L").
    commands: list[str] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        """The printed text lines, QR lines left out."""
        return [line.text for line in self.lines if line.qr is None]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    def find(self, needle: str) -> Line:
        """The first line containing ``needle``; AssertionError naming it otherwise."""
        for line in self.lines:
            if needle in line.text:
                return line
        raise AssertionError(f"{needle!r} is not printed; lines:\n{self.text}")

    def starting(self, prefix: str) -> Line:
        """The first line that begins with ``prefix``; AssertionError otherwise."""
        for line in self.lines:
            if line.text.startswith(prefix):
                return line
        raise AssertionError(f"no line begins with {prefix!r}; lines:\n{self.text}")


def decode(data: bytes) -> Decoded:
    """What a printer would print from ``data``. Raises UnknownCommand for bytes it
    cannot account for."""
    out = Decoded()
    state = {
        "align": "left",
        "bold": False,
        "dw": False,
        "dh": False,
        "inv": False,
        "codec": "cp437",
    }
    pending = bytearray()
    pending_style: dict | None = None
    qr_store: str | None = None

    def flush(force: bool) -> None:
        nonlocal pending, pending_style
        if not pending and not force:
            return
        style = pending_style or state
        out.lines.append(
            Line(
                text=bytes(pending).decode(state["codec"]),
                align=style["align"],
                bold=style["bold"],
                double_width=style["dw"],
                double_height=style["dh"],
                inverted=style["inv"],
            )
        )
        pending = bytearray()
        pending_style = None

    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b == LF:
            flush(True)
            i += 1
        elif b == CR:
            i += 1
        elif b == HT:
            pending += b" "
            i += 1
        elif b in (ESC, GS):
            if i + 1 >= n:
                raise UnknownCommand(f"truncated command at offset {i}")
            cmd = data[i + 1]
            name = ("ESC " if b == ESC else "GS ") + chr(cmd)
            if b == GS and cmd == ord("("):  # GS ( k / GS ( L …: length-prefixed functions
                kind = data[i + 2]
                length = data[i + 3] + 256 * data[i + 4]
                body = data[i + 5 : i + 5 + length]
                if len(body) != length:
                    raise UnknownCommand(f"truncated {name}{chr(kind)} at offset {i}")
                if kind == ord("k") and body[:1] == b"1":  # QR code (cn 49)
                    fn = body[1]
                    if fn == 80:  # store the data (m = '0')
                        qr_store = body[3:].decode("utf-8")
                    elif fn == 81:  # print the stored symbol
                        flush(False)
                        if qr_store is None:
                            raise AssertionError("QR printed without data stored")
                        out.qr_codes.append(qr_store)
                        out.lines.append(Line(text="", align=state["align"], qr=qr_store))
                    else:
                        out.commands.append(f"GS ( k {fn}")
                else:
                    out.commands.append(f"GS ( {chr(kind)}")
                i += 5 + length
                continue
            if b == GS and cmd == ord("V"):  # cut
                mode = data[i + 2]
                flush(False)
                out.cut = True
                out.cut_count += 1
                i += 4 if mode in (65, 66) else 3
                continue
            if b == GS and cmd == ord("v") and data[i + 2] == ord("0"):  # raster image
                width = data[i + 4] + 256 * data[i + 5]
                height = data[i + 6] + 256 * data[i + 7]
                out.commands.append("GS v 0")
                i += 8 + width * height
                continue
            table = ESC_ARGS if b == ESC else GS_ARGS
            if cmd not in table:
                raise UnknownCommand(f"unknown command {name!r} (0x{cmd:02x}) at offset {i}")
            count = table[cmd]
            args = data[i + 2 : i + 2 + count]
            if len(args) != count:
                raise UnknownCommand(f"truncated {name!r} at offset {i}")
            i += 2 + count
            # Style changes apply to text that follows; a line keeps the style its
            # first character was written in.
            if b == ESC and cmd == ord("@"):
                flush(False)
                out.initialised = True
                state.update(align="left", bold=False, dw=False, dh=False, inv=False)
                state["codec"] = "cp437"
            elif b == ESC and cmd == ord("t"):
                if args[0] not in CODE_PAGES:
                    raise UnknownCommand(f"code page {args[0]} not known to the decoder")
                out.code_pages.append(args[0])
                state["codec"] = CODE_PAGES[args[0]]
            elif b == ESC and cmd == ord("a"):
                state["align"] = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center",
                                  50: "right"}[args[0]]  # fmt: skip
            elif b == ESC and cmd == ord("E"):
                state["bold"] = bool(args[0] & 1)
            elif b == ESC and cmd == ord("!"):
                state["bold"] = bool(args[0] & 0x08)
                state["dh"] = bool(args[0] & 0x10)
                state["dw"] = bool(args[0] & 0x20)
            elif b == GS and cmd == ord("!"):
                state["dw"] = (args[0] >> 4) >= 1
                state["dh"] = (args[0] & 0x0F) >= 1
            elif b == GS and cmd == ord("B"):
                state["inv"] = bool(args[0] & 1)
            elif b == ESC and cmd == ord("d"):
                flush(False)
                for _ in range(args[0]):
                    out.lines.append(Line(text=""))
            else:
                out.commands.append(name)
        elif b == FS:
            cmd = data[i + 1] if i + 1 < n else -1
            if cmd not in FS_ARGS:
                raise UnknownCommand(f"unknown command FS 0x{cmd:02x} at offset {i}")
            out.commands.append("FS " + chr(cmd))
            i += 2 + FS_ARGS[cmd]
        elif b < 0x20 or b == 0x7F:
            raise UnknownCommand(f"control byte 0x{b:02x} at offset {i}")
        else:
            if not pending:
                pending_style = dict(state)
            pending.append(b)
            i += 1
    flush(False)
    return out
