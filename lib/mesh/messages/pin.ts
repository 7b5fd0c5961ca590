/**
 * PIN codes and their proofs of knowledge (draft-hallambaker-mesh-schema-08 §6.3,
 * draft-hallambaker-mesh-protocol-09 §8.1; docs/MESH.md §5). With pinData the bytes of
 * the PIN after its type byte (the PIN is an authenticator UDF, type 0 = HMAC-SHA-2-512):
 *
 *   SaltedPin  = UDF type 0 ‖ HMAC-SHA-512(key = pinData, Action)            (140 bits)
 *   salt       = the 16 bytes after the type byte of the presented SaltedPin
 *   PinId      = UDF type 0 ‖ HMAC-SHA-512(key = salt, UTF-8(Account))       (140 bits)
 *   PinWitness = HMAC-SHA-512(key = salt, UTF-8(Account) ‖ ClientNonce ‖ PayloadDigest)
 *
 * The protocol's printed SaltedPin `ADBB…`, PinId `ACCL…` and PinWitness reproduce
 * (fixtures/mesh/vectors/pin.json); the schema's PinId `ADVR…` does not (it matches none
 * of the readings tried) and is recorded as such.
 * Witnesses are compared in constant time.
 * @module
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { DareError, formatUdf, utf8 } from '../../index.js';
import { identifierData } from './ids.js';

/** Actions a PIN is bound to (schema §6.3): the message type it authenticates. */
export const PIN_ACTION = { Device: 'Device', Contact: 'Contact' } as const;
export type PinAction = (typeof PIN_ACTION)[keyof typeof PIN_ACTION];

const AUTHENTICATOR_HMAC_SHA2 = 0x00;

/** UTF-8 of a string followed by byte strings. */
function concatUtf8(text: string, ...rest: Uint8Array[]): Uint8Array {
  const head = utf8(text);
  const out = new Uint8Array(head.length + rest.reduce((n, b) => n + b.length, 0));
  out.set(head);
  let o = head.length;
  for (const b of rest) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}

function authenticatorUdf(mac: Uint8Array): string {
  return formatUdf(Uint8Array.of(AUTHENTICATOR_HMAC_SHA2, ...mac), 140);
}

/** The key of a PIN or salted PIN: the whole bytes after its type byte; type must be 0. */
function keyOf(udf: string, what: string, min = 8): Uint8Array {
  const { first, data } = identifierData(udf);
  if (first !== AUTHENTICATOR_HMAC_SHA2) throw new DareError('UNSUPPORTED_ALGORITHM', `${what} of type ${first} is not HMAC-SHA-2-512 (type 0)`);
  if (data.length < min) throw new DareError('UDF_INVALID', `${what} is too short`);
  return data;
}

/** SaltedPin for `action` (the value the issuer stores; the PIN itself is not kept). */
export function saltedPin(pin: string, action: string): string {
  return authenticatorUdf(hmac(sha512, keyOf(pin, 'PIN'), concatUtf8(action)));
}

/** PinId binding a salted PIN to `account` (the MessageId of the MessagePin). */
export function pinId(salted: string, account: string): string {
  return authenticatorUdf(hmac(sha512, keyOf(salted, 'SaltedPin', 16), concatUtf8(account)));
}

/** PinWitness over an envelope's PayloadDigest, proving knowledge of the PIN. */
export function pinWitness(salted: string, account: string, clientNonce: Uint8Array, payloadDigest: Uint8Array): Uint8Array {
  return hmac(sha512, keyOf(salted, 'SaltedPin', 16), concatUtf8(account, clientNonce, payloadDigest));
}

/** True when `witness` is the PinWitness of these inputs (constant time in the witness). */
export function checkPinWitness(
  witness: Uint8Array, salted: string, account: string, clientNonce: Uint8Array, payloadDigest: Uint8Array,
): boolean {
  const want = pinWitness(salted, account, clientNonce, payloadDigest);
  if (!(witness instanceof Uint8Array) || witness.length !== want.length) return false;
  let d = 0;
  for (let i = 0; i < want.length; i++) d |= (want[i] as number) ^ (witness[i] as number);
  return d === 0;
}

/** A fresh PIN: an authenticator UDF of type 0 with `bits` random bits after the type (default 80). */
export function generatePin(bits = 80): string {
  if (!Number.isSafeInteger(bits) || bits % 8 !== 0 || bits < 80 || bits > 256) throw new RangeError('bits must be a multiple of 8 in [80, 256]');
  const random = crypto.getRandomValues(new Uint8Array(bits / 8));
  const pin = formatUdf(Uint8Array.of(AUTHENTICATOR_HMAC_SHA2, ...random), 8 + bits);
  random.fill(0);
  return pin;
}
