/**
 * Fuzz targets: each takes arbitrary bytes and must either succeed or throw a
 * DareError. Anything else (TypeError, RangeError, a plain Error from a
 * dependency) is a crash. Keys are fixed, so that the seed corpus
 * (fixtures/fuzz/, written by fuzz/make-seeds.mjs with the same constants) opens.
 *
 * The sequence target reads its input as a whole sequence file through a
 * RandomAccessReader: open (tail search), verify, every frame opened and read, and
 * frame(i) by index (TreePosition walks).
 * @module
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkContentDigestOfStream, decodeEnvelopeBytes, decodeKeyFile, normalizeUdf, parsePublicKeySet, parseSecret, parseShare, parseUdf,
  udfMatches, isDareError, type DecodeOptions,
} from '../lib/index.js';
import { signaturePublicKey } from '../lib/crypto/signature.js';
import { decodeJsonB } from '../lib/encoding/jsonb-reader.js';
import { JsonBStreamReader } from '../lib/encoding/jsonb-stream.js';
import { decodeJson } from '../lib/encoding/json.js';
import { base32Decode } from '../lib/encoding/base32.js';
import { base64urlDecode } from '../lib/encoding/base64url.js';
import { MemoryReader } from '../lib/internal/random-access.js';
import { SequenceWriter } from '../lib/sequence/writer.js';
import { SequenceReader, type SequenceReadOptions } from '../lib/sequence/reader.js';
import { verifySequence } from '../lib/sequence/verify.js';
import {
  KeyStore, decodeMeshObject, encodeMeshObject, open as openMeshEnvelope, parseMeshJson, privateKeyFromStandard, privateKeyOfKeyData,
  publicKeyOfKeyData, type ClassName,
} from '../lib/mesh/index.js';

export interface FuzzTarget {
  readonly name: string;
  /** Inputs longer than this are cut by the mutator. */
  readonly maxLength: number;
  run(input: Uint8Array): Promise<void>;
}

const sha256 = (s: string): Uint8Array => new Uint8Array(createHash('sha256').update(s).digest());
const sha512 = (s: string): Uint8Array => new Uint8Array(createHash('sha512').update(s).digest());

/** The fixed keys of the fuzz corpus (the same derivation as fuzz/make-seeds.mjs). */
export const FUZZ_KEYS = {
  secret: sha256('dare-fuzz-secret'),
  x25519: sha256('dare-fuzz-x25519'),
  x448: sha512('dare-fuzz-x448').subarray(0, 56),
  ed25519: sha256('dare-fuzz-ed25519'),
  ed448: sha512('dare-fuzz-ed448').subarray(0, 57),
};

const DECODE: DecodeOptions = {
  secrets: [FUZZ_KEYS.secret],
  keys: [{ crv: 'X25519', privateKey: FUZZ_KEYS.x25519 }, { crv: 'X448', privateKey: FUZZ_KEYS.x448 }],
  trustedSigners: [
    { crv: 'Ed25519', publicKey: signaturePublicKey('Ed25519', FUZZ_KEYS.ed25519) },
    { crv: 'Ed448', publicKey: signaturePublicKey('Ed448', FUZZ_KEYS.ed448) },
  ],
  requireTrustedSignature: false,
};

const SEQUENCE: SequenceReadOptions = { keys: DECODE.keys, secrets: DECODE.secrets, trustedSigners: DECODE.trustedSigners };

/** Everything a reader of a sequence does with it; DareErrors of each step are expected. */
async function readSequence(input: Uint8Array, options: SequenceReadOptions): Promise<void> {
  const r = await SequenceReader.open(new MemoryReader(input), options);
  await settleExpected(() => verifySequence(r));
  await settleExpected(async () => {
    let n = 0;
    for await (const f of r.frames()) {
      const o = await r.open(f);
      r.signaturesOf(f);
      await r.readPayload(o, 1 << 20);
      if (++n >= 256) break;
    }
  });
  const last = r.last.index;
  for (const i of new Set([0, 1, last >> 1, last - 1, last])) {
    if (i >= 0 && i <= last) await settleExpected(async () => r.open(await r.frame(i)));
  }
}

/** SequenceWriter.open on the input as a file (torn tail cut, frontier rebuilt), one append, then verify. */
async function appendToSequence(input: Uint8Array): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dare-fuzz-'));
  const path = join(dir, 'input.dares');
  try {
    writeFileSync(path, input);
    const w = await SequenceWriter.open(path, { secret: FUZZ_KEYS.secret });
    try {
      await w.append(Uint8Array.of(1, 2, 3), { annotations: [Uint8Array.of(4)] });
    } finally {
      await w.close();
    }
    const r = await SequenceReader.open(path, SEQUENCE);
    try {
      await verifySequence(r);
    } finally {
      await r.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function* cut(b: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let p = 0; p < b.length; p += size) yield b.subarray(p, p + size);
}

/** Reads every value of a JSON-B stream through each reader entry point the envelope uses. */
async function streamAll(input: Uint8Array, size: number): Promise<void> {
  const r = new JsonBStreamReader(cut(input, size));
  for (let i = 0; i < 64; i++) {
    const h = await r.peekHead();
    if (h === undefined) return;
    if (h.kind === 'binary' || h.kind === 'text-string') {
      for await (const _ of r.readBinaryOrBase64()) void _;
    } else if (h.kind === 'string') {
      for await (const _ of r.readStringPieces()) void _;
    } else if (h.kind === 'array-start' || h.kind === 'array-end' || h.kind === 'object-start' || h.kind === 'object-end') {
      await r.expect(h.kind);
    } else await r.readValue();
  }
}

const latin1 = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
const utf8 = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

export const TARGETS: readonly FuzzTarget[] = [
  {
    name: 'jsonb',
    maxLength: 4096,
    async run(input) {
      const tries: (() => unknown)[] = [
        () => decodeJsonB(input),
        () => decodeJsonB(input, { strict: true }),
        () => decodeJsonB(input, { maxDepth: 8, maxChunks: 4 }),
      ];
      for (const t of tries) {
        try {
          t();
        } catch (e) {
          if (!isExpected(e)) throw e;
        }
      }
      await settleExpected(() => streamAll(input, 1 + (input.length % 7)));
      await settleExpected(() => streamAll(input, input.length || 1));
    },
  },
  {
    name: 'envelope',
    maxLength: 16384,
    async run(input) {
      await settleExpected(() => decodeEnvelopeBytes(input, DECODE));
      await settleExpected(() => decodeEnvelopeBytes(input, { ...DECODE, decrypt: false }));
    },
  },
  {
    name: 'sequence',
    maxLength: 8192,
    async run(input) {
      await settleExpected(() => readSequence(input, SEQUENCE));
      await settleExpected(() => readSequence(input, { allowUnauthenticated: true }));
      // File I/O is slower than the rest: the writer sees one input in four.
      if ((input.length + (input[input.length >> 1] ?? 0)) % 4 === 0) await settleExpected(() => appendToSequence(input));
    },
  },
  {
    name: 'udf',
    maxLength: 512,
    async run(input) {
      const s = latin1(input);
      const u = utf8(input);
      const calls: (() => unknown)[] = [
        () => parseUdf(s), () => parseUdf(u), () => normalizeUdf(u), () => parseSecret(u), () => parseShare(u),
        () => udfMatches(u, 'MB5S-R4AJ-3FBT-7NHO-T26Z-2E6Y-WFH4'), () => parsePublicKeySet(u), () => base32Decode(u),
        () => base64urlDecode(u), () => decodeJson(u),
      ];
      for (const c of calls) {
        try {
          c();
        } catch (e) {
          if (!isExpected(e)) throw e;
        }
      }
      await settleExpected(() => checkContentDigestOfStream(cut(input, 64), 'text/plain', u));
    },
  },
  {
    name: 'mesh',
    maxLength: 16384,
    async run(input) {
      await readMesh(input);
    },
  },
  {
    name: 'keyfile',
    maxLength: 4096,
    async run(input) {
      const text = utf8(input);
      // A sealed file makes scrypt run: give the passphrase only for cheap parameters, so that a
      // mutated N cannot stall the loop (the limits themselves are tested in property-tests/limits).
      const cheap = /"N"\s*:\s*([0-9]{1,3})\b/.exec(text) !== null && !/"r"\s*:\s*[0-9]{3,}/.test(text);
      await settleExpected(() => decodeKeyFile(text, cheap ? async () => 'correct horse' : undefined));
    },
  },
  {
    name: 'keystore',
    maxLength: 16384,
    async run(input) {
      await readKeyStore(input);
    },
  },
];

/**
 * A Mesh home's key store (lib/mesh/home/key-store.ts): decoded (a sealed one with the corpus
 * passphrase, scrypt capped so that a mutated N cannot stall the loop), every key checked, and
 * what decodes re-encoded and decoded to the same store.
 */
async function readKeyStore(input: Uint8Array): Promise<void> {
  let store: KeyStore;
  try {
    store = await KeyStore.decode(input, { passphrase: async () => 'correct horse', maxScrypt: { N: 1 << 8, r: 8, p: 1 } });
  } catch (e) {
    if (isExpected(e)) return;
    throw e;
  }
  await settleExpected(async () => store.check());
  const again = await KeyStore.decode(store.encode(), { passphrase: async () => 'correct horse', maxScrypt: { N: 1 << 8, r: 8, p: 1 } });
  if (JSON.stringify(again.accountIds()) !== JSON.stringify(store.accountIds()) || again.deviceSeed()?.udf !== store.deviceSeed()?.udf) {
    throw new TypeError('keystore: the round trip changed the store');
  }
}

/** Classes the mesh target reads its input as (nested classes are reached from these). */
const MESH_CLASSES: readonly ClassName[] = [
  'ProfileUser', 'ProfileDevice', 'ConnectionDevice', 'ActivationAccount', 'CatalogedDevice', 'CatalogedContact',
  'DevicePreconfiguration', 'RequestConnection', 'AcknowledgeConnection', 'MessagePin', 'KeyData',
];
/** The fixed key a mesh envelope must be signed by (none of the inputs is). */
const MESH_SIGNER = privateKeyFromStandard('Ed448', FUZZ_KEYS.ed448).publicKey;

/** Decodes as each class; what decodes must re-encode and decode to the same object. */
async function readMesh(input: Uint8Array): Promise<void> {
  for (const cls of MESH_CLASSES) {
    let o;
    try {
      o = decodeMeshObject(input, cls);
    } catch (e) {
      if (isExpected(e)) continue;
      throw e;
    }
    const again = decodeMeshObject(encodeMeshObject(o), cls);
    if (JSON.stringify(encodeMeshObject(again)) !== JSON.stringify(encodeMeshObject(o))) throw new TypeError(`${cls}: the round trip changed the object`);
    if (o.$type === 'KeyData') {
      await settleExpected(async () => publicKeyOfKeyData(o));
      await settleExpected(async () => privateKeyOfKeyData(o));
    }
  }
  // The input as an envelope in JSON carrying a mesh object.
  await settleExpected(async () => {
    const v = parseMeshJson(input);
    if (Array.isArray(v)) await openMeshEnvelope({ $envelope: v }, { expect: MESH_CLASSES, signers: [MESH_SIGNER], acceptLegacy: true });
  });
}

function isExpected(e: unknown): boolean {
  return isDareError(e);
}

async function settleExpected(f: () => Promise<unknown>): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (!isExpected(e)) throw e;
  }
}

export function targetByName(name: string): FuzzTarget {
  const t = TARGETS.find((x) => x.name === name);
  if (t === undefined) throw new RangeError(`unknown fuzz target ${name}`);
  return t;
}
