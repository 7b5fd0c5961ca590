/**
 * The `{"DareEnvelope": [...]}` wrapper the drafts print around envelopes
 * (Appendix A). Writers here omit it; readers accept it in JSON or JSON-B by
 * stripping the opening `{ "DareEnvelope":` before the array and expecting the
 * closing `}` after it.
 * @module
 */
import { DareError } from '../errors.js';

const MAX_PREFIX = 64;
const JSON_WRAPPER = /^[\s]*\{[\s]*"DareEnvelope"[\s]*:[\s]*/;
// JSON-B: `{` then the key as a JSON-B string (0x80, length 12).
// eslint-disable-next-line no-control-regex
const JSONB_WRAPPER = /^[\s]*\{[\s]*\x80\x0cDareEnvelope/;

function latin1(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return s;
}

/** Returns the source positioned at the envelope array, and whether a wrapper was stripped. */
export async function unwrapEnvelope(source: AsyncIterable<Uint8Array>): Promise<{ source: AsyncIterable<Uint8Array>; wrapped: boolean }> {
  const it = source[Symbol.asyncIterator]();
  const held: Uint8Array[] = [];
  let n = 0;
  let done = false;
  // Gather enough bytes to see past the first non-whitespace byte and a wrapper key.
  while (n < MAX_PREFIX && !done) {
    const r = await it.next();
    if (r.done) done = true;
    else if (r.value.length) {
      held.push(r.value);
      n += r.value.length;
    }
  }
  const head = new Uint8Array(Math.min(n, MAX_PREFIX));
  let o = 0;
  for (const c of held) {
    if (o >= head.length) break;
    const take = c.subarray(0, head.length - o);
    head.set(take, o);
    o += take.length;
  }
  const text = latin1(head);
  if (n === 0) throw new DareError('TRUNCATED', 'input is empty');
  if (text.trim() === '') throw new DareError('MALFORMED', done && n <= MAX_PREFIX ? 'input holds only whitespace' : `no envelope within the first ${MAX_PREFIX} bytes (only whitespace)`);
  const m = JSON_WRAPPER.exec(text) ?? JSONB_WRAPPER.exec(text);
  let skip = m ? m[0].length : 0;
  if (!m && /^[\s]*\{/.test(text)) throw new DareError('MALFORMED', 'not a dare envelope: an object other than {"DareEnvelope": ...}');
  async function* rest(): AsyncGenerator<Uint8Array> {
    for (const c of held) {
      if (skip >= c.length) {
        skip -= c.length;
        continue;
      }
      yield skip ? c.subarray(skip) : c;
      skip = 0;
    }
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { source: rest(), wrapped: m !== null };
}
