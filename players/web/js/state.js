/* What the player is doing: the state the tests (and a curious technician with devtools) read
 * through window.signagePlayer.state(), the media that failed, and the errors waiting for the
 * next status report. Also the playlist body one module keeps and another reads.
 * May import: nothing. */

export const state = {
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
/* Kept by one module and read by another, and not part of what the test hook shows. */
export const shared = {
  playlist: null, // the last good playlist body: playlist.js keeps it, stage.js reads its media
};
export const failedMedia = new Set(); // creative ids that would not download or decode
export const recentErrors = []; // sent with the next status report, then cleared

export function noteError(text) {
  const message = String(text).slice(0, 200);
  if (recentErrors.includes(message)) return;
  recentErrors.push(message);
  if (recentErrors.length > 20) recentErrors.shift();
}
