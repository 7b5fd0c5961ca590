/**
 * Property tests of the Mesh layer (lib/mesh): objects of every class round trip through
 * their tagged JSON (compact and the reference layout) with unknown fields and unknown tags
 * kept; the decoder gives a value or a DareError on arbitrary input; the key combination law
 * holds on all four curves; seed derivation is a function of (seed, name, curve) only; MakeID
 * picks SHA-3 exactly for ids whose first byte is 80-87. Fixed seed; SLOW=1 runs ten times as many.
 * @module
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { contentDigest, encodeJson, formatUdf, isDareError, type JsonValue } from '../lib/index.js';
import {
  CLASSES, classOf, classNames, combinePrivateKeys, combinePublicKeys, decodeMeshObject, deriveMeshPrivateKey, encodeMeshObject,
  envelopeId, generateMeshSeed, keyDataOf, keyUdf, parseMeshSeed, privateKeyFromScalar, privateKeyFromStandard, publicKeyOfKeyData,
  publicKeyOfScalar, subclassesOf, type AnyMeshObject, type ClassName, type FieldKind, type MeshCurve, type MeshSeedKind,
} from '../lib/mesh/index.js';
import { runs } from './support.js';

const SEED = 20210805;
const params = (n: number) => ({ numRuns: runs(n), seed: SEED });

const concrete = classNames().filter((c) => !classOf(c)?.abstract);
const date = fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2999-12-31T23:59:59Z'), noInvalidDate: true });
const unknownValue: fc.Arbitrary<JsonValue> = fc.oneof(fc.string(), fc.boolean(), fc.integer(), fc.array(fc.string(), { maxLength: 3 }));

function kindArb(kind: FieldKind, depth: number): fc.Arbitrary<unknown> {
  if (typeof kind === 'string') {
    switch (kind) {
      case 'string': return fc.string({ maxLength: 24 });
      case 'boolean': return fc.boolean();
      case 'integer': return fc.maxSafeInteger();
      case 'float': return fc.double({ noNaN: true, noDefaultInfinity: true });
      case 'binary': return fc.uint8Array({ maxLength: 40 });
      case 'datetime': return date;
    }
  }
  if (kind.t === 'list') return fc.array(kindArb(kind.of, depth), { maxLength: depth > 1 ? 2 : 0 });
  if (kind.t === 'enveloped') {
    return fc.tuple(fc.uint8Array({ maxLength: 30 }), fc.boolean()).map(([p, t]) => ({
      $envelope: [{ dig: 'S512' }, Buffer.from(p).toString('base64url'), ...(t ? [{ PayloadDigest: 'AA' }] : [])],
    }));
  }
  if (kind.t === 'struct') return objectArb(kind.cls as ClassName, depth - 1);
  const options = subclassesOf(kind.base);
  const opaque = fc.record({ $type: fc.constant('NotAClass'), $opaque: fc.constant(true as const), $unknown: fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), unknownValue, { maxKeys: 2 }) });
  return depth <= 0 || options.length === 0 ? opaque : fc.oneof(opaque, ...options.map((c) => objectArb(c, depth - 1)));
}

function objectArb(cls: ClassName, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const def = classOf(cls);
  if (def === undefined) throw new TypeError(cls);
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, kind] of def.fields) {
    const nested = typeof kind !== 'string' && (kind.t === 'struct' || kind.t === 'tagged' || (kind.t === 'list' && typeof kind.of !== 'string'));
    if (nested && depth <= 0) continue;
    fields[name] = kindArb(kind, depth);
  }
  const known = new Set([...def.fields.keys(), ...def.aliases.keys(), '$type', '$unknown']);
  const unknown = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !known.has(k) && k !== '__proto__'), unknownValue, { maxKeys: 2 });
  return fc.record({ ...fields, $unknown: unknown }, { requiredKeys: [] }).map((r) => {
    const o: Record<string, unknown> = { $type: cls, ...r };
    if (o.$unknown !== undefined && Object.keys(o.$unknown as object).length === 0) delete o.$unknown;
    return o;
  });
}

const anyObject = fc.constantFrom(...concrete).chain((c) => objectArb(c, 3));

describe('mesh objects: round trips through the tagged JSON', () => {
  it('every class, with unknown fields and unknown tags, in both layouts', () => {
    fc.assert(fc.property(anyObject, fc.boolean(), (o, reference) => {
      const obj = o as AnyMeshObject;
      const bytes = encodeMeshObject(obj, { layout: reference ? 'reference' : 'compact' });
      const back = decodeMeshObject(bytes, obj.$type as ClassName);
      expect(back).toEqual(obj);
    }), params(300));
  });

  it('covers every concrete class of the table', () => {
    expect(concrete.length).toBe(Object.entries(CLASSES).filter(([, d]) => !('abstract' in d)).length);
    expect(concrete.length).toBeGreaterThan(70);
  });

  it('arbitrary JSON decodes to an object or fails with a DareError; what decodes re-encodes to itself', () => {
    const tagged = fc.tuple(fc.constantFrom(...concrete), fc.jsonValue({ maxDepth: 4 })).map(([c, v]) => ({ [c]: v }));
    fc.assert(fc.property(fc.oneof(tagged, fc.jsonValue({ maxDepth: 4 })), fc.constantFrom(...concrete), (v, cls) => {
      const text = encodeJson(JSON.parse(JSON.stringify(v)) as JsonValue);
      const tag = (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v)[0] : undefined) as ClassName | undefined;
      for (const expect_ of [cls, tag ?? cls]) {
        let o: AnyMeshObject | undefined;
        try {
          o = decodeMeshObject(text, expect_);
        } catch (e) {
          if (!isDareError(e)) throw e;
          continue;
        }
        expect(decodeMeshObject(encodeMeshObject(o), expect_)).toEqual(o);
      }
    }), params(400));
  });

  it('deep or large input is LIMIT_EXCEEDED before it is parsed', () => {
    const deep = '['.repeat(40) + ']'.repeat(40);
    expect(() => decodeMeshObject(`{"CatalogedTask":{"X":${deep}}}`, 'CatalogedTask')).toThrow(/nest|depth/i);
    expect(() => decodeMeshObject(new Uint8Array(2 << 20).fill(0x20), 'CatalogedTask')).toThrow(/larger than the limit/);
  });
});

const CURVES: MeshCurve[] = ['X25519', 'X448', 'Ed25519', 'Ed448'];
const stdLength = (c: MeshCurve) => (c === 'X448' ? 56 : c === 'Ed448' ? 57 : 32);

describe('mesh keys: the key combination law and derivation', () => {
  for (const crv of CURVES) {
    it(`${crv}: Σ public keys = public key of Σ scalars, for 2-4 keys`, () => {
      fc.assert(fc.property(fc.array(fc.uint8Array({ minLength: stdLength(crv), maxLength: stdLength(crv) }), { minLength: 2, maxLength: 4 }), (seeds) => {
        const keys = seeds.map((s) => privateKeyFromStandard(crv, s));
        const sum = combinePrivateKeys(crv, keys);
        expect(combinePublicKeys(crv, keys.map((k) => k.publicKey)).public).toEqual(sum.publicKey.public);
        expect(publicKeyOfScalar(crv, sum.scalar).public).toEqual(sum.publicKey.public);
        // The raw scalar form is its own key: written as "<crv>z" and read back to the same key.
        expect(privateKeyFromScalar(crv, sum.scalar).publicKey.public).toEqual(sum.publicKey.public);
        expect(keyUdf(publicKeyOfKeyData(keyDataOf(sum.publicKey)))).toBe(keyUdf(sum.publicKey));
      }), params(12));
    });
  }

  it('derivation depends on the seed, the key name and the curve, and on nothing else', () => {
    const kinds: MeshSeedKind[] = ['MeshProfileDevice', 'MeshActivationDevice', 'MeshProfileAccount', 'MeshProfileService'];
    fc.assert(fc.property(fc.constantFrom(...kinds), fc.string({ minLength: 1, maxLength: 30 }), fc.constantFrom(...CURVES), (kind, name, crv) => {
      const seed = generateMeshSeed(kind);
      const a = deriveMeshPrivateKey(seed, name, crv);
      expect(deriveMeshPrivateKey(parseMeshSeed(seed.udf, kind), name, crv)).toEqual(a);
      expect(deriveMeshPrivateKey(seed, name + 'x', crv)).not.toEqual(a);
      expect(deriveMeshPrivateKey(generateMeshSeed(kind), name, crv)).not.toEqual(a);
      expect(a.length).toBe(crv === 'X448' || crv === 'Ed448' ? 56 : 32);
    }), params(60));
  });

  it('MakeID uses SHA-3-512 exactly when the first byte is 80-87, SHA-2-512 otherwise', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), (first, data) => {
      const id = formatUdf(Uint8Array.of(first, ...data, 0), 140);
      const alg = first >= 80 && first <= 87 ? 'sha3' : 'sha2';
      expect(envelopeId(id)).toBe(contentDigest(data, 'application/mmm/envelopeid', { alg, bits: 140 }));
    }), params(200));
  });
});

