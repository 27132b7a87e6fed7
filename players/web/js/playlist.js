/* The playing side of the screen's life: start and stop playing, forget the screen when its
 * token stops working, and the playlist poll (GET /v1/player/playlist with If-None-Match),
 * keeping the last good body in localStorage (and in shared.playlist, for stage.js) so a
 * restart plays without the server. The first good poll starts the events stream (push.js),
 * whose "poll-now" polls early; the poll's own timer runs all the same.
 * May import: every module but main.js. */
import { authHeaders, token } from "./api.js";
import { ensureMedia } from "./media-cache.js";
import { endPairing, startPairing } from "./pairing.js";
import { refreshQueuedCount, uploadPlays } from "./plays-queue.js";
import { startPush, stopPush } from "./push.js";
import { showIdle } from "./stage.js";
import { shared, state } from "./state.js";
import { backOnline, sendStatus, sendStatusSoon, wentOffline } from "./status.js";
import { finishPlay, setTimeline, stopTicking, tick } from "./timeline.js";
import { $, backoff, jitter, readJson, STORE } from "./util.js";

const STATUS_EVERY_MS = 3 * 60 * 1000;
const UPLOAD_EVERY_MS = 60 * 1000;

let pollTimer = null;
let pollFailures = 0;
let statusTimer = null;
let uploadTimer = null;

export function startPlaying() {
  endPairing();
  state.mode = "playing";
  const stored = readJson(STORE.playlist);
  if (stored) applyPlaylist(stored, false);
  else showIdle();
  pollPlaylist();
  sendStatusSoon(); // say hello (player version, cache) even if nothing is on air
  clearInterval(statusTimer);
  statusTimer = setInterval(sendStatus, STATUS_EVERY_MS);
  clearInterval(uploadTimer);
  uploadTimer = setInterval(uploadPlays, UPLOAD_EVERY_MS);
  refreshQueuedCount();
}

function stopPlaying() {
  stopPush();
  clearTimeout(pollTimer);
  stopTicking();
  clearInterval(statusTimer);
  clearInterval(uploadTimer);
  finishPlay(Date.now());
  shared.playlist = null;
  state.segmentStartsAt = null;
  state.creativeId = null;
  showIdle();
  $("idle").hidden = true;
}

/* The device token stopped working (revoked or rotated): forget this screen, pair again. */
export function unpaired() {
  stopPlaying(); // first: the play being cut is recorded under the screen it was shown on
  for (const key of Object.values(STORE)) localStorage.removeItem(key);
  startPairing(startPlaying);
}

export function schedulePoll(ms) {
  clearTimeout(pollTimer);
  pollTimer = setTimeout(pollPlaylist, ms);
}

let polling = false;
let pollAgain = false; // asked to poll while one was in flight: its answer may predate the ask

export async function pollPlaylist() {
  clearTimeout(pollTimer);
  if (polling) {
    pollAgain = true; // the one in flight schedules the next: at once
    return;
  }
  if (!token()) return unpaired();
  polling = true;
  pollAgain = false;
  try {
    await pollOnce();
  } finally {
    polling = false;
    if (pollAgain && state.mode === "playing") schedulePoll(0);
  }
}

async function pollOnce() {
  const headers = authHeaders();
  const etag = localStorage.getItem(STORE.etag);
  if (etag && shared.playlist) headers["If-None-Match"] = etag;
  state.polls += 1;
  state.lastPollAt = new Date().toISOString();
  let response;
  try {
    response = await fetch("/v1/player/playlist", { headers, cache: "no-store" });
  } catch {
    state.lastPollStatus = "network-error";
    return pollFailed();
  }
  state.lastPollStatus = response.status;
  if (response.status === 401) return unpaired();
  if (response.status === 200) {
    let body;
    try {
      body = await response.json();
    } catch {
      return pollFailed();
    }
    localStorage.setItem(STORE.playlist, JSON.stringify(body));
    const newEtag = response.headers.get("ETag");
    if (newEtag) localStorage.setItem(STORE.etag, newEtag);
    else localStorage.removeItem(STORE.etag);
    applyPlaylist(body, true);
  } else if (response.status === 304) {
    ensureMedia(shared.playlist, false); // retry anything that failed to download before
  } else {
    return pollFailed(); // 5xx (or a surprise): keep playing what we have
  }
  pollFailures = 0;
  backOnline();
  uploadPlays();
  startPush(); // once: the server answers, so listen to it (a no-op while listening)
  const after = (shared.playlist && shared.playlist.poll_after_seconds) || 30;
  schedulePoll(jitter(after * 1000));
}

function pollFailed() {
  pollFailures += 1;
  wentOffline();
  schedulePoll(backoff(pollFailures));
}

function applyPlaylist(body, fresh) {
  shared.playlist = body;
  if (body.screen_id) localStorage.setItem(STORE.screenId, body.screen_id);
  setTimeline(body.timeline || []);
  // Prune the media cache only against a body fresh from the server.
  ensureMedia(body, fresh);
  tick();
}
