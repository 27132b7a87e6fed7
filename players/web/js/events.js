/* The two calls that go up the import order: a lower module raises an event by name and
 * main.js connects each name to the function above that handles it. A handler runs at once,
 * inside raise(), so raising an event is just a call made without importing the callee.
 *   "unpaired"  the server refused the device token (status.js, plays-queue.js)
 *   "poll-now"  the server answered while the screen counted itself offline (plays-queue.js)
 * May import: nothing. */

const handlers = new Map();

/* Connect `name` to `handler` (one handler a name; main.js does this before anything runs). */
export function on(name, handler) {
  handlers.set(name, handler);
}

export function raise(name) {
  const handler = handlers.get(name);
  if (!handler) throw new Error(`no handler for the "${name}" event`);
  return handler();
}
