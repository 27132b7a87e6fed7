/* Plumbing for the v1 HTTP contract: the device token, its Authorization header, JSON POSTs
 * and the error code in an error body.
 * May import: util.js. */
import { STORE } from "./util.js";

export const token = () => localStorage.getItem(STORE.token);

export function authHeaders(extra) {
  return { Authorization: `Bearer ${token()}`, ...extra };
}

export async function postJson(path, body, headers) {
  return fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
    cache: "no-store",
  });
}

export async function errorCode(response) {
  try {
    return (await response.json()).error || null;
  } catch {
    return null;
  }
}
