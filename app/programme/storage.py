"""Where uploaded files live: in the database by default, so that every app process on every host serves
them, or in MATERIALS_DIR (a directory every host mounts). Files are read back in chunks, never whole."""

import hashlib
import os
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.programme.models import StoredFile

CHUNK_SIZE = 256 * 1024
_UNSAFE_IN_NAME = re.compile(r"[\x00-\x1f\x7f\"\\/:*?<>|]")


def _directory() -> Path | None:
    configured = current_app.config.get("MATERIALS_DIR")
    return Path(configured) if configured else None


def store(data: bytes, filename: str, content_type: str) -> StoredFile:
    """Keep ``data`` and return its row (added to the session, not flushed)."""
    digest = hashlib.sha256(data).hexdigest()
    stored = StoredFile(filename=filename, content_type=content_type, size=len(data), sha256=digest)
    directory = _directory()
    if directory is None:
        stored.data = data
    else:
        # Named by content: two hosts writing the same file write the same bytes to the same name, and the
        # rename makes a half-written file invisible to readers.
        relative = f"{digest[:2]}/{digest}"
        target = directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
            partial.write_bytes(data)
            os.replace(partial, target)
        stored.path = relative
    db.session.add(stored)
    return stored


def chunks(stored: StoredFile) -> Iterator[bytes]:
    """The file's bytes, CHUNK_SIZE at a time."""
    if stored.path:
        directory = _directory()
        if directory is None:
            raise FileNotFoundError(f"stored file {stored.id} is in MATERIALS_DIR, which is not set")
        with open(directory / stored.path, "rb") as handle:
            while block := handle.read(CHUNK_SIZE):
                yield block
        return
    for offset in range(0, stored.size, CHUNK_SIZE):
        # substr() on the column: one chunk in memory at a time, on SQLite and PostgreSQL alike.
        yield (
            db.session.scalar(
                sa.select(sa.func.substr(StoredFile.data, offset + 1, CHUNK_SIZE, type_=sa.LargeBinary)).where(
                    StoredFile.id == stored.id
                )
            )
            or b""
        )


def read(stored: StoredFile) -> bytes:
    """The whole file (for small ones: speaker photos, picture sizes)."""
    return b"".join(chunks(stored))


def delete(stored: StoredFile | None) -> None:
    """Remove a file's row; a file in MATERIALS_DIR stays while another row names the same content."""
    if stored is None:
        return
    if stored.path:
        others = db.session.scalar(
            sa.select(sa.func.count()).where(StoredFile.path == stored.path, StoredFile.id != stored.id)
        )
        directory = _directory()
        if not others and directory is not None:
            (directory / stored.path).unlink(missing_ok=True)
    db.session.delete(stored)


def safe_filename(name: str | None, fallback: str = "file") -> str:
    """A name to store and offer for download: no directories, no control or format characters (such as
    a right-to-left override that disguises an extension), NFC, at most 150 characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"))
    name = _UNSAFE_IN_NAME.sub("_", name).strip(" .")
    if len(name) > 150:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: 149 - len(extension)] + dot + extension) if dot and len(extension) <= 10 else name[:150]
    return name or fallback


def content_disposition(filename: str, *, inline: bool) -> str:
    """Content-Disposition with an ASCII fallback and the real name in RFC 5987's filename*."""
    fallback = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    fallback = _UNSAFE_IN_NAME.sub("_", fallback).strip(" .") or "download"
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
