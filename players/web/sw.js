/* Service worker of the signage web player (scope /player/).
 *
 * - /media/<sha256>: cache-first from "signage-media-v1". The addresses are content hashes,
 *   so a cached file is never stale. js/media-cache.js fills and prunes that cache (it
 *   verifies size and hash first); this worker only reads it, and falls through to the network
 *   on a miss.
 * - The shell (index.html, player.css and the ES modules under js/): cache-first, so the
 *   screen starts and plays with the server down. Each page load fetches the whole shell again
 *   in the background, and the next page load starts from that copy: a new version is picked
 *   up on the next load after one is deployed, and always as a whole set (the modules import
 *   one another by name, so a mix of old and new files might not start at all).
 * - Everything else goes straight to the network, untouched by this worker: the /v1 API, and
 *   above all GET /v1/player/events (js/push.js), an answer that never ends and must reach the
 *   page byte by byte as the server sends it.
 */
"use strict";

const SHELL_CACHE = "signage-shell-v2";
const SHELL_NEXT = `${SHELL_CACHE}-next`; // a complete fresh shell, waiting for the next load
const MEDIA_CACHE = "signage-media-v1";
// Every file the page needs to start: one missing here and the screen cannot start offline.
const SHELL_FILES = [
  "index.html", // first: fetchShell answers navigations with it
  "player.css",
  "js/main.js",
  "js/api.js",
  "js/events.js",
  "js/media-cache.js",
  "js/pairing.js",
  "js/playlist.js",
  "js/plays-queue.js",
  "js/push.js",
  "js/sse.js",
  "js/stage.js",
  "js/state.js",
  "js/status.js",
  "js/timeline.js",
  "js/util.js",
];
const SCOPE = new URL(self.registration.scope);

function shellUrl(name) {
  return new URL(name, SCOPE).href;
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then((cache) => cache.addAll(SHELL_FILES.map(shellUrl)))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      // Old shell versions only; the media cache survives worker updates on purpose.
      for (const name of await caches.keys()) {
        if (name.startsWith("signage-shell-") && name !== SHELL_CACHE && name !== SHELL_NEXT) {
          await caches.delete(name);
        }
      }
      // Control the already-open page at once, so media is served from the cache even if the
      // server goes away before the screen is next reloaded.
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/v1/")) return; // the API and its events stream: the network
  if (url.pathname.startsWith("/media/")) {
    event.respondWith(serveMedia(request, url));
    return;
  }
  const key = shellKey(request, url);
  if (key !== null) {
    event.respondWith(serveShell(event, key));
  }
});

/* The cache key of a shell request, or null if it is not one. Navigations to /player/ (with
 * or without ?token=...) are all the same index.html. */
function shellKey(request, url) {
  if (!url.pathname.startsWith(SCOPE.pathname)) return null;
  if (request.mode === "navigate" || url.pathname === SCOPE.pathname) {
    return shellUrl("index.html");
  }
  const name = url.pathname.slice(SCOPE.pathname.length);
  return SHELL_FILES.includes(name) ? shellUrl(name) : null;
}

async function serveShell(event, key) {
  const index = shellUrl("index.html");
  if (key === index) await promoteNextShell(); // a page load: nothing of it is served yet
  const cache = await caches.open(SHELL_CACHE);
  const cached = await cache.match(key);
  if (key === index) {
    const refresh = fetchShell();
    if (cached) {
      event.waitUntil(refresh);
      return cached;
    }
    return (await refresh) || Response.error();
  }
  if (cached) return cached;
  try {
    const response = await fetch(key, { cache: "no-cache" });
    if (response.ok) await cache.put(key, response.clone());
    return response;
  } catch {
    return Response.error();
  }
}

/* Fetch every shell file into SHELL_NEXT, only once all of them came back. Answers the fresh
 * index.html (null when offline). */
async function fetchShell() {
  const urls = SHELL_FILES.map(shellUrl);
  let responses;
  try {
    responses = await Promise.all(urls.map((url) => fetch(url, { cache: "no-cache" })));
  } catch {
    return null; // offline: the cached copy is all there is
  }
  if (responses.every((response) => response.ok)) {
    try {
      const next = await caches.open(SHELL_NEXT);
      await Promise.all(urls.map((url, i) => next.put(url, responses[i].clone())));
    } catch {
      /* storage full or gone: keep the shell we have, try again on the next load */
    }
  }
  return responses[0]; // index.html comes first in SHELL_FILES
}

/* Make the shell fetched during the previous page load the one served, if it is complete. */
async function promoteNextShell() {
  try {
    if (!(await caches.has(SHELL_NEXT))) return;
    const next = await caches.open(SHELL_NEXT);
    const urls = SHELL_FILES.map(shellUrl);
    const responses = await Promise.all(urls.map((url) => next.match(url)));
    if (responses.every(Boolean)) {
      const cache = await caches.open(SHELL_CACHE);
      await Promise.all(urls.map((url, i) => cache.put(url, responses[i])));
    }
    await caches.delete(SHELL_NEXT);
  } catch {
    /* storage trouble: serve the shell we have */
  }
}

async function serveMedia(request, url) {
  const cache = await caches.open(MEDIA_CACHE);
  const cached = await cache.match(url.origin + url.pathname);
  if (!cached) return fetch(request);
  const range = request.headers.get("range");
  return range ? rangeOf(cached, range) : cached;
}

/* Video elements ask for byte ranges; answer them from the whole cached file. */
async function rangeOf(response, header) {
  const blob = await response.blob();
  const size = blob.size;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.replace(/\s/g, ""));
  if (!match || (match[1] === "" && match[2] === "")) {
    return new Response(blob, { status: 200, headers: response.headers });
  }
  let start;
  let end;
  if (match[1] === "") {
    start = Math.max(size - Number(match[2]), 0);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || end < start) {
    return new Response(null, {
      status: 416,
      headers: { "Content-Range": `bytes */${size}` },
    });
  }
  const headers = new Headers(response.headers);
  headers.set("Content-Range", `bytes ${start}-${end}/${size}`);
  headers.set("Content-Length", String(end - start + 1));
  headers.set("Accept-Ranges", "bytes");
  return new Response(blob.slice(start, end + 1), { status: 206, headers });
}
