"""Photos sent with cases (data/intake/media.py): checked by content, cleaned, kept, found.

Every image here is made by Pillow in the test; the hostile ones are built byte by byte.
"""

from __future__ import annotations

import hashlib
import io
import stat
import struct
import warnings
import zlib

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from PIL import Image, ImageCms, PngImagePlugin
from sqlalchemy import Engine, func, select

from data import store
from data.intake import media
from data.intake.fields import IntakeRefused
from data.intake.media import MAX_BYTES, MAX_FILES, Photo, Upload, prepare
from data.models import CaseMedia
from tests import tiny_store

GPS_IFD = 0x8825
ORIENTATION = 0x0112
SECRET = "SECRET-MARKER-42"


def _jpeg(image: Image.Image, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, **options)
    return out.getvalue()


def _png(image: Image.Image, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", **options)
    return out.getvalue()


def _two_halves(size=(40, 20)) -> Image.Image:
    """Red on the left half, blue on the right: where each lands shows how it was turned."""
    image = Image.new("RGB", size, (255, 0, 0))
    image.paste((0, 0, 255), (size[0] // 2, 0, size[0], size[1]))
    return image


def _srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _phone_jpeg() -> bytes:
    """A JPEG as a phone writes one, and worse: EXIF with the camera, GPS position and
    orientation 6 (turn 90° clockwise to show), an ICC profile, a comment, and bytes after
    the image's end."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = SECRET  # Make
    exif[GPS_IFD] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 17.0)}
    data = _jpeg(_two_halves(), exif=exif.tobytes(), icc_profile=_srgb_icc(),
                 comment=SECRET.encode())
    return data + b"PK\x03\x04" + SECRET.encode() * 4  # a zip-like tail


def _png_header(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` x ``height`` 8-bit grey pixels and holds a few bytes
    of them: what a decompression bomb's header looks like."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + chunk(b"IEND", b""))


def _codes(uploads: list[Upload]) -> list[str]:
    with pytest.raises(IntakeRefused) as refused:
        prepare(uploads)
    for problem in refused.value.problems:
        assert problem.field == "media"
    return [problem.code for problem in refused.value.problems]


# --- what is kept of a good photo --------------------------------------------------------------

def test_a_phone_jpeg_is_kept_upright_with_no_metadata_and_no_tail():
    sent = _phone_jpeg()
    with Image.open(io.BytesIO(sent)) as original:  # the test's own premise
        assert original.getexif().get_ifd(GPS_IFD)
        assert original.info.get("icc_profile") and original.info.get("comment")
    (photo,) = prepare([Upload("IMG_0001.jpg", sent)])
    assert (photo.content_type, photo.ext) == ("image/jpeg", ".jpg")
    assert (photo.width, photo.height) == (20, 40)  # orientation 6: the 40x20 stands up
    assert SECRET.encode() not in photo.data and b"PK\x03\x04" not in photo.data
    assert photo.data.endswith(b"\xff\xd9")
    with Image.open(io.BytesIO(photo.data)) as kept:
        assert kept.format == "JPEG" and kept.size == (20, 40)
        assert not kept.getexif() and not kept.getexif().get_ifd(GPS_IFD)
        for key in ("exif", "icc_profile", "comment", "xmp", "photoshop"):
            assert key not in kept.info
        rgb = kept.convert("RGB")
        top, bottom = rgb.getpixel((10, 3)), rgb.getpixel((10, 36))
    # turned clockwise, the left (red) half is on top and the right (blue) below
    assert top[0] > 200 and top[2] < 60
    assert bottom[2] > 200 and bottom[0] < 60
    assert photo.sha256 == hashlib.sha256(photo.data).hexdigest()
    assert photo.size == len(photo.data)


def test_a_png_loses_its_text_chunks_exif_and_profile_and_keeps_its_alpha():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SECRET)
    info.add_text("Author", SECRET, zip=True)
    info.add_itxt("XML:com.adobe.xmp", f"<x:xmpmeta>{SECRET}</x:xmpmeta>")
    exif = Image.Exif()
    exif[0x010F] = SECRET
    image = Image.new("RGBA", (30, 10), (0, 128, 0, 255))
    image.putpixel((0, 0), (0, 0, 0, 0))
    sent = _png(image, pnginfo=info, exif=exif.tobytes(), icc_profile=_srgb_icc())
    with Image.open(io.BytesIO(sent)) as original:  # the premise
        assert original.text and "exif" in original.info and "icc_profile" in original.info
    (photo,) = prepare([Upload("map.png", sent)])
    assert (photo.content_type, photo.ext, photo.width, photo.height) == \
        ("image/png", ".png", 30, 10)
    assert SECRET.encode() not in photo.data
    with Image.open(io.BytesIO(photo.data)) as kept:
        assert kept.format == "PNG" and kept.text == {}
        for key in ("exif", "icc_profile", "xmp", "Comment", "Author"):
            assert key not in kept.info
        assert kept.convert("RGBA").getpixel((0, 0))[3] == 0
        assert kept.convert("RGBA").getpixel((5, 5)) == (0, 128, 0, 255)


def test_three_photos_of_several_kinds_come_back_in_the_order_sent():
    cmyk = _jpeg(Image.new("CMYK", (8, 6), (0, 255, 255, 0)))  # red, in print colours
    grey = _jpeg(Image.new("L", (5, 7), 90))
    palette = _png(Image.new("RGB", (9, 4), (10, 20, 30)).convert("P"))
    photos = prepare([Upload("a.jpg", cmyk), Upload("b.jpeg", grey), Upload("c", palette)])
    assert [(p.content_type, p.width, p.height) for p in photos] == [
        ("image/jpeg", 8, 6), ("image/jpeg", 5, 7), ("image/png", 9, 4)]
    with Image.open(io.BytesIO(photos[0].data)) as first:
        assert first.mode == "RGB"  # browsers show it; CMYK would not be
        red = first.getpixel((4, 3))
    assert red[0] > 200 and red[1] < 60 and red[2] < 60
    assert prepare([]) == []


def test_a_16_bit_png_is_scaled_to_8_bits_not_clipped():
    deep = Image.new("I;16", (3, 1))
    for x, value in enumerate((0, 128 * 256, 65535)):
        deep.putpixel((x, 0), value)
    (photo,) = prepare([Upload("scan.png", _png(deep))])
    with Image.open(io.BytesIO(photo.data)) as kept:
        assert kept.mode == "L"
        assert [kept.getpixel((x, 0)) for x in range(3)] == [0, 128, 255]


def test_the_name_and_claimed_type_decide_nothing():
    png = _png(Image.new("RGB", (4, 4), "white"))
    (photo,) = prepare([Upload("holiday.jpg", png)])
    assert photo.content_type == "image/png" and photo.ext == ".png"


# --- what is refused ----------------------------------------------------------------------------

def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (4, 4)).save(out, "GIF")
    return out.getvalue()


def _other_format(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, kind)
    return out.getvalue()


NOT_IMAGES = {
    "gif": _gif(),
    "bmp": _other_format("BMP"),
    "webp": _other_format("WEBP"),
    "tiff": _other_format("TIFF"),
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "html": b"<!doctype html><html><body><script>alert(1)</script></body></html>",
    "text": "就是一段文字，不是照片".encode(),
    "truncated jpeg": _jpeg(Image.effect_noise((64, 64), 50).convert("RGB"))[:600],
    "jpeg header only": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    "png bad checksum": _png(Image.new("RGB", (4, 4)))[:-5] + b"\x00\x00\x00\x00\x00",
    "png header only": b"\x89PNG\r\n\x1a\n",
    "nul bytes": b"\x00" * 1000,
    "empty": b"",
}


@pytest.mark.parametrize("kind", sorted(NOT_IMAGES))
def test_what_is_not_a_jpeg_or_png_is_not_an_image_whatever_its_name(kind):
    assert _codes([Upload("photo.jpg", NOT_IMAGES[kind])]) == ["not_an_image"]


@pytest.mark.parametrize("data", [
    _png(Image.new("L", (1, 100_000))),  # a real strip: tiny file, absurd shape
    _png_header(100_000, 100_000),  # 10 gigapixels declared: Pillow's own bomb error
    _png_header(10_000, 9_000),  # 90 megapixels: past Pillow's warning, refused first
    _png_header(8_000, 6_000),  # 48 megapixels: past this product's limit
], ids=["1x100000", "100000x100000", "10000x9000", "8000x6000"])
def test_decompression_bombs_are_refused_before_their_pixels_are_decoded(data):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Pillow's bomb warning must not escape either
        assert _codes([Upload("bomb.png", data)]) == ["file_too_large"]


def test_a_file_one_byte_over_the_limit_is_too_large():
    assert _codes([Upload("big.jpg", b"\xff\xd8" + b"\x00" * (MAX_BYTES - 1))]) == \
        ["file_too_large"]


def test_every_problem_of_every_file_is_named_at_once():
    good = _jpeg(Image.new("RGB", (4, 4)))
    uploads = [Upload("page.jpg", NOT_IMAGES["html"]),
               Upload("cut.jpg", NOT_IMAGES["truncated jpeg"]),
               Upload("nothing.jpg", b""),
               Upload("huge.jpg", good + b"\x00" * MAX_BYTES)]
    with pytest.raises(IntakeRefused) as refused:
        prepare(uploads)
    problems = refused.value.problems
    assert [p.code for p in problems] == [
        "too_many_files", "not_an_image", "not_an_image", "not_an_image", "file_too_large"]
    assert "4 files" in problems[0].detail and str(MAX_FILES) in problems[0].detail
    for number, (name, problem) in enumerate(zip(
            ("page.jpg", "cut.jpg", "nothing.jpg", "huge.jpg"), problems[1:]), start=1):
        assert f"file {number} ('{name}')" in problem.detail


def test_four_good_files_are_too_many():
    good = _jpeg(Image.new("RGB", (4, 4)))
    assert _codes([Upload(f"{n}.jpg", good) for n in range(4)]) == ["too_many_files"]


def test_an_upload_without_bytes_is_refused_not_crashed():
    assert _codes([Upload("x.jpg", None), Upload("y.jpg", "text")]) == \
        ["not_an_image", "not_an_image"]


_SEED_JPEG = _jpeg(_two_halves((16, 16)))
_SEED_PNG = _png(_two_halves((16, 16)))


@st.composite
def _damaged(draw) -> bytes:
    """A good JPEG or PNG with some bytes changed, cut or added."""
    data = bytearray(draw(st.sampled_from([_SEED_JPEG, _SEED_PNG])))
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data) - 1))
        data[at] = draw(st.integers(0, 255))
    cut = draw(st.integers(0, len(data)))
    return bytes(data[:cut]) + draw(st.binary(max_size=64))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_damaged(), st.binary(max_size=4096)))
def test_any_bytes_give_a_photo_or_a_refusal_never_another_error(data):
    try:
        photos = prepare([Upload("x.jpg", data)])
    except IntakeRefused as refused:
        assert {p.code for p in refused.problems} <= {"not_an_image", "file_too_large"}
        return
    (photo,) = photos
    with Image.open(io.BytesIO(photo.data)) as kept:  # what is kept is a whole image
        kept.load()
        assert kept.size == (photo.width, photo.height)


# --- keeping, finding and removing -------------------------------------------------------------

@pytest.fixture
def photos() -> list[Photo]:
    return prepare([Upload("a.jpg", _phone_jpeg()),
                    Upload("b.png", _png(Image.new("RGB", (7, 3), "white")))])


def _rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(CaseMedia))


def test_store_writes_private_files_with_random_names_and_one_row_each(engine, photos, tmp_path):
    tiny_store.build(engine)
    folder = tmp_path / "instance" / "media"
    with store.transaction(engine) as conn:
        paths = media.store(conn, 3, photos, folder)  # case K3, in grid G3 (region 6)
    assert [p.parent for p in paths] == [folder, folder]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path, photo in zip(paths, photos):
        assert path.read_bytes() == photo.data
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        stem, ext = path.name.split(".")
        assert len(stem) == 32 and int(stem, 16) >= 0 and "." + ext == photo.ext
    assert paths[0].name != paths[1].name
    with engine.connect() as conn:
        listed = media.photos_of(conn, 3)
        found = media.find_photo(conn, listed[1]["id"])
        assert media.photos_of(conn, 1) == []
        assert media.find_photo(conn, 9999) is None
        assert media.find_photo(conn, 0) is None
        assert media.find_photo(conn, 2**40) is None  # past PostgreSQL's integer: no error
    assert [(p["position"], p["content_type"], p["width"], p["height"], p["size"])
            for p in listed] == [(1, "image/jpeg", 20, 40, photos[0].size),
                                 (2, "image/png", 7, 3, photos[1].size)]
    assert set(listed[0]) == {"id", "position", "content_type", "width", "height", "size",
                              "created_at"}
    assert found == {"id": listed[1]["id"], "case_id": 3, "region_id": 6,
                     "filename": paths[1].name, "content_type": "image/png"}
    with engine.connect() as conn:
        shas = conn.scalars(select(CaseMedia.sha256).order_by(CaseMedia.position)).all()
    assert shas == [p.sha256 for p in photos]


def test_a_row_that_fails_removes_every_file_written_and_the_rows_roll_back(
        engine, photos, tmp_path):
    tiny_store.build(engine)
    folder = tmp_path / "media"
    broken = Photo(photos[1].data, "image/png", ".png", None, 3, photos[1].sha256)  # NOT NULL
    with pytest.raises(Exception) as failed:
        with store.transaction(engine) as conn:
            media.store(conn, 3, [photos[0], broken], folder)
    assert not isinstance(failed.value, IntakeRefused)
    assert list(folder.iterdir()) == []  # the first photo's file went too
    assert _rows(engine) == 0


def test_a_case_that_does_not_exist_gets_no_photo_file(engine, photos, tmp_path):
    tiny_store.build(engine)
    folder = tmp_path / "media"
    with pytest.raises(Exception):
        with store.transaction(engine) as conn:
            media.store(conn, 4242, photos, folder)  # the foreign key refuses the row
    assert list(folder.iterdir()) == [] and _rows(engine) == 0


def test_an_unwritable_folder_writes_nothing(engine, photos, tmp_path):
    tiny_store.build(engine)
    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"a file where the media folder should be")
    with pytest.raises(OSError):
        with store.transaction(engine) as conn:
            media.store(conn, 3, photos, blocker / "media")
    assert blocker.read_bytes().startswith(b"a file") and _rows(engine) == 0


def test_a_file_that_fails_half_way_removes_those_before_it(engine, photos, tmp_path,
                                                             monkeypatch):
    tiny_store.build(engine)
    folder = tmp_path / "media"
    monkeypatch.setattr(media.secrets, "token_hex", lambda n: "0" * (2 * n))  # same name twice
    with pytest.raises(FileExistsError):
        with store.transaction(engine) as conn:
            media.store(conn, 3, [photos[0], photos[0]], folder)
    assert list(folder.iterdir()) == [] and _rows(engine) == 0


def test_remove_deletes_what_is_there_and_ignores_what_is_not(tmp_path):
    there = tmp_path / "a.jpg"
    there.write_bytes(b"x")
    media.remove([there, tmp_path / "gone.jpg", str(tmp_path / "also-gone.png")])
    assert not there.exists()
    media.remove([tmp_path])  # a folder cannot be unlinked: logged, not raised
    assert tmp_path.is_dir()
