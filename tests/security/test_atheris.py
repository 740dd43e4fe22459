"""atheris on the intake's reader and the API's write serializers (issue 16 item 6), for a
bounded number of runs in its own process (tests/security/atheris_fuzz.py): crashes 0."""

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.figures import figure_add

RUNS = 3000
ROOT = Path(__file__).resolve().parents[2]


def test_atheris_finds_no_crash_in_the_readers_and_serializers():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "wijkaanpak.settings.test"}
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "tests.security.atheris_fuzz", f"-runs={RUNS}", "-seed=1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    done = re.search(r"Done (\d+) runs", result.stderr)
    figure_add("atheris_executions", int(done.group(1)) if done else 0)
    figure_add("fuzz_crashes", int(result.returncode != 0))
    assert result.returncode == 0, result.stderr[-3000:]
    assert done and int(done.group(1)) == RUNS
