"""What an uploaded file is, judged by its first bytes rather than its name, and whether it is accepted."""

import io
import warnings
from dataclasses import dataclass

import filetype
from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from app.errors import DomainError
from app.i18n import _
from app.programme.storage import safe_filename

# Detected type -> (extension we give the file, Content-Type we serve it with).
MATERIAL_TYPES = {
    "pdf": ("pdf", "application/pdf"),
    "pptx": ("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "odp": ("odp", "application/vnd.oasis.opendocument.presentation"),
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "odt": ("odt", "application/vnd.oasis.opendocument.text"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "ods": ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
    "png": ("png", "image/png"),
    "jpg": ("jpg", "image/jpeg"),
    "gif": ("gif", "image/gif"),
    "webp": ("webp", "image/webp"),
}
# Shown in the browser rather than downloaded: formats browsers display without running anything.
INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"})
EQUIVALENT_EXTENSIONS = {"jpeg": "jpg"}

PICTURE_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF"})
PICTURE_WIDTHS = (480, 960, 1600)
SPEAKER_PHOTO_WIDTHS = (160, 320)
# Larger images are refused before they are decoded (a small file can unpack to gigabytes of pixels).
MAX_PIXELS = 40_000_000
WEBP_QUALITY = 80


class UploadError(DomainError):
    """An uploaded file that cannot be accepted; the message says why."""

    code = "upload_refused"
    status = 422


@dataclass(frozen=True)
class CheckedFile:
    data: bytes
    filename: str
    content_type: str


def max_bytes() -> int:
    return int(current_app.config.get("MATERIALS_MAX_BYTES", 25 * 1024 * 1024))


def _size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB" if size >= 1024 * 1024 else f"{max(size // 1024, 1)} KB"


def _check_size(data: bytes, field: str) -> None:
    if not data:
        raise UploadError(_("The file is empty."), field=field, code="upload_empty")
    if len(data) > max_bytes():
        raise UploadError(
            _("The file is larger than %(limit)s.", limit=_size_text(max_bytes())), field=field, code="upload_too_large"
        )


def check_material(data: bytes, filename: str, field: str = "file") -> CheckedFile:
    """Accept a PDF, slides, document, spreadsheet or image by its content; the stored name keeps what the
    person called it, without directories or control characters, and ends in the extension of its type."""
    _check_size(data, field)
    kind = filetype.guess(data)
    if kind is None or kind.extension not in MATERIAL_TYPES:
        raise UploadError(
            _(
                "This file's content is not an accepted type. Accepted: PDF, slides (PowerPoint, OpenDocument), "
                "documents, spreadsheets and images (PNG, JPEG, GIF, WebP)."
            ),
            field=field,
            code="upload_wrong_type",
        )
    extension, content_type = MATERIAL_TYPES[kind.extension]
    name = safe_filename(filename, fallback=f"material.{extension}")
    stem, dot, given = name.rpartition(".")
    given = EQUIVALENT_EXTENSIONS.get(given.lower(), given.lower()) if dot else ""
    if given != extension:
        name = f"{name}.{extension}"
    return CheckedFile(data, name, content_type)


@dataclass(frozen=True)
class Rendition:
    width: int
    height: int
    data: bytes


def _open_image(data: bytes, field: str) -> Image.Image:
    _check_size(data, field)
    not_an_image = UploadError(
        _("This file is not an image we can use. Upload a JPEG, PNG, WebP or GIF picture."),
        field=field,
        code="upload_not_image",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in PICTURE_FORMATS:
                raise not_an_image
            if image.width * image.height > MAX_PIXELS:
                raise UploadError(
                    _("The picture is too large (at most 40 megapixels)."), field=field, code="upload_too_large"
                )
            image.load()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise not_an_image from error
    except Image.DecompressionBombWarning as error:
        raise UploadError(
            _("The picture is too large (at most 40 megapixels)."), field=field, code="upload_too_large"
        ) from error
    return image


def renditions(data: bytes, widths: tuple[int, ...] = PICTURE_WIDTHS, field: str = "image") -> tuple[int, int, list]:
    """Check that ``data`` is a picture and re-encode it as WebP at each of ``widths`` no wider than the
    original (at least the smallest): (original width, original height, [Rendition]).

    Re-encoding without passing the metadata on drops EXIF (GPS position, camera, owner); the EXIF
    orientation is applied to the pixels first, so the picture stays the right way up.
    """
    image = _open_image(data, field)
    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
    image = image.convert("RGBA" if has_alpha else "RGB")
    width, height = image.size
    targets = [w for w in widths if w < width] + [min(width, widths[-1])]
    results = []
    for target in sorted(set(targets)):
        size = (target, max(1, round(height * target / width)))
        resized = image if size == image.size else image.resize(size, Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        resized.save(buffer, "WEBP", quality=WEBP_QUALITY, method=4)
        results.append(Rendition(size[0], size[1], buffer.getvalue()))
    return width, height, results
