/**
 * Small byte arrays carved from shared slabs. V8 (Node 20) keeps typed arrays of at most
 * 64 bytes on the JavaScript heap, but every larger `new Uint8Array(n)` or `slice()` gets its
 * own ArrayBuffer backing store: about 3-4 µs each (allocation, zeroing, external-memory
 * accounting that drives extra garbage collections), more than the hash or HMAC of the
 * bytes. A sequence frame makes several (header and trailer records, EDS, frame digests).
 *
 * {@link allocBytes} hands out zero-filled views into a 64 KiB slab, the way Node's
 * `Buffer.allocUnsafe` pool does (but zeroed and as plain Uint8Array): each view owns its
 * bytes (no two callers share memory; a slab is never reused), only `buffer` and
 * `byteOffset` differ from a fresh array. Code that reads `.buffer` must honour
 * `byteOffset` and `byteLength`, as every user in lib/ does. A view keeps its slab alive,
 * so only arrays that are small and usually short-lived should come from here.
 * @module
 */

const SLAB = 64 << 10;
/** Arrays above this size are allocated on their own (the slab would be wasted quickly). */
const MAX_POOLED = 4096;

let slab = new Uint8Array(SLAB);
let used = 0;

/** A zero-filled Uint8Array of `n` bytes, from the shared slab when small. */
export function allocBytes(n: number): Uint8Array {
  if (n <= 64 || n > MAX_POOLED) return new Uint8Array(n);
  if (used + n > SLAB) {
    slab = new Uint8Array(SLAB);
    used = 0;
  }
  const out = slab.subarray(used, used + n);
  // Keep views 8-byte aligned, so a DataView or wider typed array over them stays fast.
  used += (n + 7) & ~7;
  return out;
}

/** A copy of `b` (as `b.slice()`), from the shared slab when small. */
export function copyBytes(b: Uint8Array): Uint8Array {
  const out = allocBytes(b.length);
  out.set(b);
  return out;
}
