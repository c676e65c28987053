"""How stored files leave the app: streamed, with their checked type, a safe name and cache headers."""

from flask import Response, redirect, request, stream_with_context

from app.programme import services, storage
from app.programme.files import INLINE_TYPES
from app.programme.models import LINK

# Pictures' URLs name one stored file, which never changes: caches may keep them for a year.
IMMUTABLE = "public, max-age=31536000, immutable"
# An uploaded file is never a page of this site: no scripts, no plugins, whatever a browser guesses.
FILE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def file_response(stored, *, cache: str) -> Response:
    """Stream a stored file with its checked Content-Type, a safe Content-Disposition and ETag caching."""
    tag = services.etag(stored)
    if tag in request.if_none_match:
        response = Response(status=304)
    else:
        response = Response(stream_with_context(storage.chunks(stored)), content_type=stored.content_type)
        response.content_length = stored.size
    response.set_etag(tag)
    response.headers["Cache-Control"] = cache
    response.headers["Content-Disposition"] = storage.content_disposition(
        stored.filename, inline=stored.content_type in INLINE_TYPES
    )
    response.headers["Content-Security-Policy"] = FILE_POLICY
    return response


def material_response(material, *, cache: str):
    if material.kind == LINK:
        return redirect(material.url, code=303)
    return file_response(material.file, cache=cache)
