"""`make test`'s second run: the whole suite (but the browser tests) on PostgreSQL.

Without a reachable server the run is skipped, and says so plainly; with
POS_REQUIRE_POSTGRES=1 (as `.ci/run` sets) a missing server fails the build.
"""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg
import sqlalchemy as sa


def main() -> int:
    url = os.environ.get("POS_PG_TEST_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    required = os.environ.get("POS_REQUIRE_POSTGRES") == "1"
    dsn = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        psycopg.connect(dsn, connect_timeout=3).close()
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0]
        if required:
            print(f"PostgreSQL run FAILED: no server at {url} ({reason})", file=sys.stderr)
            return 1
        print(f"\n*** PostgreSQL run SKIPPED: no server at {url} ({reason}) ***\n")
        return 0
    print(f"\n=== The suite again, on PostgreSQL ({url}) ===")
    env = os.environ | {"POS_TEST_DATABASE_URL": url}
    command = [sys.executable, "-m", "pytest", "-m", "not browser", *sys.argv[1:]]
    return subprocess.call(command, env=env)


if __name__ == "__main__":
    sys.exit(main())
