/* Service worker of the signage web player (scope /player/).
 *
 * - /media/<sha256>: cache-first from "signage-media-v1". The addresses are content hashes,
 *   so a cached file is never stale. player.js fills and prunes that cache (it verifies size
 *   and hash first); this worker only reads it, and falls through to the network on a miss.
 * - The shell (index.html, player.js, player.css): cache-first, refreshed in the background,
 *   so the screen starts and plays with the server down, and picks up a new version on the
 *   next load after one is deployed.
 * - Everything else (the /v1 API) goes straight to the network.
 */
"use strict";

const SHELL_CACHE = "signage-shell-v1";
const MEDIA_CACHE = "signage-media-v1";
const SHELL_FILES = ["index.html", "player.js", "player.css"];
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
        if (name.startsWith("signage-shell-") && name !== SHELL_CACHE) {
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
  const cache = await caches.open(SHELL_CACHE);
  const cached = await cache.match(key);
  const refresh = fetch(key, { cache: "no-cache" })
    .then(async (response) => {
      if (response.ok) await cache.put(key, response.clone());
      return response;
    })
    .catch(() => null); // offline: the cached copy is all there is
  if (cached) {
    event.waitUntil(refresh);
    return cached;
  }
  return (await refresh) || Response.error();
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
