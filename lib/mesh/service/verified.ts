/**
 * What the service verified once and need not verify again (docs/PROTOCOL.md §3): an
 * account's stored profile opened against its UDF, and a device's ConnectionDevice under
 * that profile's AdministratorSignature key, keyed by the exact bytes verified (a different
 * envelope is a different key, so nothing unverified is ever taken from here). Bounded: the
 * oldest entries go first. The request's own signature is checked every time.
 * @module
 */

export class VerifiedCache<V> {
  private readonly entries = new Map<string, V>();
  private readonly max: number;

  constructor(max = 4096) {
    this.max = max;
  }

  async get(key: string, verify: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    const v = await verify();
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, v);
    return v;
  }
}
