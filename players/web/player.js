/* The signage web kiosk player: plain JavaScript, no framework, no build step.
 *
 * It speaks only the v1 HTTP contract (docs: CONTRACT.md, "Screens and pairing" and "The
 * player's poll"):
 *   pairing   POST /v1/player/pair, then POST /v1/player/pair/poll until claimed
 *   playlist  GET /v1/player/playlist (device token, If-None-Match)
 *   status    POST /v1/player/status
 *   plays     POST /v1/player/plays (proof of play, batches of at most 1000)
 *
 * Offline first: the last good playlist is kept in localStorage, the media in Cache Storage
 * (served by sw.js), and proof-of-play records in IndexedDB until the server has them.
 */
(() => {
  "use strict";

  const PLAYER = "signage-web/1";
  const MEDIA_CACHE = "signage-media-v1"; // sw.js reads the same cache
  const STORE = {
    token: "signage.deviceToken",
    screenId: "signage.screenId",
    playlist: "signage.playlist",
    etag: "signage.playlistEtag",
  };
  const STATUS_EVERY_MS = 3 * 60 * 1000;
  const UPLOAD_EVERY_MS = 60 * 1000;
  const BACKOFF_FIRST_MS = 3 * 1000;
  const BACKOFF_MAX_MS = 3 * 60 * 1000;
  const MAX_TIMER_MS = 60 * 1000; // re-check at least this often (clock changes, long waits)
  const PLAYS_BATCH = 1000;
  const ORPHAN_PLAYS_MS = 7 * 24 * 3600 * 1000; // plays of a screen this device no longer is
  const FADE_MS = 600; // matches .layer transition in player.css

  const $ = (id) => document.getElementById(id);

  /* Everything the tests (and a curious technician with devtools) may look at. */
  const state = {
    mode: "starting", // "pairing" | "playing"
    userCode: null,
    segmentStartsAt: null,
    creativeId: null,
    queuedPlays: 0,
    lastPollStatus: null, // an HTTP status, or "network-error"
    lastUploadStatus: null,
    offlineSince: null, // ms since the epoch, while the server cannot be reached
    cachedMedia: 0,
    cachedBytes: 0,
  };
  const failedMedia = new Set(); // creative ids that would not download or decode
  const recentErrors = []; // sent with the next status report, then cleared

  // ---------------------------------------------------------------- small utilities

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  /* ±20 % so a fleet of screens started together does not poll in lockstep. */
  const jitter = (ms) => ms * (0.8 + Math.random() * 0.4);

  const backoff = (failures) =>
    jitter(Math.min(BACKOFF_FIRST_MS * 2 ** Math.max(failures - 1, 0), BACKOFF_MAX_MS));

  function noteError(text) {
    const message = String(text).slice(0, 200);
    if (recentErrors.includes(message)) return;
    recentErrors.push(message);
    if (recentErrors.length > 20) recentErrors.shift();
  }

  function hhmm(ms) {
    const d = new Date(ms);
    return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
  }

  function readJson(key) {
    try {
      const text = localStorage.getItem(key);
      return text ? JSON.parse(text) : null;
    } catch {
      return null;
    }
  }

  const token = () => localStorage.getItem(STORE.token);

  function authHeaders(extra) {
    return { Authorization: `Bearer ${token()}`, ...extra };
  }

  async function postJson(path, body, headers) {
    return fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...headers },
      body: JSON.stringify(body),
      cache: "no-store",
    });
  }

  async function errorCode(response) {
    try {
      return (await response.json()).error || null;
    } catch {
      return null;
    }
  }

  // ---------------------------------------------------------------- status corner

  function renderCorner() {
    const parts = [];
    if (state.offlineSince !== null) parts.push(`Offline since ${hhmm(state.offlineSince)}`);
    if (failedMedia.size > 0) {
      parts.push(`Media failed (${failedMedia.size} file${failedMedia.size > 1 ? "s" : ""})`);
    }
    const corner = $("status-corner");
    corner.textContent = parts.join(" · ");
    corner.hidden = parts.length === 0;
  }

  function wentOffline() {
    if (state.offlineSince === null) {
      state.offlineSince = Date.now();
      noteError("server unreachable");
    }
    renderCorner();
  }

  function backOnline() {
    if (state.offlineSince !== null) {
      state.offlineSince = null;
      renderCorner();
    }
  }

  // ---------------------------------------------------------------- modes

  function showPairing(code, note) {
    state.mode = "pairing";
    state.userCode = code;
    $("pairing").hidden = false;
    $("user-code").textContent = code || "····-····";
    $("pairing-note").textContent =
      note || "A new code appears here if this one runs out.";
  }

  function hidePairing() {
    $("pairing").hidden = true;
    state.userCode = null;
  }

  /* The device token stopped working (revoked or rotated): forget this screen, pair again. */
  function unpaired() {
    stopPlaying(); // first: the play being cut is recorded under the screen it was shown on
    for (const key of Object.values(STORE)) localStorage.removeItem(key);
    startPairing();
  }

  // ---------------------------------------------------------------- pairing

  let pairingRun = 0; // bumping it cancels a running pairing loop

  async function startPairing() {
    const run = ++pairingRun;
    showPairing(null, "Connecting…");
    let failures = 0;
    while (run === pairingRun) {
      let started;
      try {
        const response = await postJson("/v1/player/pair", {
          orientation: matchMedia("(orientation: portrait)").matches ? "portrait" : "landscape",
          width: Math.round(screen.width * (window.devicePixelRatio || 1)),
          height: Math.round(screen.height * (window.devicePixelRatio || 1)),
          player: PLAYER,
        });
        if (response.status !== 201) throw new Error(`pair answered ${response.status}`);
        started = await response.json();
      } catch {
        failures += 1;
        showPairing(null, "Waiting for the network…");
        await sleep(backoff(failures));
        continue;
      }
      failures = 0;
      if (run !== pairingRun) return;
      showPairing(started.user_code);
      const granted = await awaitClaim(run, started);
      if (granted) {
        localStorage.setItem(STORE.token, granted.device_token);
        localStorage.setItem(STORE.screenId, granted.screen_id);
        startPlaying();
        return;
      }
      // expired or refused: loop round for a fresh code
    }
  }

  /* Poll until the code is claimed (the grant), or it expires (null). RFC 8628 section 3.5. */
  async function awaitClaim(run, started) {
    const expiresAt = Date.now() + started.expires_in * 1000;
    let interval = Math.max(started.interval, 1) * 1000;
    let failures = 0;
    while (run === pairingRun && Date.now() < expiresAt) {
      await sleep(failures ? Math.max(interval, backoff(failures)) : interval);
      if (run !== pairingRun) return null;
      let response;
      try {
        response = await postJson("/v1/player/pair/poll", { device_code: started.device_code });
      } catch {
        failures += 1;
        continue; // the code is still good; keep showing it
      }
      failures = 0;
      if (response.status === 200) return response.json();
      if (response.status >= 500) continue;
      const error = await errorCode(response);
      if (error === "authorization_pending") continue;
      if (error === "slow_down") {
        interval += 5000; // for this and every later poll, as the RFC says
        continue;
      }
      return null; // expired_token or anything unexpected: start a new pairing
    }
    return null;
  }

  // ---------------------------------------------------------------- the playlist poll

  let playlist = null; // the last good body
  let pollTimer = null;
  let pollFailures = 0;
  let statusTimer = null;
  let uploadTimer = null;

  function startPlaying() {
    pairingRun += 1;
    hidePairing();
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
    clearTimeout(pollTimer);
    clearTimeout(playTimer);
    clearInterval(statusTimer);
    clearInterval(uploadTimer);
    finishPlay(Date.now());
    playlist = null;
    state.segmentStartsAt = null;
    state.creativeId = null;
    showIdle();
    $("idle").hidden = true;
  }

  function schedulePoll(ms) {
    clearTimeout(pollTimer);
    pollTimer = setTimeout(pollPlaylist, ms);
  }

  let polling = false;

  async function pollPlaylist() {
    clearTimeout(pollTimer);
    if (polling) return; // the one in flight schedules the next
    if (!token()) return unpaired();
    polling = true;
    try {
      await pollOnce();
    } finally {
      polling = false;
    }
  }

  async function pollOnce() {
    const headers = authHeaders();
    const etag = localStorage.getItem(STORE.etag);
    if (etag && playlist) headers["If-None-Match"] = etag;
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
      ensureMedia(false); // retry anything that failed to download before
    } else {
      return pollFailed(); // 5xx (or a surprise): keep playing what we have
    }
    pollFailures = 0;
    backOnline();
    uploadPlays();
    const after = (playlist && playlist.poll_after_seconds) || 30;
    schedulePoll(jitter(after * 1000));
  }

  function pollFailed() {
    pollFailures += 1;
    wentOffline();
    schedulePoll(backoff(pollFailures));
  }

  function applyPlaylist(body, fresh) {
    playlist = body;
    if (body.screen_id) localStorage.setItem(STORE.screenId, body.screen_id);
    segments = parseTimeline(body.timeline || []);
    // Prune the media cache only against a body fresh from the server.
    ensureMedia(fresh);
    tick();
  }

  // ---------------------------------------------------------------- media cache

  let mediaQueue = Promise.resolve(); // one download pass at a time

  function ensureMedia(prune) {
    const body = playlist;
    mediaQueue = mediaQueue.then(() => syncMedia(body, prune)).catch(() => {});
    return mediaQueue;
  }

  const absolute = (url) => new URL(url, location.href).href;

  async function sha256Hex(buffer) {
    const digest = await crypto.subtle.digest("SHA-256", buffer);
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function syncMedia(body, prune) {
    if (!body || !("caches" in window)) return;
    const cache = await caches.open(MEDIA_CACHE);
    const media = body.media || {};
    for (const [creativeId, file] of Object.entries(media)) {
      const key = absolute(file.url);
      const hit = await cache.match(key);
      if (hit && Number(hit.headers.get("Content-Length")) === file.bytes) continue;
      let response;
      try {
        response = await fetch(key, { cache: "no-store" });
      } catch {
        continue; // offline: the poll reports that; try again after the next good poll
      }
      try {
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const blob = await response.blob();
        if (blob.size !== file.bytes) {
          throw new Error(`${blob.size} bytes, expected ${file.bytes}`);
        }
        if (crypto.subtle && (await sha256Hex(await blob.arrayBuffer())) !== file.sha256) {
          throw new Error("sha256 mismatch");
        }
        await cache.put(
          key,
          new Response(blob, {
            headers: {
              "Content-Type": file.mime_type,
              "Content-Length": String(blob.size),
              ETag: `"${file.sha256}"`,
            },
          }),
        );
        if (failedMedia.delete(creativeId)) renderCorner();
      } catch (error) {
        failedMedia.add(creativeId);
        noteError(`media download failed: ${creativeId}: ${error.message}`);
        renderCorner();
      }
    }
    const wanted = new Set(Object.values(media).map((file) => absolute(file.url)));
    let count = 0;
    let bytes = 0;
    for (const request of await cache.keys()) {
      if (!wanted.has(request.url)) {
        if (prune) await cache.delete(request);
        continue;
      }
      const response = await cache.match(request);
      count += 1;
      bytes += Number(response.headers.get("Content-Length")) || 0;
    }
    state.cachedMedia = count;
    state.cachedBytes = bytes;
  }

  /* The service worker serves /media from the cache; without one, make an object URL. */
  async function mediaSource(file) {
    const url = absolute(file.url);
    if ((navigator.serviceWorker && navigator.serviceWorker.controller) || !("caches" in window)) {
      return { src: url, revoke: null };
    }
    const hit = await (await caches.open(MEDIA_CACHE)).match(url);
    if (!hit) return { src: url, revoke: null };
    const objectUrl = URL.createObjectURL(await hit.blob());
    return { src: objectUrl, revoke: () => URL.revokeObjectURL(objectUrl) };
  }

  // ---------------------------------------------------------------- playback

  let segments = [];
  let playTimer = null;
  let current = null; // {slot, creativeId, startedAt, shown}
  let showSeq = 0; // bumping it abandons a show still loading
  let front = $("layer-a");
  let back = $("layer-b");

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
  function tick() {
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
      show(at.item, now - at.itemStart);
    }
    const wait = Math.min(Math.max(at.until - Date.now(), 0), MAX_TIMER_MS);
    playTimer = setTimeout(tick, wait);
  }

  /* Nothing to show: fade to black (with the idle dot when playing), then empty the layers. */
  function showIdle() {
    showSeq += 1;
    fadeOutBoth();
    $("idle").hidden = state.mode !== "playing";
  }

  function fadeOutBoth() {
    for (const layer of [front, back]) {
      layer.classList.remove("shown");
      clearLayerAfter(layer, FADE_MS + 100);
    }
  }

  function clearLayer(layer) {
    const media = layer.querySelector("video");
    if (media) media.pause();
    if (layer.revoke) layer.revoke();
    layer.revoke = null;
    layer.replaceChildren();
    layer.classList.remove("front");
    delete layer.dataset.creativeId;
  }

  /* Empty a layer after a while, unless it has been given something new meanwhile. */
  function clearLayerAfter(layer, ms) {
    const generation = layer.generation;
    setTimeout(() => {
      if (layer.generation === generation) {
        layer.classList.remove("shown");
        clearLayer(layer);
      }
    }, ms);
  }

  async function show(item, offsetMs) {
    const seq = ++showSeq;
    const creativeId = item.creative_id;
    const file = playlist && playlist.media ? playlist.media[creativeId] : null;
    $("idle").hidden = true;
    if (!file) {
      return mediaFailed(seq, creativeId, "not in the playlist's media");
    }
    const isVideo = file.mime_type.startsWith("video/");
    // The same image again (a one-item loop): leave it up, only the play record is new.
    if (!isVideo && front.dataset.creativeId === creativeId && front.classList.contains("shown")) {
      return shown(seq, creativeId);
    }
    const layer = back;
    clearLayer(layer);
    layer.classList.remove("shown");
    layer.generation = (layer.generation || 0) + 1;
    let source;
    try {
      source = await mediaSource(file);
    } catch {
      source = { src: absolute(file.url), revoke: null };
    }
    if (seq !== showSeq) {
      if (source.revoke) source.revoke();
      return;
    }
    layer.revoke = source.revoke;
    let element;
    try {
      element = isVideo
        ? await loadVideo(layer, source.src, offsetMs)
        : await loadImage(layer, source.src);
    } catch (error) {
      if (seq === showSeq) clearLayer(layer);
      return mediaFailed(seq, creativeId, error.message || "could not be shown");
    }
    if (seq !== showSeq) return; // something newer is due; abandon this one
    element.dataset.creativeId = creativeId;
    layer.dataset.creativeId = creativeId;
    // Cross-fade: the new layer fades in on top while the old one stays fully up beneath it
    // (no dip through black), and is emptied once covered. Media have a black background
    // (player.css), so the old picture never shows in the new one's letterbox.
    const old = front;
    layer.classList.add("front", "shown");
    old.classList.remove("front");
    clearLayerAfter(old, FADE_MS + 50);
    back = old;
    front = layer;
    shown(seq, creativeId);
  }

  function shown(seq, creativeId) {
    if (seq !== showSeq || !current) return;
    current.shown = true;
    current.startedAt = Date.now();
    if (failedMedia.delete(creativeId)) renderCorner();
    if (state.creativeId !== creativeId) {
      state.creativeId = creativeId;
      sendStatusSoon();
    }
  }

  function mediaFailed(seq, creativeId, reason) {
    if (seq !== showSeq) return;
    failedMedia.add(creativeId);
    noteError(`media failed: ${creativeId}: ${reason}`);
    renderCorner();
    // Calm black rather than a stale picture or an error page.
    fadeOutBoth();
    if (state.creativeId !== null) {
      state.creativeId = null;
      sendStatusSoon();
    }
  }

  function loadImage(layer, src) {
    const image = new Image();
    image.alt = ""; // the playlist carries no alt text; the screen is decorative to a reader
    image.decoding = "async";
    image.src = src;
    layer.appendChild(image);
    return image.decode().then(() => image);
  }

  function loadVideo(layer, src, offsetMs) {
    const video = document.createElement("video");
    video.muted = true; // autoplay is only allowed muted; kiosks have no sound anyway
    video.defaultMuted = true;
    video.playsInline = true;
    video.setAttribute("muted", "");
    video.setAttribute("playsinline", "");
    video.autoplay = true;
    video.preload = "auto";
    video.src = src;
    layer.appendChild(video);
    return new Promise((resolve, reject) => {
      video.addEventListener(
        "loadeddata",
        () => {
          // Join the loop where the other screens are, not from the start.
          if (offsetMs > 500 && Number.isFinite(video.duration)) {
            video.currentTime = Math.min(offsetMs / 1000, video.duration);
          }
          video.play().catch(() => {});
          resolve(video);
        },
        { once: true },
      );
      video.addEventListener("error", () => reject(new Error("video failed to load")), {
        once: true,
      });
    });
  }

  // ---------------------------------------------------------------- proof of play

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

  async function refreshQueuedCount() {
    try {
      state.queuedPlays = await withStore("readonly", (store) => store.count());
    } catch {
      /* IndexedDB unavailable: nothing is queued */
    }
  }

  /* The item that was on screen ended (or was cut by a boundary): record it. */
  function finishPlay(now) {
    const play = current;
    current = null;
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

  async function uploadPlays() {
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
    if (state.offlineSince !== null) schedulePoll(0);
    if (response.status === 401) {
      unpaired();
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

  // ---------------------------------------------------------------- status reports

  let statusSoonTimer = null;

  /* Coalesce bursts (a cross-fade and a boundary at once) into one report. */
  function sendStatusSoon() {
    clearTimeout(statusSoonTimer);
    statusSoonTimer = setTimeout(sendStatus, 1000);
  }

  async function sendStatus() {
    if (!token() || state.mode !== "playing") return;
    const report = {
      player: PLAYER,
      playing_creative_id: state.creativeId,
      cached_bytes: state.cachedBytes,
      errors: recentErrors.slice(),
    };
    try {
      if (navigator.storage && navigator.storage.estimate) {
        const estimate = await navigator.storage.estimate();
        if (estimate.quota !== undefined && estimate.usage !== undefined) {
          report.free_bytes = Math.max(Math.round(estimate.quota - estimate.usage), 0);
        }
      }
    } catch {
      /* optional */
    }
    try {
      const response = await postJson("/v1/player/status", report, authHeaders());
      if (response.status === 401) return unpaired();
      if (response.ok) recentErrors.splice(0, report.errors.length);
    } catch {
      /* the poll reports being offline */
    }
  }

  // ---------------------------------------------------------------- start

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

  window.signagePlayer = {
    state() {
      return {
        ...state,
        offlineSince: state.offlineSince === null ? null : new Date(state.offlineSince).toISOString(),
        failedMedia: [...failedMedia],
      };
    },
    /* The proof-of-play records still waiting for the server. */
    async queued() {
      return withStore("readonly", (store) => store.getAll());
    },
  };

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
  else startPairing();
})();
