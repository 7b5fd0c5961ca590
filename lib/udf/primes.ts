/**
 * The Shamir primes of draft-hallambaker-mesh-udf-13 Appendix A (§11) and §4.5.1: for a
 * secret of n octets, p = 2^(8n) + k, the smallest prime greater than 2^(8n). The 64
 * offsets k are data, copied from the table; every row was checked to be that smallest
 * prime (conformance/udf.md item 19), and the unit tests check it again with
 * {@link isProbablePrime}.
 * @module
 */
import { pow } from '@noble/curves/abstract/modular.js';

/** k for n = 1..64 octets: the prime for n octets is 2^(8n) + SHAMIR_PRIME_OFFSETS[n - 1]. */
export const SHAMIR_PRIME_OFFSETS: readonly number[] = [
  1, 1, 43, 15, 15, 21, 81, 13, 15, 13, 7, 61, 111, 25, 451, 51,
  85, 175, 253, 7, 87, 427, 27, 133, 235, 375, 423, 735, 357, 115, 81, 297,
  175, 57, 45, 127, 61, 37, 91, 27, 15, 241, 231, 55, 105, 127, 115, 231,
  207, 181, 37, 235, 163, 1093, 187, 211, 21, 841, 445, 165, 777, 583, 133, 75,
];

/** The prime modulus for sharing a secret of `octets` octets (1..64). */
export function shamirPrime(octets: number): bigint {
  const k = SHAMIR_PRIME_OFFSETS[octets - 1];
  if (!Number.isInteger(octets) || k === undefined) throw new RangeError(`secret must be 1..64 octets, got ${octets}`);
  return (1n << BigInt(8 * octets)) + BigInt(k);
}

const SMALL = [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n, 41n, 43n, 47n, 53n, 59n, 61n, 67n, 71n];

/**
 * Miller-Rabin with the first 20 primes as fixed bases: deterministic, exact below
 * 3.3 * 10^24, and wrong for larger n with probability below 4^-20 for a random n.
 */
export function isProbablePrime(n: bigint): boolean {
  if (n < 2n) return false;
  for (const p of SMALL) if (n % p === 0n) return n === p;
  let d = n - 1n;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  outer: for (const a of SMALL) {
    let x = pow(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    for (let i = 1; i < s; i++) {
      x = (x * x) % n;
      if (x === n - 1n) continue outer;
    }
    return false;
  }
  return true;
}
