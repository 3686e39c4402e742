import { describe, expect, it } from 'vitest';
import { sseFrame } from './sse';

describe('SSE framing', () => {
  it('writes fields as lines and ends the event with a blank line', () => {
    expect(sseFrame({ id: '7', event: 'identity.updated', data: '{"a":1}' })).toBe(
      'id: 7\nevent: identity.updated\ndata: {"a":1}\n\n',
    );
    expect(sseFrame({ retry: 1000 })).toBe('retry: 1000\n\n');
  });

  it('splits multi-line data into one data field per line, whatever the line ending', () => {
    expect(sseFrame({ data: 'one\ntwo\r\nthree\rfour' })).toBe(
      'data: one\ndata: two\ndata: three\ndata: four\n\n',
    );
  });

  it('refuses a line break in a single-line field, which would forge another field', () => {
    expect(() => sseFrame({ id: '1\ndata: forged' })).toThrow(/line breaks/);
    expect(() => sseFrame({ event: 'a\rb' })).toThrow(/line breaks/);
  });
});
