/* Proof of play: each finished play is a record in IndexedDB ("signage-player", store
 * "plays") until POST /v1/player/plays (batches of at most 1000) has settled it, so plays made
 * offline or across restarts reach the server once it is back. A 401 raises "unpaired", and
 * any answer while offline raises "poll-now".
 * May import: util.js, state.js, events.js, api.js. */
import { authHeaders, postJson, token } from "./api.js";
import { raise } from "./events.js";
import { noteError, state } from "./state.js";
import { STORE } from "./util.js";

const PLAYS_BATCH = 1000;
const ORPHAN_PLAYS_MS = 7 * 24 * 3600 * 1000; // plays of a screen this device no longer is
const DB_NAME = "signage-player";
const PLAYS = "plays";
let dbPromise = null;

function db() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(PLAYS, { keyPath: "id" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  return dbPromise;
}

async function withStore(mode, work) {
  const database = await db();
  return new Promise((resolve, reject) => {
    const transaction = database.transaction(PLAYS, mode);
    const result = work(transaction.objectStore(PLAYS));
    transaction.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
}

/* The proof-of-play records still waiting for the server. */
export function queuedPlays() {
  return withStore("readonly", (store) => store.getAll());
}

export async function refreshQueuedCount() {
  try {
    state.queuedPlays = await withStore("readonly", (store) => store.count());
  } catch {
    /* IndexedDB unavailable: nothing is queued */
  }
}

/* Queue `play` (the timeline's current item, just ended at `now`) if it reached the screen. */
export function recordPlay(play, now) {
  if (!play || !play.shown) return; // never made it to the screen: not a play
  const duration = Math.round(now - play.startedAt);
  if (duration <= 0) return;
  const record = {
    id: crypto.randomUUID(),
    creative_id: play.creativeId,
    started_at: new Date(play.startedAt).toISOString(),
    duration_ms: duration,
    screen_id: localStorage.getItem(STORE.screenId), // kept locally, not sent
    recorded_at: Date.now(),
  };
  state.queuedPlays += 1;
  withStore("readwrite", (store) => store.put(record))
    .catch(() => noteError("could not store a play record"))
    .finally(refreshQueuedCount);
}

let uploading = false;

export async function uploadPlays() {
  if (uploading || !token()) return;
  uploading = true;
  try {
    const screenId = localStorage.getItem(STORE.screenId);
    const all = await withStore("readonly", (store) => store.getAll());
    if (!screenId) return; // not known until the first playlist (a token given by URL)
    // Plays of a screen this device no longer is (re-paired) cannot be sent with this token.
    const orphans = all.filter(
      (r) => r.screen_id !== screenId && Date.now() - r.recorded_at > ORPHAN_PLAYS_MS,
    );
    if (orphans.length) await deletePlays(orphans.map((r) => r.id));
    const mine = all
      .filter((r) => r.screen_id === screenId)
      .sort((a, b) => a.started_at.localeCompare(b.started_at));
    for (let i = 0; i < mine.length; i += PLAYS_BATCH) {
      const batch = mine.slice(i, i + PLAYS_BATCH);
      const done = await sendPlays(batch);
      if (!done) break;
    }
  } catch {
    /* keep everything for next time */
  } finally {
    uploading = false;
    refreshQueuedCount();
  }
}

/* One batch; true if the server answered for it (so the next batch may go). */
async function sendPlays(batch) {
  let response;
  try {
    response = await postJson(
      "/v1/player/plays",
      {
        plays: batch.map((r) => ({
          id: r.id,
          creative_id: r.creative_id,
          started_at: r.started_at,
          duration_ms: r.duration_ms,
        })),
      },
      authHeaders(),
    );
  } catch {
    state.lastUploadStatus = "network-error";
    return false;
  }
  state.lastUploadStatus = response.status;
  // Any answer at all means the server is back: poll now rather than at the end of a backoff.
  if (state.offlineSince !== null) raise("poll-now");
  if (response.status === 401) {
    raise("unpaired");
    return false;
  }
  // 404 (a server without the endpoint yet), 5xx and the rest: keep them queued, retry later.
  if (response.status !== 200) return false;
  const answer = await response.json();
  // Delete only what the server named: accepted, already had, or will never take.
  const rejected = answer.rejected || [];
  const settled = [
    ...(answer.accepted || []),
    ...(answer.duplicates || []),
    // A record whose id the server could not read is named by its place in the batch.
    ...rejected.map((r) => r.id || (batch[r.index] && batch[r.index].id)),
  ];
  for (const r of rejected) noteError(`play rejected: ${r.reason}`);
  const sent = new Set(batch.map((r) => r.id));
  await deletePlays(settled.filter((id) => sent.has(id)));
  return true;
}

function deletePlays(ids) {
  return withStore("readwrite", (store) => {
    for (const id of ids) store.delete(id);
  });
}
