/**
 * Rate limits (docs/PROTOCOL.md §7): a token bucket per key (an account, a client address),
 * refilled at `rate` per second up to a burst of two seconds' worth. The map is bounded: when
 * it is full, buckets that are full again (idle keys) are dropped first, then the oldest.
 * @module
 */

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  private readonly rate: number;
  private readonly maxKeys: number;

  constructor(rate: number, maxKeys = 100_000) {
    this.rate = rate;
    this.maxKeys = maxKeys;
  }

  /** Takes one token for `key`; false when its bucket is empty (RateLimited). */
  take(key: string, now = Date.now()): boolean {
    const burst = this.rate * 2;
    let b = this.buckets.get(key);
    if (b === undefined) {
      if (this.buckets.size >= this.maxKeys) this.evict(now);
      b = { tokens: burst, at: now };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * this.rate);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  private evict(now: number): void {
    const burst = this.rate * 2;
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.rate >= burst) this.buckets.delete(k);
    }
    while (this.buckets.size >= this.maxKeys) {
      const first = this.buckets.keys().next().value as string;
      this.buckets.delete(first);
    }
  }
}
