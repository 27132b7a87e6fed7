/* Server-sent events, parsed from a fetch() body as it arrives (WHATWG HTML, "Server-sent
 * events", 9.2.6 "Event stream interpretation"): EventSource cannot send the device token, so
 * push.js reads the stream itself and feeds the bytes here.
 *
 * A stream is UTF-8 text in lines ending in CRLF, LF or CR; a blank line ends an event. Each
 * line is `field: value` (one space after the colon is dropped), `field` alone (an empty
 * value) or a comment starting with ":". The fields:
 *   event  the event's type ("message" when it has none)
 *   data   one line of the event's data; several data lines are joined with LF
 *   id     the last event id (sent back as Last-Event-ID on reconnect); one with NUL is ignored
 *   retry  the reconnect delay in milliseconds, if it is all ASCII digits
 * Anything else is ignored, and so is an event with no data line (its id still counts). Bytes
 * may be cut anywhere: in a UTF-8 sequence, between CR and LF, in the middle of a field.
 * May import: nothing. */

export const MAX_LINE_CHARS = 1 << 20; // a line longer than this is not an event stream

const EOL = /\r\n|\r|\n/g;

export class SseParser {
  /* `lastEventId`: the id the previous stream left (the spec's "last event ID string", kept
   * across reconnects); it changes at each dispatch. `retryMs`: this stream's last valid
   * `retry:` (null if it sent none). */
  constructor(lastEventId = "") {
    this.decoder = new TextDecoder("utf-8"); // replaces bad bytes; drops a leading BOM itself
    this.pending = ""; // an unfinished line
    this.skipLf = false; // the last chunk ended in CR: an LF opening the next is its pair
    this.data = [];
    this.type = "";
    this.idBuffer = "";
    this.lastEventId = lastEventId;
    this.retryMs = null;
    this.comments = 0;
  }

  /* Feed a chunk (a Uint8Array from the body, or a string); answers the events it completes,
   * each {type, data, id}. */
  feed(chunk) {
    let text = typeof chunk === "string" ? chunk : this.decoder.decode(chunk, { stream: true });
    if (!text) return [];
    if (this.skipLf) {
      this.skipLf = false;
      if (text[0] === "\n") text = text.slice(1);
    }
    const buffer = this.pending + text;
    const events = [];
    let start = 0;
    EOL.lastIndex = 0;
    for (let end = EOL.exec(buffer); end; end = EOL.exec(buffer)) {
      const event = this.line(buffer.slice(start, end.index));
      if (event) events.push(event);
      start = EOL.lastIndex;
    }
    this.pending = buffer.slice(start);
    this.skipLf = start === buffer.length && buffer.endsWith("\r");
    if (this.pending.length > MAX_LINE_CHARS) {
      throw new Error(`an event stream line longer than ${MAX_LINE_CHARS} characters`);
    }
    return events;
  }

  line(line) {
    if (line === "") return this.dispatch();
    if (line[0] === ":") {
      this.comments += 1;
      return null;
    }
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value[0] === " ") value = value.slice(1);
    if (field === "event") this.type = value;
    else if (field === "data") this.data.push(value);
    else if (field === "id") {
      if (!value.includes("\0")) this.idBuffer = value;
    } else if (field === "retry") {
      if (/^[0-9]+$/.test(value)) this.retryMs = Number(value);
    }
    return null;
  }

  dispatch() {
    // The id buffer is never reset: an event without an id line keeps the last one.
    this.lastEventId = this.idBuffer;
    const { data, type } = this;
    this.data = [];
    this.type = "";
    if (data.length === 0) return null;
    return { type: type || "message", data: data.join("\n"), id: this.lastEventId };
  }
}
