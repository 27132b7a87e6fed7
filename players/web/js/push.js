/* The push channel: GET /v1/player/events, a server-sent event stream that tells the screen
 * when to poll. EventSource cannot send the device token, so the stream is read with fetch()
 * (an AbortController ends it) and parsed by sse.js.
 *   ready     first on every stream: {version, etag}; if the ETag is not the one we hold, a
 *             change was missed while the stream was down: raise "poll-now"
 *   playlist  {version, etag}: the playlist changed: raise "poll-now" (the ordinary
 *             conditional poll; the ETag is only informational)
 *   : ...     heartbeats (comments), every 15 s
 * The stream only adds early polls: the poll timer runs whatever it does, so a screen never
 * depends on it. After a stream ends or fails, the next attempt waits the server's `retry`
 * (3 s until it sends one) times a random 0.5 to 1.5, doubled for each consecutive failure up
 * to 60 s, and back to one `retry` after any stream that delivered `ready`. PUSH.idleMs (45 s)
 * without a byte is a dead stream. 401 raises "unpaired" (as the poll's 401 does); 429 and
 * 503 wait out Retry-After; 404 and 405 (a server without the stream) wait ten minutes.
 * What it does shows in state.push* and in pushLog (window.signagePlayer.state()).
 * May import: util.js, state.js, events.js, sse.js, api.js. */
import { authHeaders, token } from "./api.js";
import { raise } from "./events.js";
import { SseParser } from "./sse.js";
import { notePush, state } from "./state.js";
import { STORE } from "./util.js";

/* The numbers, in one place a test (or a technician) may change before the stream starts. */
export const PUSH = {
  path: "/v1/player/events",
  defaultRetryMs: 3000,
  maxDelayMs: 60 * 1000,
  idleMs: 45 * 1000,
  noStreamMs: 10 * 60 * 1000,
  maxRetryAfterMs: 60 * 60 * 1000,
};

/* Milliseconds before the next attempt: `retryMs` doubled per consecutive failure up to
 * PUSH.maxDelayMs, times a random factor in [0.5, 1.5]; the factor's top is cut so the wait
 * never passes the cap (at the cap it is drawn from [max / 2, max]). */
export function reconnectDelay(retryMs, failures, random = Math.random) {
  const ceiling = Math.min(PUSH.maxDelayMs, retryMs * 2 ** Math.min(Math.max(failures, 0), 32));
  const low = ceiling / 2;
  const high = Math.min(ceiling * 1.5, PUSH.maxDelayMs);
  return low + (high - low) * random();
}

/* When to try again, from how the last attempt went. */
export class Reconnect {
  constructor(random = Math.random) {
    this.random = random;
    this.retryMs = PUSH.defaultRetryMs;
    this.failures = 0; // consecutive attempts since the last stream that delivered `ready`
  }

  /* The stream ended, or never opened (refused, 5xx, dropped before `ready`). */
  afterStream(gotReady) {
    this.failures = gotReady ? 0 : this.failures + 1;
    return reconnectDelay(this.retryMs, this.failures, this.random);
  }

  /* 429 or 503: never before Retry-After (plus up to half again, so screens told the same
   * thing do not all come back at once), nor before the ordinary backoff. */
  retryLater(seconds) {
    const backoff = this.afterStream(false);
    if (seconds === null) return backoff;
    const told = Math.min(seconds * 1000 * (1 + 0.5 * this.random()), PUSH.maxRetryAfterMs);
    return Math.max(told, backoff);
  }

  /* 404/405: a server without the events endpoint; ask again in ten minutes or so. */
  noStream() {
    return PUSH.noStreamMs * (1 + 0.2 * this.random());
  }
}

/* Retry-After is delta-seconds or an HTTP-date (RFC 9110 10.2.3); null if neither. */
export function retryAfterSeconds(value, now = Date.now()) {
  if (!value) return null;
  const text = value.trim();
  if (/^[0-9]+$/.test(text)) return Number(text);
  const when = Date.parse(text);
  return Number.isNaN(when) ? null : Math.max(0, (when - now) / 1000);
}

/* Same playlist? Weak comparison (W/ ignored), and the gzip variant of a body's ETag
 * ("x-gzip", which the poll answers to a browser) counts as the plain one ("x"). */
export function sameEtag(one, other) {
  if (!one || !other) return false;
  const plain = (tag) => tag.trim().replace(/^W\//, "").replace(/-gzip"$/, '"');
  return plain(one) === plain(other);
}

let run = 0; // bumping it ends the running loop
let controller = null; // aborts the stream being read
let wakeUp = null; // ends the wait between attempts early (stopPush)
let reconnect = null;
let lastEventId = "";

/* Listen (a no-op while listening). playlist.js calls it after a good poll. */
export function startPush() {
  if (state.pushStatus !== "off") return;
  const mine = ++run;
  reconnect = new Reconnect();
  lastEventId = "";
  state.pushLastEventId = null;
  setStatus("connecting");
  loop(mine);
}

export function stopPush() {
  run += 1;
  if (controller) controller.abort();
  if (wakeUp) wakeUp();
  setStatus("off");
}

function setStatus(status) {
  if (state.pushStatus !== status) notePush(status);
  state.pushStatus = status;
}

async function loop(mine) {
  while (mine === run) {
    const delay = await connectOnce(mine);
    if (mine !== run) return;
    if (state.pushStatus !== "no-stream") setStatus("waiting");
    state.pushNextAttemptAt = new Date(Date.now() + delay).toISOString();
    await pause(delay);
    state.pushNextAttemptAt = null;
  }
}

function pause(ms) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      if (wakeUp === done) wakeUp = null;
      resolve();
    };
    const timer = setTimeout(done, ms);
    wakeUp = done;
  });
}

/* Open the stream and read it to its end; answers how long to wait before the next. */
async function connectOnce(mine) {
  if (!token()) return reconnect.afterStream(false);
  const abort = new AbortController();
  controller = abort;
  let idleTimer = null;
  const stillAlive = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => abort.abort(new Error("no byte for too long")), PUSH.idleMs);
  };
  let gotReady = false;
  setStatus("connecting");
  try {
    stillAlive();
    const headers = authHeaders({ Accept: "text/event-stream" });
    if (lastEventId) headers["Last-Event-ID"] = lastEventId;
    const response = await fetch(PUSH.path, { headers, cache: "no-store", signal: abort.signal });
    state.pushLastStatus = response.status;
    const kind = response.headers.get("Content-Type") || "";
    if (response.status !== 200 || !kind.startsWith("text/event-stream") || !response.body) {
      response.body?.cancel().catch(() => {});
      return refused(response, kind);
    }
    state.pushOpened += 1;
    setStatus("open");
    const parser = new SseParser(lastEventId);
    const reader = response.body.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done || mine !== run) break;
      stillAlive();
      for (const event of parser.feed(value)) {
        if (mine === run && handle(event)) gotReady = true;
      }
      lastEventId = parser.lastEventId;
      state.pushLastEventId = lastEventId || null;
      if (parser.retryMs !== null) reconnect.retryMs = parser.retryMs;
    }
    if (mine === run) notePush("ended");
  } catch (error) {
    // Offline, dropped, the idle limit, stopPush, or a line no event stream would send.
    if (mine === run) notePush("failed", String(abort.signal.reason || error.message || error));
  } finally {
    clearTimeout(idleTimer);
    if (controller === abort) controller = null;
  }
  return reconnect.afterStream(gotReady);
}

function refused(response, kind) {
  const status = response.status;
  notePush("refused", `HTTP ${status}${status === 200 ? ` ${kind || "no type"}` : ""}`);
  if (status === 401) {
    raise("unpaired"); // forgets the screen and stops this loop (stopPlaying)
    return reconnect.noStream();
  }
  if (status === 429 || status === 503) {
    return reconnect.retryLater(retryAfterSeconds(response.headers.get("Retry-After")));
  }
  if (status === 404 || status === 405 || status === 200) {
    setStatus("no-stream"); // an older server: poll only, ask again in ten minutes
    return reconnect.noStream();
  }
  return reconnect.afterStream(false);
}

/* Act on one event; true for `ready`. */
function handle(event) {
  state.pushEvents += 1;
  notePush(event.type, event.id);
  if (event.type === "ready") {
    const etag = etagOf(event.data);
    if (etag && !sameEtag(etag, localStorage.getItem(STORE.etag))) pollNow(`ready at ${etag}`);
    return true;
  }
  if (event.type === "playlist") pollNow(`playlist ${event.id || "-"}`);
  return false;
}

function pollNow(reason) {
  notePush("poll-now", reason);
  raise("poll-now");
}

function etagOf(data) {
  try {
    const etag = JSON.parse(data).etag;
    return typeof etag === "string" ? etag : null;
  } catch {
    return null;
  }
}
