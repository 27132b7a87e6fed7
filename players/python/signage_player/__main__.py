"""`python -m signage_player`: the same as the `signage-player` console script."""

from signage_player.cli import main

raise SystemExit(main())
