"""Build the package's wheel the way a release would, for the tests that check what it ships."""

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def uv_binary() -> str:
    """The uv running this suite: `uv run` names itself in $UV; a bare PATH may not have it."""
    found = os.environ.get("UV") or shutil.which("uv")
    if found is None:
        raise RuntimeError("uv is needed to build the wheel: run the suite with `make test`")
    return found


def built_wheel_names(out_dir: Path) -> set[str]:
    """Every path inside a freshly built wheel of this checkout."""
    subprocess.run(
        [uv_binary(), "build", "--wheel", "--out-dir", str(out_dir)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    wheel = next(out_dir.glob("signage-*.whl"))
    return set(zipfile.ZipFile(wheel).namelist())
