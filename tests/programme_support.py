"""Helpers for the programme tests: files of every kind, made here, and participants' personal pages."""

import io
import zipfile

from PIL import Image

from app.extensions import db
from app.registrations.services import new_manage_token

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200 + b"This program cannot be run"
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 200


def pptx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("ppt/presentation.xml", "<presentation/>")
    return buffer.getvalue()


def jpeg(width: int = 2000, height: int = 1200, *, gps: bool = False) -> bytes:
    """A JPEG; with ``gps``, EXIF that holds a GPS position (as phones write it)."""
    image = Image.new("RGB", (width, height), (30, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    if gps:
        exif[0x8825] = {1: "N", 2: (41.0, 42.0, 51.0), 3: "E", 4: (44.0, 47.0, 33.0)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def personal_path(registration) -> str:
    """The path of the participant's personal page (a new token, committed)."""
    token = new_manage_token(registration)
    db.session.commit()
    return f"/r/{token}"
