/**
 * For tests: the drafts' printed Mesh examples under fixtures/mesh/draft/, read as data.
 *
 * The drafts' text renderer wraps long lines at about 64 columns, inside strings too: a
 * line break and the next line's indentation are inserted ("ZWP\nF-KAL4",
 * "...NE\n  9YQS..."). {@link unwrapDraftText} removes exactly that (a line feed inside a
 * string and the spaces after it), which gives back the JSON the reference wrote; the
 * inner payloads (base64url) are the reference's bytes as they are.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { base64urlDecode, decodeJson, isJsonObject, type JsonObject, type JsonValue } from '../index.js';

export const MESH_FIXTURES = fileURLToPath(new URL('../../fixtures/mesh/', import.meta.url));

/** Removes the renderer's line wraps inside JSON strings (see the module comment). */
export function unwrapDraftText(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (inString) {
      if (c === '\\') {
        out += c + (text[++i] ?? '');
        continue;
      }
      if (c === '"') inString = false;
      if (c === '\n') {
        while (text[i + 1] === ' ') i++;
        continue;
      }
    } else if (c === '"') inString = true;
    out += c;
  }
  return out;
}

/** A printed example as a JSON value. */
export function draftJson(file: string): JsonValue {
  return decodeJson(unwrapDraftText(readFileSync(MESH_FIXTURES + file, 'utf8')));
}

/** The member at `path` (object keys and array indexes). */
export function at(v: JsonValue, path: readonly (string | number)[]): JsonValue {
  let x: JsonValue | undefined = v;
  for (const p of path) {
    x = typeof p === 'number' ? (Array.isArray(x) ? x[p] : undefined) : isJsonObject(x) ? x[p] : undefined;
    if (x === undefined) throw new TypeError(`no ${String(p)} in the fixture at ${path.join('.')}`);
  }
  return x;
}

/** The payload bytes of an envelope in JSON (the base64url text of its second element). */
export function envelopePayload(env: JsonValue): Uint8Array {
  if (!Array.isArray(env) || typeof env[1] !== 'string') throw new TypeError('not an envelope in JSON');
  return base64urlDecode(env[1]);
}

/** The tagged object an envelope in JSON carries, as a JSON value (lenient, as the reference writes it). */
export function envelopeObject(env: JsonValue): JsonObject {
  const v = decodeJson(new TextDecoder().decode(envelopePayload(env)));
  if (!isJsonObject(v)) throw new TypeError('payload is not an object');
  return v;
}
