import { describe, expect, it } from 'vitest';
import type { EndSignal } from '@chorus/transport';
import { SessionEndSignal } from './session-end-signal';

/** The same listener objects on a SessionEndSignal and on an AbortSignal (the ordinary path): which get called, how often. */
function drive(signal: EndSignal, abort: () => void): string[] {
  const calls: string[] = [];
  const listener = (name: string) => ({ handleEvent: () => calls.push(name) });
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(listener);
  signal.addEventListener('abort', a!, { once: true });
  signal.addEventListener('abort', b!);
  signal.addEventListener('abort', b!); // twice: counted once
  signal.addEventListener('abort', c!, { once: true });
  signal.removeEventListener('abort', c!);
  calls.push(`aborted before: ${signal.aborted}`);
  abort();
  abort(); // a second abort calls nobody
  calls.push(`aborted after: ${signal.aborted}`);
  signal.addEventListener('abort', d!); // after the abort: never called
  return calls;
}

describe('SessionEndSignal', () => {
  it('calls its listener objects as an AbortSignal does', () => {
    const light = new SessionEndSignal();
    const controller = new AbortController();
    const expected = drive(controller.signal, () => controller.abort());
    expect(expected).toEqual(['aborted before: false', 'a', 'b', 'aborted after: true']);
    expect(drive(light, () => light.abort())).toEqual(expected);
  });
});
