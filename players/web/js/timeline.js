/* Timeline playback: which item of which segment is due now (every screen on the same
 * playlist agrees, since a segment's items loop from its starts_at), and the timer that
 * wakes at each boundary to put the next item up and record the one that ended.
 * May import: util.js, state.js, events.js, sse.js, api.js, status.js, pairing.js,
 * plays-queue.js, push.js, media-cache.js, stage.js. */
import { recordPlay } from "./plays-queue.js";
import { show, showIdle } from "./stage.js";
import { state } from "./state.js";
import { sendStatusSoon } from "./status.js";

const MAX_TIMER_MS = 60 * 1000; // re-check at least this often (clock changes, long waits)

let segments = [];
let playTimer = null;
let current = null; // {slot, creativeId, startedAt, shown}

function parseTimeline(timeline) {
  return timeline.map((segment) => {
    const items = (segment.items || []).filter((item) => item.duration_ms > 0);
    return {
      startsAtIso: segment.starts_at,
      start: Date.parse(segment.starts_at),
      end: segment.ends_at ? Date.parse(segment.ends_at) : Infinity,
      items,
      loopMs: items.reduce((sum, item) => sum + item.duration_ms, 0),
    };
  });
}

/* Play `timeline` (a playlist body's) from the next tick on. */
export function setTimeline(timeline) {
  segments = parseTimeline(timeline);
}

/* What plays at `now`. A segment's items loop from its starts_at, so the position comes from
 * the time elapsed since then: every screen on the same playlist agrees, and a reload resumes
 * in place. */
function locate(now) {
  const segment = segments.find((s) => s.start <= now && now < s.end);
  if (!segment) {
    const next = segments.find((s) => s.start > now);
    return { segment: null, item: null, until: next ? next.start : Infinity };
  }
  if (segment.loopMs <= 0) return { segment, item: null, until: segment.end };
  const elapsed = now - segment.start;
  const loop = Math.floor(elapsed / segment.loopMs);
  let offset = elapsed - loop * segment.loopMs;
  let itemStart = segment.start + loop * segment.loopMs;
  for (let index = 0; index < segment.items.length; index += 1) {
    const item = segment.items[index];
    if (offset < item.duration_ms) {
      return {
        segment,
        item,
        slot: `${segment.start}/${loop}/${index}/${item.creative_id}`,
        itemStart,
        until: Math.min(itemStart + item.duration_ms, segment.end),
      };
    }
    offset -= item.duration_ms;
    itemStart += item.duration_ms;
  }
  return { segment, item: null, until: segment.end }; // unreachable: offset < loopMs
}

/* Show what is due now and sleep until the next boundary (item end or segment end). */
export function tick() {
  clearTimeout(playTimer);
  if (state.mode !== "playing") return;
  const now = Date.now();
  const at = locate(now);
  state.segmentStartsAt = at.segment ? at.segment.startsAtIso : null;
  if (!at.item) {
    if (current) finishPlay(now);
    if (state.creativeId !== null) {
      state.creativeId = null;
      sendStatusSoon();
    }
    showIdle();
  } else if (!current || current.slot !== at.slot) {
    finishPlay(now);
    current = { slot: at.slot, creativeId: at.item.creative_id, startedAt: now, shown: false };
    show(at.item, now - at.itemStart, markShown);
  }
  const wait = Math.min(Math.max(at.until - Date.now(), 0), MAX_TIMER_MS);
  playTimer = setTimeout(tick, wait);
}

/* stage.js put the current item on the screen: its play counts from now. False if no play is
 * current any more. */
function markShown() {
  if (!current) return false;
  current.shown = true;
  current.startedAt = Date.now();
  return true;
}

export function stopTicking() {
  clearTimeout(playTimer);
}

/* The item that was on screen ended (or was cut by a boundary): record it. */
export function finishPlay(now) {
  const play = current;
  current = null;
  recordPlay(play, now);
}
