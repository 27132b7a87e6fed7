"""Running ffprobe/ffmpeg safely on untrusted files.

Never through a shell, always with a timeout, and with every input path given as an absolute
`file:` URL so that a name such as `-version` cannot be read as an option and no other protocol
(http, concat, subfile...) can be reached from inside a crafted container.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from signage.media.errors import InvalidMedia, MediaToolMissing

PROBE_TIMEOUT_S = 30.0
TRANSCODE_TIMEOUT_S = 120.0

# Input-side options shared by every call: only the local file protocol may be opened.
SAFE_INPUT_OPTIONS = ("-protocol_whitelist", "file")


@dataclass(frozen=True, slots=True)
class ToolResult:
    returncode: int
    stdout: bytes
    stderr: str


def find_tool(name: str) -> str:
    """Return the executable's path or raise MediaToolMissing."""
    found = shutil.which(name)
    if found is None:
        raise MediaToolMissing(name)
    return found


def file_url(path: Path) -> str:
    return "file:" + str(path.resolve())


def run_tool(name: str, args: list[str], *, timeout: float) -> ToolResult:
    """Run `name args...`; a timeout means the file is unreasonable, so it is InvalidMedia."""
    executable = find_tool(name)
    try:
        completed = subprocess.run(
            [executable, "-hide_banner", *(["-nostdin"] if name == "ffmpeg" else []), *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise InvalidMedia("The video took too long to read; it may be damaged.") from exc
    return ToolResult(
        returncode=completed.returncode,
        stdout=completed.stdout,
        stderr=completed.stderr.decode("utf-8", errors="replace").strip(),
    )
