/* What the player is doing: the state the tests (and a curious technician with devtools) read
 * through window.signagePlayer.state(), the media that failed, the errors waiting for the
 * next status report, and what the events stream did lately. Also the playlist body one
 * module keeps and another reads.
 * May import: nothing. */

export const state = {
  mode: "starting", // "pairing" | "playing"
  userCode: null,
  segmentStartsAt: null,
  creativeId: null,
  queuedPlays: 0,
  lastPollStatus: null, // an HTTP status, or "network-error"
  lastPollAt: null, // ISO time the last poll was sent
  polls: 0, // playlist polls sent since the page loaded
  lastUploadStatus: null,
  offlineSince: null, // ms since the epoch, while the server cannot be reached
  cachedMedia: 0,
  cachedBytes: 0,
  // The events stream (push.js):
  pushStatus: "off", // "connecting" | "open" | "waiting" | "no-stream" (an older server)
  pushOpened: 0, // streams that answered 200
  pushEvents: 0, // events received (heartbeats are comments, not events)
  pushLastEventId: null,
  pushLastStatus: null, // the HTTP status of the last attempt
  pushNextAttemptAt: null, // ISO time, while waiting to reconnect
};
/* Kept by one module and read by another, and not part of what the test hook shows. */
export const shared = {
  playlist: null, // the last good playlist body: playlist.js keeps it, stage.js reads its media
};
export const failedMedia = new Set(); // creative ids that would not download or decode
export const recentErrors = []; // sent with the next status report, then cleared
export const pushLog = []; // the events stream's latest doings: {at, what, detail}

/* `what`: a status (connecting, open, waiting, off, no-stream), an event type (ready,
 * playlist, ...), "poll-now" (an event made the screen poll), ended, failed or refused. */
export function notePush(what, detail = null) {
  pushLog.push({ at: new Date().toISOString(), what, detail });
  if (pushLog.length > 50) pushLog.shift();
}

export function noteError(text) {
  const message = String(text).slice(0, 200);
  if (recentErrors.includes(message)) return;
  recentErrors.push(message);
  if (recentErrors.length > 20) recentErrors.shift();
}
