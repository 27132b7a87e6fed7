"""A screen player for the signage playlist server.

It follows the HTTP contract only: pair (device flow), poll the playlist, cache media by
sha256, play the timeline offline through its boundaries, and report plays and status.
"""

__version__ = "0.1.0"
PLAYER_NAME = f"signage-player/{__version__} (python)"
