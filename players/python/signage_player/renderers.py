"""Putting a creative on the screen. The player only calls show() and blank(); how pixels
appear is the renderer's business, so the same loop drives a test, a terminal and a kiosk."""

import logging
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)


class Renderer(Protocol):
    def show(self, item_path: Path, creative_id: str, mime_type: str, duration_ms: int) -> None:
        """Start showing this file now; it stays until the next show() or blank()."""

    def blank(self) -> None:
        """Show nothing (nothing on air, or the file is not cached yet)."""

    def close(self) -> None:
        """Release the display (the player is stopping)."""


@dataclass
class LoggingRenderer:
    """Logs what would be on screen; keeps the list in memory for tests and diagnostics."""

    shown: list[str] = field(default_factory=list)
    shown_at: list[tuple[datetime, str]] = field(default_factory=list)  # wall clock, id
    blanked: int = 0

    def show(self, item_path: Path, creative_id: str, mime_type: str, duration_ms: int) -> None:
        log.info("showing %s (%s, %d ms)", creative_id, mime_type, duration_ms)
        self.shown.append(creative_id)
        self.shown_at.append((datetime.now(UTC), creative_id))

    def blank(self) -> None:
        log.info("showing nothing")
        self.blanked += 1

    def close(self) -> None:
        pass


def viewer_command(
    mime_type: str, path: Path, which: Callable[[str], str | None] = shutil.which
) -> list[str] | None:
    """The command that shows `path` full screen, or None when no viewer is installed.
    mpv plays video (muted: pubs have their own sound); feh shows images, and mpv does
    too when feh is missing."""
    mpv = which("mpv")
    mpv_args = ["--fs", "--no-terminal", "--really-quiet", "--no-audio", "--no-osc"]
    if mime_type.startswith("video/"):
        return [mpv, *mpv_args, "--loop-file=inf", str(path)] if mpv else None
    if mime_type.startswith("image/"):
        feh = which("feh")
        if feh:
            return [feh, "--fullscreen", "--hide-pointer", "--auto-zoom", "--no-menus", str(path)]
        if mpv:
            return [mpv, *mpv_args, "--image-display-duration=inf", str(path)]
    return None


class ExternalRenderer:
    """Shows each item with mpv or feh; falls back to logging for what it cannot show."""

    def __init__(self, which: Callable[[str], str | None] = shutil.which) -> None:
        self._which = which
        self._process: subprocess.Popen[bytes] | None = None
        self._path: Path | None = None
        self._fallback = LoggingRenderer()

    def show(self, item_path: Path, creative_id: str, mime_type: str, duration_ms: int) -> None:
        command = viewer_command(mime_type, item_path, self._which)
        if command is None:
            self._stop_viewer()
            self._fallback.show(item_path, creative_id, mime_type, duration_ms)
            return
        if self._process is not None and self._process.poll() is None and self._path == item_path:
            # The same file again (a one-item loop): keep the viewer, no flicker.
            log.info("showing %s (still)", creative_id)
            return
        previous = self._process
        self._path = item_path
        # Start the new viewer before stopping the old one: no flash of desktop in between.
        self._process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        log.info("showing %s with %s", creative_id, Path(command[0]).name)
        _terminate(previous)

    def blank(self) -> None:
        self._stop_viewer()
        self._fallback.blank()

    def close(self) -> None:
        self._stop_viewer()

    def _stop_viewer(self) -> None:
        _terminate(self._process)
        self._process = None
        self._path = None


def _terminate(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=2)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def make_renderer(kind: str) -> Renderer:
    if kind == "external":
        return ExternalRenderer()
    return LoggingRenderer()
