"""Configuration by environment and the instance folder, and how SQLite is driven."""

import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from pos import create_app
from pos.extensions import db
from tests.conftest import sqlite_only


def test_secret_key_is_generated_once_into_the_instance_folder_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("POS_SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    url = "sqlite:///" + str(tmp_path / "a.sqlite3")
    first = create_app({"INSTANCE_PATH": str(instance), "SQLALCHEMY_DATABASE_URI": url})
    second = create_app({"INSTANCE_PATH": str(instance), "SQLALCHEMY_DATABASE_URI": url})
    key = (instance / "secret_key").read_text().strip()
    assert len(key) >= 64
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key
    assert (instance / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_settings_override_the_defaults(tmp_path, monkeypatch):
    url = "sqlite:///" + str(tmp_path / "env.sqlite3")
    monkeypatch.setenv("POS_DATABASE_URL", url)
    monkeypatch.setenv("POS_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("POS_RECEIPTS_DIR", str(tmp_path / "printed"))
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance")})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == url
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["RECEIPTS_DIR"] == str(tmp_path / "printed")


def test_instance_config_file_is_read_below_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("POS_SECRET_KEY", raising=False)
    monkeypatch.delenv("POS_DATABASE_URL", raising=False)
    instance = tmp_path / "instance"
    instance.mkdir()
    db_file = tmp_path / "from-file.sqlite3"
    (instance / "config.py").write_text(
        f"SQLALCHEMY_DATABASE_URI = 'sqlite:///{db_file}'\nSECRET_KEY = 'from-file'\n"
    )
    app = create_app({"INSTANCE_PATH": str(instance)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{db_file}"
    assert app.config["SECRET_KEY"] == "from-file"


def test_default_database_is_a_sqlite_file_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("POS_DATABASE_URL", raising=False)
    instance = tmp_path / "instance"
    app = create_app({"INSTANCE_PATH": str(instance)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///" + str(instance / "pos.sqlite3")


def test_passwords_are_hashed_at_owasp_strength_by_default(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    method = app.config["PASSWORD_METHOD"]
    name, n, r, p = method.split(":")
    assert name == "scrypt" and int(n) >= 2**17 and int(r) == 8 and int(p) == 1


@sqlite_only
def test_sqlite_runs_with_wal_foreign_keys_and_a_busy_timeout(app):
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_postgresql_url_selects_the_psycopg_driver(tmp_path):
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        assert db.engine.dialect.name == "postgresql"
        assert db.engine.dialect.driver == "psycopg"
        assert sa.make_url(db.engine.url).database == "test"


def test_a_clone_has_the_instance_and_receipts_folders_with_only_their_readme_in_git():
    root = Path(__file__).parents[1]
    tracked = subprocess.run(
        ["git", "ls-files", "instance", "receipts"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert tracked == ["instance/README.md", "receipts/README.md"]
    written = [
        "instance/pos.sqlite3",
        "instance/secret_key",
        "instance/tls/ca.key",
        "instance/photos/ab.jpg",
        "receipts/exhibitors/1/sale-1.pdf",
    ]
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", *written, "instance/README.md", "receipts/README.md"],
        cwd=root,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert ignored == written


def test_trusted_hosts_come_from_the_environment_as_flask_wants_them(tmp_path, monkeypatch):
    monkeypatch.setenv("POS_TRUSTED_HOSTS", "Kasir.Pameran.example, .venue.example  pos.lan")
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance")})
    assert app.config["TRUSTED_HOSTS"] == ["kasir.pameran.example", ".venue.example", "pos.lan"]
    monkeypatch.delenv("POS_TRUSTED_HOSTS")
    assert create_app({"INSTANCE_PATH": str(tmp_path / "instance")}).config["TRUSTED_HOSTS"] is None


def test_pos_proxy_count_in_the_environment_says_how_many_proxies_are_believed(
    tmp_path, monkeypatch
):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.168.8.31"}

    def answer_to_forwarded_https(app):
        return app.test_client().get(
            "/login", headers=forwarded, base_url="http://192.168.8.20:5000"
        )

    monkeypatch.delenv("POS_PROXY_COUNT", raising=False)
    plain = create_app({"INSTANCE_PATH": str(tmp_path / "a")})
    assert plain.config["PROXY_COUNT"] == 0
    assert "Strict-Transport-Security" not in answer_to_forwarded_https(plain).headers

    monkeypatch.setenv("POS_PROXY_COUNT", "1")
    proxied = create_app({"INSTANCE_PATH": str(tmp_path / "b")})
    assert proxied.config["PROXY_COUNT"] == 1
    assert "Strict-Transport-Security" in answer_to_forwarded_https(proxied).headers


@pytest.mark.parametrize("value", ["-1", "one", "1.5", "²"])
def test_a_proxy_count_that_is_no_count_stops_the_app_with_a_clear_message(
    tmp_path, monkeypatch, value
):
    monkeypatch.setenv("POS_PROXY_COUNT", value)
    with pytest.raises(ValueError, match="POS_PROXY_COUNT must be a whole number, 0 or more"):
        create_app({"INSTANCE_PATH": str(tmp_path)})
