"""Photos sent with a case: checked by their content, stripped of metadata, kept on disk.

A request may carry up to :data:`MAX_FILES` images of at most :data:`MAX_BYTES` each.
:func:`prepare` decides what each file *is* from its bytes, never from its name or the
type the sender claims: Pillow must open it as JPEG or PNG, verify it and decode every
pixel (a GIF, an SVG, an HTML page or a text file named ``.jpg``, or a truncated JPEG, is
``not_an_image``). Sizes are checked before any pixel is decoded, so a decompression bomb
(a small file that declares a huge picture) is refused without spending the memory. The
picture is turned upright (its EXIF orientation) and re-encoded from its pixels alone
into a new image: EXIF (GPS included), XMP, ICC profiles, comments, text chunks and any
bytes after the image are gone. Every problem of every file is reported at once, as
:class:`~data.intake.fields.IntakeRefused`; no bytes make it raise anything else.

:func:`store` writes the photos under the deployment's media folder with random,
unguessable names and records them in ``case_media``. It runs inside the transaction that
creates the case (:func:`data.intake.create.create_case`): if writing a file or a row
fails, it removes the files it wrote and re-raises, so the caller's transaction rolls the
rows (and the case) back; if the transaction fails after :func:`store` returned, the
caller hands the paths to :func:`remove`. So a failed image leaves no case, and a failed
case leaves no file.

:func:`photos_of` lists a case's photos for the console; :func:`find_photo` is what the
route ``/media/<id>`` (:mod:`dashboard.media_route`) asks before it serves a file to a
signed-in user whose scope covers the case's region.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from PIL import Image, ImageOps
from sqlalchemy import Connection, insert, select

from data.intake.fields import IntakeRefused, Problem
from data.models import Case, CaseMedia
from data.store import utcnow

log = logging.getLogger(__name__)

#: Photos one case may carry.
MAX_FILES = 3
#: The largest photo file accepted, in bytes (5 MiB).
MAX_BYTES = 5 * 1024 * 1024
#: The most pixels a photo may have (a 40-megapixel camera's); more is refused before
#: decoding, so a small file declaring a huge picture costs no memory.
MAX_PIXELS = 40_000_000
#: The longest side a photo may have, in pixels (a 1 x 100000 strip is no photo).
MAX_SIDE = 16_384
#: What the JPEG encoder keeps of the pixels (visually lossless for a case photo).
JPEG_QUALITY = 85
#: The field every media problem names (the multipart field of Open311's ``media``).
FIELD = "media"

#: Formats accepted (as Pillow names them: a phone's multi-picture JPEG is "MPO") ->
#: (content type, file extension, the format written).
_FORMATS = {
    "JPEG": ("image/jpeg", ".jpg", "JPEG"),
    "MPO": ("image/jpeg", ".jpg", "JPEG"),
    "PNG": ("image/png", ".png", "PNG"),
}
#: The formats Pillow may try to open a file as (no other decoder is ever run on it).
_OPENERS = ("JPEG", "PNG")
#: Extensions :func:`store` writes; the route serves nothing else.
EXTENSIONS = {".jpg": "image/jpeg", ".png": "image/png"}


@dataclass(frozen=True)
class Upload:
    """One file as it arrived: the name the sender gave it (only quoted in problems) and
    its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Photo:
    """A checked photo, ready to keep: the re-encoded bytes (upright, no metadata), their
    content type and file extension, the picture's size in pixels and the SHA-256 of
    ``data`` (hex)."""

    data: bytes
    content_type: str
    ext: str
    width: int
    height: int
    sha256: str

    @property
    def size(self) -> int:
        """The bytes kept on disk."""
        return len(self.data)


class _Refused(Exception):
    """One file's problem: its code and the reason (the end of the problem's sentence)."""

    def __init__(self, code: str, why: str) -> None:
        super().__init__(why)
        self.code = code
        self.why = why


# --- checking ---------------------------------------------------------------------------------

def prepare(uploads: Sequence[Upload]) -> list[Photo]:
    """The photos of ``uploads``, checked and cleaned, in the order sent.

    Raises
    ------
    IntakeRefused
        naming every problem at once: more than :data:`MAX_FILES` files
        (``too_many_files``), a file over :data:`MAX_BYTES` or over :data:`MAX_PIXELS`
        pixels (``file_too_large``), a file that is empty, not a JPEG or PNG by its
        content, or damaged (``not_an_image``). Only the first :data:`MAX_FILES` files
        are decoded, so a flood of files costs no more than three.
    """
    uploads = list(uploads)
    problems: list[Problem] = []
    if len(uploads) > MAX_FILES:
        problems.append(Problem(FIELD, "too_many_files",
                                f"{len(uploads)} files were sent; a case may carry at most "
                                f"{MAX_FILES} photos"))
    photos: list[Photo] = []
    for number, upload in enumerate(uploads, start=1):
        try:
            data = _bytes_of(upload)
            _check_length(data)
            if number > MAX_FILES:
                continue  # its size is checked; its content is not worth decoding
            photos.append(_clean(data))
        except _Refused as refused:
            problems.append(Problem(FIELD, refused.code,
                                    f"file {number} ({_name_of(upload)}) {refused.why}"))
    if problems:
        raise IntakeRefused(problems)
    return photos


def _name_of(upload: object) -> str:
    """The sender's name for a file, short enough to quote."""
    name = getattr(upload, "name", None)
    text = repr(name if isinstance(name, str) else "")
    return text if len(text) <= 60 else text[:57] + "..."


def _bytes_of(upload: object) -> bytes:
    data = getattr(upload, "data", None)
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise _Refused("not_an_image", "holds no file content")


def _check_length(data: bytes) -> None:
    if not data:
        raise _Refused("not_an_image", "is empty")
    if len(data) > MAX_BYTES:
        raise _Refused("file_too_large", f"has {len(data)} bytes; a photo may have at most "
                                         f"{MAX_BYTES} (5 MB)")


def _check_pixels(size: tuple[int, int]) -> None:
    width, height = size
    if width < 1 or height < 1:
        raise _Refused("not_an_image", f"declares a {width}x{height} picture")
    if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
        raise _Refused("file_too_large",
                       f"is a {width}x{height} picture; a photo may have at most "
                       f"{MAX_PIXELS // 1_000_000} megapixels and {MAX_SIDE} pixels a side")


def _clean(data: bytes) -> Photo:
    """``data`` as a :class:`Photo`, or :class:`_Refused` saying why it cannot be one."""
    try:
        kind = _verified_format(data)
        with _opened(data) as image:
            image.load()
            upright = _upright(image)
            content_type, ext, write_as = _FORMATS[kind]
            encoded, width, height = _reencoded(upright, write_as)
    except _Refused:
        raise
    except Image.DecompressionBombError:
        raise _Refused("file_too_large", "declares more pixels than any photo has") from None
    except Exception:  # noqa: BLE001 - any failure to decode hostile bytes is the same answer
        # Pillow raises OSError, SyntaxError, ValueError, EOFError, struct.error and more
        # for damaged input; none of them may leave here as anything but a refusal.
        raise _Refused("not_an_image", "is not a whole JPEG or PNG image (the type is "
                                       "read from the content, not the name)") from None
    return Photo(encoded, content_type, ext, width, height, hashlib.sha256(encoded).hexdigest())


def _opened(data: bytes) -> Image.Image:
    """``data`` opened (its header read, no pixel decoded) as JPEG or PNG, its size
    checked. Pillow's own bomb warning is silenced here: :func:`_check_pixels` refuses
    far sooner than its limit (``catch_warnings`` is process-wide: at worst another
    thread's bomb warning goes unshown too)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        image = Image.open(io.BytesIO(data), formats=_OPENERS)
    try:
        _check_pixels(image.size)
    except _Refused:
        image.close()
        raise
    return image


def _upright(image: Image.Image) -> Image.Image:
    """``image`` turned as its EXIF orientation says; as it is when that metadata (which is
    dropped anyway) cannot be read."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001 - damaged metadata only loses the turn
        return image


def _verified_format(data: bytes) -> str:
    """The format of ``data`` (a key of :data:`_FORMATS`) once Pillow's ``verify`` (a PNG's
    checksums, a JPEG's structure) passed."""
    with _opened(data) as image:
        kind = image.format
        if kind not in _FORMATS:
            raise _Refused("not_an_image", f"is a {kind} image; only JPEG and PNG are kept")
        image.verify()
    return kind


def _reencoded(image: Image.Image, write_as: str) -> tuple[bytes, int, int]:
    """The pixels of ``image`` alone, in a new image (nothing of the original's ``info``:
    no EXIF, XMP, ICC profile, comment or text), encoded as ``write_as``."""
    if image.mode.startswith("I"):  # 16-bit grey: scaled to 8 bits, not clipped
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    if write_as == "JPEG":
        mode = "L" if image.mode in ("1", "L") else "RGB"
    elif image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        mode = "RGBA"
    else:
        mode = "L" if image.mode in ("1", "L") else "RGB"
    pixels = image if image.mode == mode else image.convert(mode)
    fresh = Image.new(mode, pixels.size)
    fresh.paste(pixels)
    out = io.BytesIO()
    if write_as == "JPEG":
        fresh.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        fresh.save(out, "PNG", optimize=True)
    return out.getvalue(), fresh.width, fresh.height


# --- keeping --------------------------------------------------------------------------------

def store(conn: Connection, case_id: int, photos: Sequence[Photo],
          media_dir: str | os.PathLike[str]) -> list[Path]:
    """Write ``photos`` under ``media_dir`` and record them as case ``case_id``'s
    ``case_media`` rows (positions 1, 2, 3 in order); the paths written.

    Call it inside the transaction that writes the case, on that transaction's ``conn``.
    Each file gets a random name (128 bits: nobody can guess another's), is created
    exclusively and readable by the server's user only; the folder is created (0700) if
    missing. If any file or row fails, the files written so far are removed and the error
    re-raised: the caller's transaction then rolls back the rows. If the caller's
    transaction fails after this returned, the caller passes the paths to :func:`remove`.
    """
    folder = Path(media_dir)
    written: list[Path] = []
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        now = utcnow()
        for position, photo in enumerate(photos, start=1):
            name = secrets.token_hex(16) + photo.ext
            path = folder / name
            _write_new(path, photo.data, written)
            conn.execute(insert(CaseMedia).values(
                case_id=case_id, position=position, filename=name,
                content_type=photo.content_type, size=len(photo.data), width=photo.width,
                height=photo.height, sha256=photo.sha256, created_at=now))
    except BaseException:
        remove(written)
        raise
    return written


def _write_new(path: Path, data: bytes, written: list[Path]) -> None:
    """Create ``path`` (it must not exist) with ``data``, readable by its owner only;
    ``path`` joins ``written`` as soon as it exists, so a half-written file is removed."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                 0o600)
    written.append(path)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def remove(paths: Iterable[str | os.PathLike[str]]) -> None:
    """Delete the files of ``paths``, best effort: a file already gone is fine, and a file
    that cannot be deleted is logged, never raised (this runs while another error is
    being handled)."""
    for path in paths:
        try:
            Path(path).unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not remove media file %s: %s", path, exc)


# --- reading --------------------------------------------------------------------------------

#: The largest id a row can have (PostgreSQL's integer); a larger one names no photo.
_MAX_ID = 2**31 - 1


def photos_of(conn: Connection, case_id: int) -> list[dict]:
    """Case ``case_id``'s photos in the order sent: ``id``, ``position``,
    ``content_type``, ``width``, ``height``, ``size``, ``created_at``. The caller has
    checked that the asker may see the case."""
    rows = conn.execute(
        select(CaseMedia.id, CaseMedia.position, CaseMedia.content_type, CaseMedia.width,
               CaseMedia.height, CaseMedia.size, CaseMedia.created_at)
        .where(CaseMedia.case_id == case_id)
        .order_by(CaseMedia.position, CaseMedia.id)).mappings().all()
    return [dict(row) for row in rows]


def find_photo(conn: Connection, media_id: int) -> dict | None:
    """Photo ``media_id``: its ``id``, ``case_id``, the case's ``region_id`` (None:
    unlocated), ``filename`` (under the media folder) and ``content_type``; None when no
    photo has that id."""
    if isinstance(media_id, bool) or not isinstance(media_id, int) \
            or not 1 <= media_id <= _MAX_ID:
        return None
    row = conn.execute(
        select(CaseMedia.id, CaseMedia.case_id, Case.region_id, CaseMedia.filename,
               CaseMedia.content_type)
        .join(Case, Case.id == CaseMedia.case_id)
        .where(CaseMedia.id == media_id)).mappings().first()
    return None if row is None else dict(row)
