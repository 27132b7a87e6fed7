"""`signage-player`: run a screen.

signage-player --server https://signage.example.org            # pairs on first start
signage-player --server URL --token sgd_...                    # a token made in the console
signage-player --server URL pair                               # forget the token, pair again
signage-player --server URL --once                             # one sync round, then exit
signage-player --server URL --no-events                        # poll only, no events stream
"""

import argparse
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from signage_player import __version__
from signage_player.player import Player, PlayerOptions
from signage_player.renderers import make_renderer
from signage_player.store import StateLocked, Store, default_state_dir

log = logging.getLogger("signage_player")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="signage-player", description="Play a signage screen's playlist, online or off."
    )
    parser.add_argument(
        "command",
        nargs="?",
        choices=["run", "pair"],
        default="run",
        help="run (default), or pair: forget the device token and pair again",
    )
    parser.add_argument("--server", required=True, help="the signage server's base URL")
    parser.add_argument("--token", help="a device token (POST /v1/screens) instead of pairing")
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help=f"token, playlist, media and plays (default {default_state_dir()})",
    )
    parser.add_argument(
        "--renderer",
        choices=["log", "external"],
        default="log",
        help="log: print what is shown; external: mpv/feh full screen",
    )
    parser.add_argument(
        "--once",
        action="store_true",
        help="poll, sync and show once, then exit (1 if the server failed)",
    )
    parser.add_argument("--orientation", choices=["landscape", "portrait"], default=None)
    parser.add_argument("--width", type=int, default=None)
    parser.add_argument("--height", type=int, default=None)
    parser.add_argument(
        "--max-backoff",
        type=float,
        default=300.0,
        help="longest wait between retries while the server is away (seconds)",
    )
    parser.add_argument(
        "--no-events",
        action="store_true",
        help="do not hold the server's events stream open (poll on the timer only)",
    )
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--version", action="version", version=f"signage-player {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    state_dir: Path = args.state_dir or default_state_dir()
    state_dir.mkdir(parents=True, exist_ok=True)
    if args.command == "pair":
        Store(state_dir).clear_token()
    options = PlayerOptions(
        server=args.server,
        state_dir=state_dir,
        orientation=args.orientation,
        width=args.width,
        height=args.height,
        max_backoff=max(1.0, args.max_backoff),
        events=not args.no_events,
    )
    player = Player(options, make_renderer(args.renderer), token=args.token)

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: finishing the current play and stopping", signum)
        player.stop()

    # SIGTERM (systemd stop, docker stop) ends the loop like Ctrl-C: the play on screen is
    # spooled before exit, and one upload is tried.
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        if args.once:
            return 0 if player.run_once() else 1
        player.run()
    except StateLocked as error:
        log.error("%s", error)
        return 2
    return 0
