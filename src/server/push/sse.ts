// Server-Sent Events framing (WHATWG HTML, "Server-sent events"): fields are lines, an event ends with a
// blank line, and a line starting with ':' is a comment the browser ignores.

export interface SseFields {
  id?: string;
  event?: string;
  data?: string;
  /** Milliseconds the browser waits before reconnecting after the stream ends. */
  retry?: number;
}

/** Newlines would end a field early and CR or NUL break the parser: they may only appear in `data`. */
function singleLine(name: string, value: string): string {
  if (/[\r\n\0]/.test(value)) throw new Error(`An SSE ${name} cannot contain line breaks or NUL.`);
  return value;
}

export function sseFrame(fields: SseFields): string {
  let frame = '';
  if (fields.id !== undefined) frame += `id: ${singleLine('id', fields.id)}\n`;
  if (fields.event !== undefined) frame += `event: ${singleLine('event', fields.event)}\n`;
  if (fields.retry !== undefined) frame += `retry: ${Math.max(0, Math.floor(fields.retry))}\n`;
  if (fields.data !== undefined) {
    // Each line of the payload is its own data field; the browser joins them back with '\n'.
    for (const line of fields.data.split(/\r\n|\r|\n/)) frame += `data: ${line}\n`;
  }
  return `${frame}\n`;
}
