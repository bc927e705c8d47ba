"""The files the app keeps on disk are its user's alone: the instance folder (0700), the
SQLite database with its WAL and shared-memory files, the secret key, kept receipts,
photos and the certificate authority's key (0600), from the moment they exist, whatever
the umask of whoever started the app."""

import io
import os
import stat
import subprocess
import uuid
from pathlib import Path

import pytest
from PIL import Image

from pos import create_app
from pos.extensions import db
from pos.tls import service as tls_service
from tests import factories
from tests.conftest import TEST_PASSWORD_METHOD
from tests.servers import pos_command


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def modes(folder: Path) -> dict[str, int]:
    """Every file and folder under ``folder`` (itself included) with its mode."""
    found = {".": mode(folder)}
    for path in folder.rglob("*"):
        found[str(path.relative_to(folder))] = mode(path)
    return found


@pytest.fixture
def fresh(tmp_path, monkeypatch) -> dict:
    """An instance path that does not exist yet, and the app's environment for it: the
    default SQLite database and secret key, both in the instance folder."""
    for name in ("POS_DATABASE_URL", "POS_SECRET_KEY", "POS_RECEIPTS_DIR", "POS_PHOTOS_DIR"):
        monkeypatch.delenv(name, raising=False)
    instance = tmp_path / "venue" / "instance"
    return {
        "instance": instance,
        "receipts": tmp_path / "venue" / "receipts",
        "env": os.environ
        | {
            "POS_INSTANCE_PATH": str(instance),
            "POS_RECEIPTS_DIR": str(tmp_path / "venue" / "receipts"),
        },
    }


def test_pos_init_db_makes_a_private_instance_folder_database_and_secret_key(fresh):
    done = subprocess.run(
        [*pos_command(), "init-db"], env=fresh["env"], capture_output=True, text=True, umask=0o022
    )
    assert done.returncode == 0, done.stderr
    instance = fresh["instance"]
    assert mode(instance) == 0o700
    assert mode(instance / "pos.sqlite3") == 0o600
    assert mode(instance / "secret_key") == 0o600
    assert {name: m for name, m in modes(instance).items() if m & 0o077} == {}


def test_the_app_writing_to_its_database_keeps_the_wal_files_private(fresh):
    old = os.umask(0o022)  # as a shell's default: the app must not rely on the umask
    try:
        app = create_app(
            {"INSTANCE_PATH": str(fresh["instance"]), "PASSWORD_METHOD": TEST_PASSWORD_METHOD}
        )
        with app.app_context():
            from pos.db import upgrade_schema

            upgrade_schema()
            user = factories.make_user("organizer")
            client = app.test_client()
            signed_in = client.post(
                "/api/v1/auth/login",
                json={"username": user.username, "password": factories.PASSWORD},
            )
            assert signed_in.status_code == 200  # a write: the token and the audit entry
            database = fresh["instance"] / "pos.sqlite3"
            wal = database.with_name("pos.sqlite3-wal")
            shm = database.with_name("pos.sqlite3-shm")
            assert wal.exists() and shm.exists()  # the connection is still open
            assert (mode(fresh["instance"]), mode(database), mode(wal), mode(shm)) == (
                0o700,
                0o600,
                0o600,
                0o600,
            )
            db.session.remove()
            db.engine.dispose()
    finally:
        os.umask(old)


def test_an_instance_folder_and_database_from_before_are_made_private(fresh):
    instance = fresh["instance"]
    instance.mkdir(parents=True, mode=0o755)
    instance.chmod(0o755)
    database = instance / "pos.sqlite3"
    database.touch(mode=0o644)
    database.chmod(0o644)
    key = instance / "secret_key"
    key.write_text("kept-from-before")
    key.chmod(0o644)
    app = create_app({"INSTANCE_PATH": str(instance)})
    assert app.config["SECRET_KEY"] == "kept-from-before"
    assert (mode(instance), mode(database), mode(key)) == (0o700, 0o600, 0o600)
    with app.app_context():
        db.engine.dispose()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(out, "JPEG")
    return out.getvalue()


def test_kept_receipts_and_photos_are_private(app, client, db):
    old = os.umask(0o022)
    try:
        booth = factories.Booth(factories.make_event(), "B12")
        headers = factories.auth_headers(client, booth.cashier)
        body = {
            "exhibitor_id": booth.exhibitor.id,
            "items": [{"product_id": booth.product.id, "quantity": 1}],
            "payments": [{"method": "cash", "amount": 100_000}],
        }
        sale = client.post(
            "/api/v1/sales", json=body, headers=headers | {"Idempotency-Key": str(uuid.uuid4())}
        ).get_json()
        assert client.get(sale["receipt_url"], headers=headers).status_code == 200
        photo = client.put(
            f"/api/v1/products/{booth.product.id}/photo",
            data={"file": (io.BytesIO(jpeg()), "foto.jpg")},
            content_type="multipart/form-data",
            headers=factories.auth_headers(client, booth.manager),
        )
        assert photo.status_code == 200, photo.get_json()
    finally:
        os.umask(old)
    for folder in (Path(app.config["RECEIPTS_DIR"]), Path(app.config["PHOTOS_DIR"])):
        kept = modes(folder)
        assert len(kept) > 2, folder
        assert {name: m for name, m in kept.items() if m & 0o077} == {}, folder


def test_the_certificate_authoritys_folder_and_keys_are_private(app):
    folder = tls_service.folder(app)
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)  # as an older version may have left it
    tls_service.ensure_server_certificate(folder, tls_service.wanted_names())
    assert mode(folder) == 0o700
    assert mode(folder / "ca.key") == 0o600
    assert mode(folder / "server.key") == 0o600
