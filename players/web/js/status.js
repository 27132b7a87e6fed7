/* Telling people how the screen is: the status corner (offline, failed media) on the screen,
 * and the status report (POST /v1/player/status) to the server; a 401 raises "unpaired".
 * May import: util.js, state.js, events.js, api.js. */
import { authHeaders, postJson, token } from "./api.js";
import { raise } from "./events.js";
import { failedMedia, noteError, recentErrors, state } from "./state.js";
import { $, hhmm, PLAYER } from "./util.js";

export function renderCorner() {
  const parts = [];
  if (state.offlineSince !== null) parts.push(`Offline since ${hhmm(state.offlineSince)}`);
  if (failedMedia.size > 0) {
    parts.push(`Media failed (${failedMedia.size} file${failedMedia.size > 1 ? "s" : ""})`);
  }
  const corner = $("status-corner");
  corner.textContent = parts.join(" · ");
  corner.hidden = parts.length === 0;
}

export function wentOffline() {
  if (state.offlineSince === null) {
    state.offlineSince = Date.now();
    noteError("server unreachable");
  }
  renderCorner();
}

export function backOnline() {
  if (state.offlineSince !== null) {
    state.offlineSince = null;
    renderCorner();
  }
}

let statusSoonTimer = null;

/* Coalesce bursts (a cross-fade and a boundary at once) into one report. */
export function sendStatusSoon() {
  clearTimeout(statusSoonTimer);
  statusSoonTimer = setTimeout(sendStatus, 1000);
}

export async function sendStatus() {
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
    if (response.status === 401) return raise("unpaired");
    if (response.ok) recentErrors.splice(0, report.errors.length);
  } catch {
    /* the poll reports being offline */
  }
}
