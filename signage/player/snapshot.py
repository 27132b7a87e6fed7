"""The fleet as the poll holds it in memory, and how an edit updates it at the cost of the edit.

Screens that the same schedules target, in venues keeping the same clock and hours, with the
same orientation, share one compiled playlist (a `Group`); a poll is then dictionary lookups
and a splice. Which schedules target a screen depends only on its *profile*: its venue's kind
and force, its tags, and its own id or its venue's id only where some schedule names them. A
national fleet has a few hundred profiles, not 100,000 screens, so targeting is resolved per
profile.

A snapshot is never changed once published: an edit builds the next one from it
(`Snapshot.updated`), copying the screen maps only when screens changed, re-resolving only the
profiles a changed schedule could target, and reusing every compiled playlist the edit did
not touch (so those screens keep their ETags). Compiling happens there, on the refresh's
thread, while polls are served from the previous snapshot.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from signage import timing
from signage.player.playlist import CompiledPlaylist, PlaylistInputs, compile_playlist

# What targeting depends on: the screen's id and its venue's id (only where some schedule
# names them, else None), the venue's kind and force, the screen's tags; then what compiling
# depends on besides the schedules: the venue's clock and hours, the screen's orientation.
Profile = tuple[str | None, str | None, str, str, frozenset[str], int, str | None]
# A compiled playlist's inputs once targeting is resolved (the schedules, by id).
GroupKey = tuple[int, str | None, tuple[str, ...]]


_clocks: dict[tuple[str, str, tuple[timing.OpeningPeriod, ...]], int] = {}


def clock_of(venue: timing.Venue) -> int:
    """A small number for the venue's clock and hours: the same for venues alike, so that
    profiles hash and compare cheaply (hashing the hours themselves was a third of a load)."""
    key = (venue.timezone, venue.nation, venue.opening_hours)
    found = _clocks.get(key)
    if found is None:
        _clocks[key] = found = len(_clocks)
    return found


class _Clocks(dict[int, int]):
    """Each venue's clock, by the venue object's identity, for one build: screens of a venue
    share its `timing.Venue`, so its hours are hashed once, not once per screen."""

    def of(self, venue: timing.Venue) -> int:
        found = self.get(id(venue))
        if found is None:
            self[id(venue)] = found = clock_of(venue)
        return found


@dataclass(slots=True)
class ScreenEntry:
    id: str
    engine: timing.Screen
    token_hash: str | None
    profile: Profile


@dataclass(frozen=True, slots=True)
class ScreenEntryInput:
    """A screen as read from the database, before its profile is known."""

    id: str
    engine: timing.Screen
    token_hash: str | None


class Group:
    """One compiled playlist and what it is compiled from; shared by snapshots until an edit
    touches its schedules or their creatives. ``ahead`` is compiled for the instant the
    current one expires, before it does, so a boundary costs no poll a compile."""

    __slots__ = ("ahead", "compiled", "creative_ids", "key", "screen", "schedules")

    def __init__(
        self, key: GroupKey, screen: timing.Screen, schedules: list[timing.Schedule]
    ) -> None:
        self.key = key
        self.screen = screen  # any screen of the group: they all compile the same
        self.schedules = schedules
        self.creative_ids = frozenset(c for s in schedules for c in s.creative_ids)
        self.compiled: CompiledPlaylist | None = None
        self.ahead: CompiledPlaylist | None = None

    def inputs(self, snapshot: "Snapshot") -> PlaylistInputs:
        wanted = self.creative_ids
        return PlaylistInputs(
            screen=self.screen,
            schedules=list(self.schedules),
            creatives={c: snapshot.creatives[c] for c in wanted if c in snapshot.creatives},
            media={c: snapshot.media[c] for c in wanted if c in snapshot.media},
        )

    def playlist(self, snapshot: "Snapshot", now: datetime, poll_after: int) -> CompiledPlaylist:
        compiled = self.compiled
        if compiled is not None and compiled.covers(now):
            return compiled
        ahead = self.ahead
        if ahead is not None and ahead.covers(now):
            self.compiled, self.ahead = ahead, None
            return ahead
        # Two threads may both compile here; both results are the same bytes.
        compiled = compile_playlist(self.inputs(snapshot), now=now, poll_after_seconds=poll_after)
        self.compiled = compiled
        return compiled


@dataclass(frozen=True)
class Programme:
    """The schedules and the creatives they use, as a snapshot holds them."""

    schedules: Mapping[str, timing.Schedule]
    creatives: Mapping[str, timing.Creative]
    media: Mapping[str, dict[str, Any]]


@dataclass
class Snapshot:
    version: int
    by_token: dict[str, ScreenEntry]
    by_id: dict[str, ScreenEntry]
    by_venue: dict[str, frozenset[str]]
    programme: Programme
    index: timing.ScheduleIndex
    named_screens: frozenset[str]
    named_venues: frozenset[str]
    groups: dict[Profile, Group] = field(default_factory=dict)
    # Each profile's own screen, to resolve its targeting with (see `_member`).
    members: dict[Profile, timing.Screen] = field(default_factory=dict)
    # The screens read again to make this snapshot from the one before (None: all of them,
    # a snapshot read from scratch), for the events stream's Last-Event-ID.
    touched: frozenset[str] | None = None

    @property
    def creatives(self) -> Mapping[str, timing.Creative]:
        return self.programme.creatives

    @property
    def media(self) -> Mapping[str, dict[str, Any]]:
        return self.programme.media

    @property
    def compiled_groups(self) -> list[Group]:
        """The distinct compiled playlists in use (for the refresh's compiling ahead)."""
        return list({id(g): g for g in self.groups.values()}.values())

    def playlist_for(
        self, screen: ScreenEntry, *, now: datetime, poll_after: int
    ) -> tuple[CompiledPlaylist, str]:
        """The screen's compiled playlist and ETag; the body is ``compiled.body_for(id)``."""
        group = self.groups.get(screen.profile)
        if group is None:  # a snapshot built without compiling (the one-screen ones)
            group = _group_for(self, screen.profile, {})
            self.groups[screen.profile] = group
        compiled = group.playlist(self, now, poll_after)
        return compiled, compiled.etag_for(screen.id)

    def compile_all(self, now: datetime, poll_after: int) -> int:
        """Compile (and gzip) every playlist in use that is not compiled for ``now``;
        returns how many were."""
        done = 0
        for group in self.compiled_groups:
            if group.compiled is None or not group.compiled.covers(now):
                group.playlist(self, now, poll_after).gzip  # noqa: B018 (built once, here)
                done += 1
        return done

    def compile_ahead(self, now: datetime, within_seconds: float, poll_after: int) -> int:
        """Compile the playlists that expire within the next ``within_seconds`` for the
        instant they expire; returns how many were."""
        done = 0
        for group in self.compiled_groups:
            current = group.compiled
            if current is None or group.ahead is not None:
                continue
            if (current.valid_until - now).total_seconds() <= within_seconds:
                ahead = compile_playlist(
                    group.inputs(self), now=current.valid_until, poll_after_seconds=poll_after
                )
                ahead.gzip  # noqa: B018 (built once, here)
                group.ahead = ahead
                done += 1
        return done

    def updated(
        self,
        version: int,
        *,
        screens: Mapping[str, ScreenEntryInput | None] | None = None,
        programme: Programme | None = None,
    ) -> "Snapshot":
        """The next snapshot: ``screens`` maps each screen id read again to what it is now
        (None: gone); ``programme`` is the whole programme when it changed."""
        return _updated(self, version, screens or {}, programme)


def _named(schedules: Iterable[timing.Schedule]) -> tuple[frozenset[str], frozenset[str]]:
    screens: set[str] = set()
    venues: set[str] = set()
    for schedule in schedules:
        screens.update(schedule.target.screen_ids)
        venues.update(schedule.target.venue_ids)
    return frozenset(screens), frozenset(venues)


_interned: dict[Profile, Profile] = {}


def _profile(
    screen: timing.Screen,
    named_screens: frozenset[str],
    named_venues: frozenset[str],
    clocks: _Clocks,
) -> Profile:
    venue = screen.venue
    profile: Profile = (
        screen.id if screen.id in named_screens else None,
        venue.id if venue.id in named_venues else None,
        venue.kind,
        venue.force_id,
        screen.tags,
        clocks.of(venue),
        screen.orientation,
    )
    # One tuple per profile, however many screens have it.
    found = _interned.get(profile)
    if found is None:
        if len(_interned) > 200_000:
            _interned.clear()
        _interned[profile] = found = profile
    return found


def _member(profile: Profile, screen: timing.Screen) -> timing.Screen:
    """The screen a profile's targeting is resolved with: this one, but with its id and its
    venue's id blanked where no schedule names them. Any screen of the profile then gives the
    same one, whatever later happens to the screen it was made from (moved, named by a
    schedule, revoked); an empty id is named by no schedule."""
    return timing.Screen(
        id=profile[0] or "",
        venue=replace(screen.venue, id=profile[1] or ""),
        orientation=screen.orientation,
        tags=screen.tags,
    )


def _group_for(snapshot: Snapshot, profile: Profile, groups: dict[GroupKey, Group]) -> Group:
    screen = snapshot.members[profile]
    schedules = snapshot.index.for_screen(screen)
    key: GroupKey = (profile[5], profile[6], tuple(s.id for s in schedules))
    group = groups.get(key)
    if group is None:
        groups[key] = group = Group(key, screen, schedules)
    return group


def build_snapshot(
    version: int,
    screens: Iterable[ScreenEntryInput],
    programme: Programme,
    *,
    index: timing.ScheduleIndex | None = None,
) -> Snapshot:
    """A snapshot from scratch (nothing compiled yet: ``compile_all`` does that); ``index``
    is the programme's, when already built."""
    if index is None:
        index = timing.ScheduleIndex(programme.schedules.values())
    named_screens, named_venues = _named(programme.schedules.values())
    snapshot = Snapshot(
        version=version,
        by_token={},
        by_id={},
        by_venue={},
        programme=programme,
        index=index,
        named_screens=named_screens,
        named_venues=named_venues,
    )
    venues: dict[str, list[str]] = {}
    clocks = _Clocks()
    for screen in screens:
        entry = _entry(snapshot, screen, clocks)
        snapshot.by_id[entry.id] = entry
        if entry.token_hash:
            snapshot.by_token[entry.token_hash] = entry
        venues.setdefault(screen.engine.venue.id, []).append(entry.id)
    snapshot.by_venue = {venue: frozenset(ids) for venue, ids in venues.items()}
    groups: dict[GroupKey, Group] = {}
    for profile in snapshot.members:
        snapshot.groups[profile] = _group_for(snapshot, profile, groups)
    return snapshot


def _entry(
    snapshot: Snapshot, screen: ScreenEntryInput, clocks: _Clocks, fresh: set[Profile] | None = None
) -> ScreenEntry:
    profile = _profile(screen.engine, snapshot.named_screens, snapshot.named_venues, clocks)
    if profile not in snapshot.members:
        snapshot.members[profile] = _member(profile, screen.engine)
        if fresh is not None:
            fresh.add(profile)
    return ScreenEntry(screen.id, screen.engine, screen.token_hash, profile)


def _changed(old: Mapping[str, Any], new: Mapping[str, Any]) -> set[str]:
    return {key for key in old.keys() | new.keys() if old.get(key) != new.get(key)}


def _updated(
    old: Snapshot,
    version: int,
    screens: Mapping[str, ScreenEntryInput | None],
    programme: Programme | None,
) -> Snapshot:
    changed_schedules: set[str] = set()
    changed_creatives: set[str] = set()
    index, named_screens, named_venues = old.index, old.named_screens, old.named_venues
    if programme is None:
        programme = old.programme
    else:
        changed_schedules = _changed(old.programme.schedules, programme.schedules)
        changed_creatives = _changed(old.programme.creatives, programme.creatives) | _changed(
            old.programme.media, programme.media
        )
        if changed_schedules:
            index = timing.ScheduleIndex(programme.schedules.values())
            named_screens, named_venues = _named(programme.schedules.values())
    snapshot = Snapshot(
        version=version,
        by_token=old.by_token,
        by_id=old.by_id,
        by_venue=old.by_venue,
        programme=programme,
        index=index,
        named_screens=named_screens,
        named_venues=named_venues,
        groups=dict(old.groups),
        members=dict(old.members),
    )
    # Screens whose profile may have moved: those read again, and those whose id or venue a
    # changed schedule started or stopped naming.
    again: dict[str, ScreenEntryInput | None] = dict(screens)
    for screen_id in named_screens ^ old.named_screens:
        entry = old.by_id.get(screen_id)
        if entry is not None and screen_id not in again:
            again[screen_id] = ScreenEntryInput(entry.id, entry.engine, entry.token_hash)
    for venue_id in named_venues ^ old.named_venues:
        for screen_id in old.by_venue.get(venue_id, ()):
            entry = old.by_id[screen_id]
            if screen_id not in again:
                again[screen_id] = ScreenEntryInput(entry.id, entry.engine, entry.token_hash)
    fresh_profiles: set[Profile] = set()
    snapshot.touched = frozenset(again)
    if again:
        _apply_screens(snapshot, old, again, fresh_profiles)
    # Group keys in use now, so that equal inputs share one group, new or reused.
    groups: dict[GroupKey, Group] = {}
    for group in old.groups.values():
        stale = not changed_schedules.isdisjoint(group.key[2]) or not (
            changed_creatives.isdisjoint(group.creative_ids)
        )
        if not stale:
            groups[group.key] = group
    before = {id(s): s for s in (old.programme.schedules.get(i) for i in changed_schedules) if s}
    after = {id(s): s for s in (programme.schedules.get(i) for i in changed_schedules) if s}
    moved = [*before.values(), *after.values()]
    for profile, member in snapshot.members.items():
        current = snapshot.groups.get(profile)
        reach = profile in fresh_profiles or current is None
        if not reach and moved:
            reach = any(timing.targets(s.target, member) for s in moved)
        if reach:
            snapshot.groups[profile] = _group_for(snapshot, profile, groups)
        elif current is not None and current.key not in groups:
            # The same schedules, but one of them or one of their creatives changed.
            snapshot.groups[profile] = _group_for(snapshot, profile, groups)
        elif current is not None:
            snapshot.groups[profile] = groups[current.key]
    return snapshot


def _apply_screens(
    snapshot: Snapshot,
    old: Snapshot,
    again: Mapping[str, ScreenEntryInput | None],
    fresh_profiles: set[Profile],
) -> None:
    by_token = dict(old.by_token)
    by_id = dict(old.by_id)
    venues: dict[str, set[str]] = {}
    clocks = _Clocks()
    for screen_id, screen in again.items():
        previous = by_id.pop(screen_id, None)
        if previous is not None:
            if previous.token_hash and by_token.get(previous.token_hash) is previous:
                del by_token[previous.token_hash]
            venue_id = previous.engine.venue.id
            venues.setdefault(venue_id, set(old.by_venue.get(venue_id, ()))).discard(screen_id)
        if screen is None:
            continue
        entry = _entry(snapshot, screen, clocks, fresh_profiles)
        by_id[screen_id] = entry
        if entry.token_hash:
            by_token[entry.token_hash] = entry
        venue_id = screen.engine.venue.id
        venues.setdefault(venue_id, set(old.by_venue.get(venue_id, ()))).add(screen_id)
    by_venue = dict(old.by_venue)
    for venue_id, ids in venues.items():
        if ids:
            by_venue[venue_id] = frozenset(ids)
        else:
            by_venue.pop(venue_id, None)
    snapshot.by_token, snapshot.by_id, snapshot.by_venue = by_token, by_id, by_venue
