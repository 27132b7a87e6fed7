/* The stage: two stacked layers (#layer-a, #layer-b) so the next item cross-fades in over the
 * current one, loading an image or a muted inline video into them, the idle screen, and what
 * happens when a file cannot be shown. It finds each item's file in shared.playlist.
 * May import: util.js, state.js, events.js, sse.js, api.js, status.js, pairing.js,
 * plays-queue.js, push.js, media-cache.js. */
import { absolute, mediaSource } from "./media-cache.js";
import { failedMedia, noteError, shared, state } from "./state.js";
import { renderCorner, sendStatusSoon } from "./status.js";
import { $ } from "./util.js";

const FADE_MS = 600; // matches .layer transition in player.css

let showSeq = 0; // bumping it abandons a show still loading
let front = $("layer-a");
let back = $("layer-b");

/* Nothing to show: fade to black (with the idle dot when playing), then empty the layers. */
export function showIdle() {
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

/* Put `item` up (a video joined `offsetMs` in). Once it is on the screen, onScreen() is called:
 * the timeline marks its play shown, and answers false if that play has ended meanwhile. */
export async function show(item, offsetMs, onScreen) {
  const seq = ++showSeq;
  const creativeId = item.creative_id;
  const playlist = shared.playlist;
  const file = playlist && playlist.media ? playlist.media[creativeId] : null;
  $("idle").hidden = true;
  if (!file) {
    return mediaFailed(seq, creativeId, "not in the playlist's media");
  }
  const isVideo = file.mime_type.startsWith("video/");
  // The same image again (a one-item loop): leave it up, only the play record is new.
  if (!isVideo && front.dataset.creativeId === creativeId && front.classList.contains("shown")) {
    return shown(seq, creativeId, onScreen);
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
  shown(seq, creativeId, onScreen);
}

function shown(seq, creativeId, onScreen) {
  if (seq !== showSeq || !onScreen()) return;
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
