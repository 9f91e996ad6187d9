"""Writing a record file so that a reader never sees half of it."""

import os
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Write through a uniquely named temporary file beside `path`, flush it to disk and rename:
    readers see the old file or the whole new one, and two writers never share a temp file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        write(tmp)
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text(text: str, path: Path) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8", newline="\n"))


def write_pieces(pieces: Iterable[str], path: Path) -> None:
    """Text made of many pieces (a template's output as it renders), written as they come: a
    record at 100 times the 2020 session is tens of MiB of text, and joining it into one string
    first held it twice over, as a list of small strings and as the string."""

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8", newline="\n", buffering=1 << 16) as handle:
            handle.writelines(pieces)

    atomic_write(path, write)


def write_png(png: bytes, path: Path) -> None:
    atomic_write(path, lambda tmp: tmp.write_bytes(png))
