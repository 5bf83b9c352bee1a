"""Soak of a wall opened with a display token: minutes of 1-second refreshes through a
server restart, never a sign-in page.

    .venv/bin/python bench/wall_token_soak.py [--seconds 600]

Runs the suite's browser test
``tests/browser/test_login.py::test_a_wall_with_a_token_keeps_refreshing_through_a_restart_never_to_a_login_page``
(real headless Chromium, the demo county on SQLite) with ``WALL_SOAK_SECONDS`` set, so the
soak checks exactly what the suite's 15-second run checks, only for longer: every refresh
answered 200, no 401/403, no sign-in form or refusal ever shown, cases added before and
after the restart both reach the tile. Needs ``TEST_POSTGRES_URL`` no more than the
browser tests do (not at all). Exits with pytest's status.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST = ("tests/browser/test_login.py::"
        "test_a_wall_with_a_token_keeps_refreshing_through_a_restart_never_to_a_login_page")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=600,
                        help="how long the wall keeps refreshing (default 600)")
    args = parser.parse_args()
    env = {**os.environ, "WALL_SOAK_SECONDS": str(args.seconds)}
    return subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            TEST], cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main())
