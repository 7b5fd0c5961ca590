/**
 * Test helper: what an attacker does to a sequence file (issue 12, finding 2): the two
 * subtree roots whose node hash is the apex (so that SHA-512(0x01 || L || R), the apex,
 * is the digest of a 129-byte file someone may be asked to sign), and the last frame
 * rewritten with other trailer signatures (trailers are outside the frame digests, so
 * the tree does not change).
 * @module
 */
import { encodeFrame, readFrame, readRecord } from '../encoding/jbcd.js';
import { MemoryReader } from '../internal/random-access.js';
import { concatBytes } from '../internal/bytes.js';
import type { SignatureEntry } from '../envelope/schema.js';
import { encodeTrailerRecord, frameDigest } from './format.js';
import { merkleRoot } from './merkle.js';
import { SequenceReader } from './reader.js';

/** 0x01 || L || R for the apex of the last frame of a Merkle sequence of two frames or more. */
export async function apexPreimage(bytes: Uint8Array): Promise<Uint8Array> {
  const seq = await SequenceReader.open(new MemoryReader(bytes));
  const fds: Uint8Array[] = [];
  for await (const v of seq.frames()) fds.push(frameDigest(v.headerRecord, v.trailer?.payloadDigest as Uint8Array));
  let k = 1;
  while (k * 2 < fds.length) k *= 2;
  return concatBytes(Uint8Array.of(1), merkleRoot(fds.slice(0, k)), merkleRoot(fds.slice(k)));
}

/** The file with its last frame's trailer signatures replaced by `signatures`. */
export async function withLastSignatures(bytes: Uint8Array, signatures: SignatureEntry[]): Promise<Uint8Array> {
  const r = new MemoryReader(bytes);
  const seq = await SequenceReader.open(r);
  const last = seq.last;
  const f = await readFrame(r, last.position);
  const payload = f.records[1] ? (await readRecord(r, f.records[1])).slice() : new Uint8Array(0);
  const trailer = encodeTrailerRecord({ ...last.trailer, signatures });
  return concatBytes(bytes.subarray(0, last.position), encodeFrame({ header: last.headerRecord, payload, trailer }));
}
