"""``GET /media/<id>`` (dashboard/media_route.py): a case's photo reaches signed-in users
whose scope covers the case, and nobody else: not a wall's token (in the address or the
header), not another region's user, not the signed-out (403 JSON, never a login page).

The store is tests/authz_world.py's (a county, towns T1 and T2, an unlocated case); each
asker of its :data:`PRINCIPALS` has a client, and the photos lie in a media folder of the
test's own (``Settings(media_dir=...)``).
"""

from __future__ import annotations

import io
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select, update

from dashboard import auth
from dashboard.app import create_app
from dashboard.media_route import stored_file
from dashboard.settings import Settings
from data import store
from data.intake import media
from data.models import Case, CaseMedia
from tests.auth_helpers import make_user, make_wall_token, sign_in
from tests.authz_world import PRINCIPALS, ROLES, build

#: Photo markers: each photo's pixels are its own colour, so the bytes say whose it is.
PHOTO_CASES = {"T1": "CASE-T1-DISPATCHED", "T2": "CASE-T2-FILED", "*": "CASE-NOWHERE"}
COLOURS = {"T1": (200, 30, 30), "T2": (30, 200, 30), "*": (30, 30, 200)}


@dataclass
class Photos:
    app: object
    engine: object
    folder: Path
    clients: dict = field(default_factory=dict)  # asker -> (client, token)
    ids: dict = field(default_factory=dict)  # scope -> media id
    files: dict = field(default_factory=dict)  # scope -> the file's bytes

    def get(self, name: str, path: str, header: bool = True):
        client, token = self.clients[name]
        if token and header:
            return client.get(path, headers={auth.TOKEN_HEADER: token})
        if token:
            return client.get(f"{path}?token={token}")
        return client.get(path)


def _jpeg(colour) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (12, 8), colour).save(out, "JPEG")
    return out.getvalue()


def make_photos(url: str, folder: Path) -> Photos:
    app = create_app(Settings(database_url=url, internal_url="http://127.0.0.1:9",
                              media_dir=str(folder)))
    engine = app.server.extensions["grid_dashboard"]["engine"]
    build(engine)
    world = Photos(app, engine, folder)
    with store.transaction(engine) as conn:
        case_ids = dict(conn.execute(select(Case.code, Case.id)).all())
        for scope, code in PHOTO_CASES.items():
            (photo,) = media.prepare([media.Upload("p.jpg", _jpeg(COLOURS[scope]))])
            media.store(conn, case_ids[code], [photo], folder)
            world.files[scope] = photo.data
            world.ids[scope] = media.photos_of(conn, case_ids[code])[0]["id"]
    for who in PRINCIPALS:
        client = app.server.test_client()
        token = make_wall_token(engine, who.scope) if who.display else None
        if who.name in ROLES:
            role, region = ROLES[who.name]
            sign_in(client, who.name, make_user(engine, who.name, role, region))
        world.clients[who.name] = (client, token)
    return world


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Photos:
    root = tmp_path_factory.mktemp("media-route")
    world = make_photos(f"sqlite:///{root / 'store.sqlite3'}", root / "media")
    yield world
    world.engine.dispose()


def _refusal(response, status: int, key: str) -> None:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]["key"] == key
    assert not response.get_data().startswith(b"\xff\xd8")


def _sees(who, scope: str) -> bool:
    return not who.display and who.scope is not None and who.scope in ("*", scope)


# --- who gets which photo ----------------------------------------------------------------------

def test_each_photo_reaches_exactly_the_signed_in_users_whose_scope_covers_its_case(world):
    for who in PRINCIPALS:
        for scope, media_id in world.ids.items():
            response = world.get(who.name, f"/media/{media_id}")
            if _sees(who, scope):
                assert response.status_code == 200, (who.name, scope)
                assert response.get_data() == world.files[scope]
            elif who.scope is None:
                _refusal(response, 403, "auth_signed_out")
            elif who.display:
                _refusal(response, 403, "auth_display_only")
            else:
                _refusal(response, 403, "auth_case_refused")


def test_the_photo_comes_with_its_type_a_private_cache_and_no_sniffing(world):
    response = world.get("viewer-T1", f"/media/{world.ids['T1']}")
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert response.headers["Cache-Control"] == "private, max-age=3600"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Expires" not in response.headers
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline;") and f"photo-{world.ids['T1']}.jpg" in disposition
    with Image.open(io.BytesIO(response.get_data())) as shown:  # T1's colour: T1's photo
        red, green, blue = shown.convert("RGB").getpixel((5, 4))
    assert red > 150 and green < 80 and blue < 80


def test_a_wall_token_is_refused_in_the_address_and_in_the_header(world):
    for name in ("wall-T1", "wall-T2"):
        for header in (True, False):
            response = world.get(name, f"/media/{world.ids['T1']}", header=header)
            _refusal(response, 403, "auth_display_only")


def test_a_signed_in_user_presenting_a_wall_token_is_the_wall(world):
    client, _ = world.clients["admin"]
    token = make_wall_token(world.engine, None)
    for response in (client.get(f"/media/{world.ids['T1']}?token={token}"),
                     client.get(f"/media/{world.ids['T1']}",
                                headers={auth.TOKEN_HEADER: token})):
        _refusal(response, 403, "auth_display_only")
    _refusal(client.get(f"/media/{world.ids['T1']}?token=not-a-token"), 403,
             "auth_token_invalid")


def test_the_signed_out_get_403_json_whether_the_photo_exists_or_not(world):
    for path in (f"/media/{world.ids['T1']}", "/media/987654", "/media/0"):
        response = world.get("signed-out", path)
        _refusal(response, 403, "auth_signed_out")
        assert "Location" not in response.headers  # an <img> gets no login page


def test_an_unknown_id_is_404_for_a_user(world):
    for path in ("/media/987654", "/media/0", "/media/99999999999999999999"):
        _refusal(world.get("admin", path), 404, "media_not_found")


@pytest.mark.parametrize("path", [
    "/media/../store.sqlite3", "/media/..%2fstore.sqlite3", "/media/%2e%2e/store.sqlite3",
    "/media/-1", "/media/1.jpg", "/media/1/", "/media/0x1", "/media//etc/passwd",
    "/media/1%00", "/media/1;x=.jpg",
])
def test_path_tricks_never_serve_a_file(world, path):
    response = world.get("admin", path)
    assert response.mimetype not in ("image/jpeg", "image/png"), path
    data = response.get_data()
    assert not data.startswith(b"\xff\xd8") and b"SQLite format" not in data, path


def test_another_spelling_of_an_id_is_the_same_photo_under_the_same_check(world):
    digit = world.ids["T1"]
    assert digit < 10  # a fresh store: one digit, spelled three ways below
    for path in (f"/media/%3{digit}", f"/media/{chr(0xFF10 + digit)}", f"/media/0{digit}"):
        served = world.get("admin", path)
        assert served.status_code == 200 and served.get_data() == world.files["T1"], path
        _refusal(world.get("commander-T2", path), 403, "auth_case_refused")
        _refusal(world.get("wall-T1", path), 403, "auth_display_only")


def test_other_methods_serve_nothing(world):
    client, _ = world.clients["admin"]
    for method in ("post", "put", "delete"):
        response = getattr(client, method)(f"/media/{world.ids['T1']}")
        assert response.status_code in (403, 405)
        assert not response.get_data().startswith(b"\xff\xd8")


# --- the file on disk --------------------------------------------------------------------------

def _filename(world: Photos, scope: str) -> str:
    with world.engine.connect() as conn:
        return conn.scalar(select(CaseMedia.filename).where(CaseMedia.id == world.ids[scope]))


def _set_filename(world: Photos, scope: str, filename: str) -> str:
    """Change the row of ``scope``'s photo to name ``filename``; the name it had."""
    old = _filename(world, scope)
    with store.transaction(world.engine) as conn:
        conn.execute(update(CaseMedia).where(CaseMedia.id == world.ids[scope])
                     .values(filename=filename))
    return old


@pytest.mark.parametrize("tampered", [
    "../store.sqlite3", "/etc/passwd", "..", "", "a" * 32 + ".jpg/../../store.sqlite3",
    "A" * 32 + ".jpg", "0" * 32 + ".gif",
])
def test_a_tampered_row_serves_nothing_outside_the_folder(world, tampered):
    old = _set_filename(world, "*", tampered)
    try:
        _refusal(world.get("admin", f"/media/{world.ids['*']}"), 404, "media_not_found")
    finally:
        _set_filename(world, "*", old)
    assert world.get("admin", f"/media/{world.ids['*']}").status_code == 200


def test_a_link_out_of_the_folder_is_not_followed(world, tmp_path):
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(_jpeg((1, 2, 3)))
    name = "f" * 32 + ".jpg"
    (world.folder / name).symlink_to(secret)
    old = _set_filename(world, "*", name)
    try:
        _refusal(world.get("admin", f"/media/{world.ids['*']}"), 404, "media_not_found")
    finally:
        _set_filename(world, "*", old)
        (world.folder / name).unlink()


def test_a_missing_file_is_404_with_a_log_line(world, caplog):
    path = world.folder / _filename(world, "T2")
    moved = path.with_suffix(".away")
    os.replace(path, moved)
    try:
        with caplog.at_level(logging.WARNING, logger="dashboard.media_route"):
            _refusal(world.get("admin", f"/media/{world.ids['T2']}"), 404, "media_not_found")
        assert any(path.name in record.getMessage() for record in caplog.records)
    finally:
        os.replace(moved, path)
    assert world.get("admin", f"/media/{world.ids['T2']}").status_code == 200


def test_stored_file_takes_only_names_the_store_gives(tmp_path):
    name = "0123456789abcdef" * 2 + ".png"
    (tmp_path / name).write_bytes(b"x")
    assert stored_file(tmp_path, name) == (tmp_path / name).resolve()
    for bad in (None, 5, name.upper(), "../" + name, name + "\x00", "sub/" + name):
        assert stored_file(tmp_path, bad) is None
    assert stored_file(tmp_path / "missing-folder", name) is None


# --- both stores -------------------------------------------------------------------------------

def test_the_route_on_both_stores(engine, tmp_path):
    """The same answers on SQLite and PostgreSQL, an id past PostgreSQL's integer
    included (404, not a 500)."""
    url = engine.url.render_as_string(hide_password=False)
    if url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'both.sqlite3'}"
    world = make_photos(url, tmp_path / "media")
    try:
        assert world.get("commander-T1", f"/media/{world.ids['T1']}").get_data() == \
            world.files["T1"]
        _refusal(world.get("commander-T2", f"/media/{world.ids['T1']}"), 403,
                 "auth_case_refused")
        _refusal(world.get("commander-T1", "/media/4294967296"), 404, "media_not_found")
    finally:
        world.engine.dispose()
