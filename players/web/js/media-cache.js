/* The media cache: every file the playlist names is downloaded into Cache Storage
 * ("signage-media-v1", which sw.js serves /media/<sha256> from) after checking its size and
 * sha256, and files no longer named are pruned. Also the source to show a file from.
 * May import: util.js, state.js, events.js, sse.js, api.js, status.js, pairing.js,
 * plays-queue.js, push.js. */
import { failedMedia, noteError, state } from "./state.js";
import { renderCorner } from "./status.js";

const MEDIA_CACHE = "signage-media-v1"; // sw.js reads the same cache

let mediaQueue = Promise.resolve(); // one download pass at a time

/* Bring the cache in line with `body` (a playlist), after any pass already under way. */
export function ensureMedia(body, prune) {
  mediaQueue = mediaQueue.then(() => syncMedia(body, prune)).catch(() => {});
  return mediaQueue;
}

export const absolute = (url) => new URL(url, location.href).href;

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
export async function mediaSource(file) {
  const url = absolute(file.url);
  if ((navigator.serviceWorker && navigator.serviceWorker.controller) || !("caches" in window)) {
    return { src: url, revoke: null };
  }
  const hit = await (await caches.open(MEDIA_CACHE)).match(url);
  if (!hit) return { src: url, revoke: null };
  const objectUrl = URL.createObjectURL(await hit.blob());
  return { src: objectUrl, revoke: () => URL.revokeObjectURL(objectUrl) };
}
