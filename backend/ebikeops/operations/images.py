"""Recognise JPEG and PNG by their bytes, never by a declared content type or file name.

Plain signature and structure checks (no image library): a PNG must start with its
8-byte signature, then an IHDR chunk, and end with an IEND chunk; a JPEG must start with
SOI + a marker and carry an EOI marker near its end (cameras may append a little after it).
That is enough to refuse non-images, lying content types and truncated uploads; decoding
the pixels is not this server's job.
"""

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
JPEG_SOI = b"\xff\xd8\xff"
JPEG_EOI = b"\xff\xd9"
# Some cameras append padding or a trailer after EOI; look for EOI within this many bytes.
JPEG_TRAILER_ALLOWANCE = 64 * 1024

JPEG = "image/jpeg"
PNG = "image/png"


def sniff_image_type(head: bytes) -> str | None:
    """The media type that the first bytes of a file announce: JPEG, PNG or None."""
    if head.startswith(PNG_SIGNATURE):
        return PNG
    if head.startswith(JPEG_SOI):
        return JPEG
    return None


def is_complete(content: bytes, media_type: str) -> bool:
    """Whether `content` (already recognised as `media_type`) is structurally whole."""
    if media_type == PNG:
        return content[12:16] == b"IHDR" and content.endswith(PNG_IEND)
    if media_type == JPEG:
        return JPEG_EOI in content[-JPEG_TRAILER_ALLOWANCE:] and len(content) > 4
    return False


def normalise_declared(content_type: str | None) -> str | None:
    """The bare media type of a declared Content-Type (parameters and case dropped);
    image/jpg and image/pjpeg count as image/jpeg. None when nothing specific was declared."""
    if not content_type:
        return None
    bare = content_type.split(";", 1)[0].strip().lower()
    if bare in ("", "application/octet-stream"):
        return None
    return {"image/jpg": JPEG, "image/pjpeg": JPEG}.get(bare, bare)
