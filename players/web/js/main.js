/* The signage web kiosk player: plain JavaScript ES modules, no framework, no build step.
 * This is the entry point (index.html loads it as a module); it wires the others together.
 *
 * It speaks only the v1 HTTP contract (docs: CONTRACT.md, "Screens and pairing" and "The
 * player's poll"):
 *   pairing   POST /v1/player/pair, then POST /v1/player/pair/poll until claimed  (pairing.js)
 *   playlist  GET /v1/player/playlist (device token, If-None-Match)             (playlist.js)
 *   events    GET /v1/player/events (device token, server-sent events)      (push.js, sse.js)
 *   status    POST /v1/player/status                                              (status.js)
 *   plays     POST /v1/player/plays (proof of play, batches of at most 1000)  (plays-queue.js)
 *
 * Offline first: the last good playlist is kept in localStorage, the media in Cache Storage
 * (media-cache.js; served by sw.js), and proof-of-play records in IndexedDB until the server
 * has them. timeline.js decides what is due when; stage.js puts it on the screen.
 *
 * The modules import one another strictly downward, never in a circle (each one's header says
 * what it may import), from the bottom up:
 *   util.js, state.js, events.js, sse.js  →  api.js
 *   →  status.js, pairing.js, plays-queue.js, push.js
 *   →  media-cache.js  →  stage.js  →  timeline.js  →  playlist.js  →  main.js
 * A lower module that must reach up takes a callback (pairing's onPaired, stage's onScreen),
 * reads a shared value from state.js, or raises an event (events.js) that main.js connects.
 * May import: every module.
 */
import { token } from "./api.js";
import { on } from "./events.js";
import { startPairing } from "./pairing.js";
import { queuedPlays } from "./plays-queue.js";
import { pollPlaylist, schedulePoll, startPlaying, unpaired } from "./playlist.js";
import { failedMedia, noteError, pushLog, state } from "./state.js";
import { tick } from "./timeline.js";
import { STORE } from "./util.js";

function takeTokenFromAddress() {
  const url = new URL(location.href);
  const given = url.searchParams.get("token");
  if (!given) return;
  // A screen configured by URL: a new token may mean a different screen, so start clean.
  for (const key of Object.values(STORE)) localStorage.removeItem(key);
  localStorage.setItem(STORE.token, given);
  url.searchParams.delete("token");
  // Keep the secret out of the address bar and the history.
  history.replaceState(null, "", url.pathname + url.search + url.hash);
}

async function keepAwake() {
  try {
    if (navigator.wakeLock && document.visibilityState === "visible") {
      await navigator.wakeLock.request("screen");
    }
  } catch {
    /* not offered here: the kiosk's power settings must do */
  }
}

/* Everything the tests (and a curious technician with devtools) may look at. */
window.signagePlayer = {
  state() {
    return {
      ...state,
      offlineSince: state.offlineSince === null ? null : new Date(state.offlineSince).toISOString(),
      failedMedia: [...failedMedia],
      pushLog: pushLog.map((entry) => ({ ...entry })),
    };
  },
  /* The proof-of-play records still waiting for the server. */
  async queued() {
    return queuedPlays();
  },
};

on("unpaired", unpaired);
on("poll-now", () => schedulePoll(0)); // rather than at the end of a backoff or the timer

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("sw.js", { scope: "./" }).catch(() => {
    noteError("service worker registration failed");
  });
}
window.addEventListener("online", () => {
  if (state.mode === "playing") pollPlaylist();
});
document.addEventListener("visibilitychange", () => {
  keepAwake();
  if (document.visibilityState === "visible" && state.mode === "playing") tick();
});
keepAwake();

takeTokenFromAddress();
if (token()) startPlaying();
else startPairing(startPlaying);
