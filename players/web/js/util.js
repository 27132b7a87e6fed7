/* Constants and small helpers every other module shares: the player's name, the localStorage
 * keys, the DOM lookup, sleeping, jitter and backoff.
 * May import: nothing. */

export const PLAYER = "signage-web/1";
export const STORE = {
  token: "signage.deviceToken",
  screenId: "signage.screenId",
  playlist: "signage.playlist",
  etag: "signage.playlistEtag",
};
const BACKOFF_FIRST_MS = 3 * 1000;
const BACKOFF_MAX_MS = 3 * 60 * 1000;

export const $ = (id) => document.getElementById(id);

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/* ±20 % so a fleet of screens started together does not poll in lockstep. */
export const jitter = (ms) => ms * (0.8 + Math.random() * 0.4);

export const backoff = (failures) =>
  jitter(Math.min(BACKOFF_FIRST_MS * 2 ** Math.max(failures - 1, 0), BACKOFF_MAX_MS));

export function hhmm(ms) {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

export function readJson(key) {
  try {
    const text = localStorage.getItem(key);
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}
