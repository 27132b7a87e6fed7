/* Pairing (RFC 8628 device flow): POST /v1/player/pair for a code shown large on the screen,
 * then POST /v1/player/pair/poll until a partner claims it, then store the token and call
 * the caller's onPaired (playlist.js's startPlaying).
 * May import: util.js, state.js, events.js, api.js. */
import { errorCode, postJson } from "./api.js";
import { state } from "./state.js";
import { $, backoff, PLAYER, sleep, STORE } from "./util.js";

let pairingRun = 0; // bumping it cancels a running pairing loop

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

/* Paired (or given a token): stop any pairing loop and take the code off the screen. */
export function endPairing() {
  pairingRun += 1;
  hidePairing();
}

/* Show a code until a partner claims it, then store the token and call onPaired(). */
export async function startPairing(onPaired) {
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
      onPaired();
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
