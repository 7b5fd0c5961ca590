/**
 * Turning key arguments into keys (issue 13 items 2 and 11). A key argument is a
 * `dare1...` public key, inline JSON, `-` for stdin, or a file holding: public keys one
 * a line (a recipients file: every key counts), a dare key file (its public half for
 * -e and --signer; a protected one keeps it readable without the passphrase), or the
 * reference's PublicKeyECDH, PrivateKeyECDH or KeyData (lib/keys/keydata.ts). Shared
 * secrets are an E UDF or the plain form of `dare key share`. Also the options every
 * reading command takes for them (--identity, --key, --signer, ...), defined once here.
 * @module
 */
import { readFile, stat } from 'node:fs/promises';
import type { Argv } from 'yargs';
import {
  base64urlEncode, DareError, decodeKeyFile, fromUtf8, isDareError, isKeyData, isProtectedKeyFile, parseKeyData, parsePlainSecret, parsePublicKeySet,
  parseSecret, protectedPublicKey, publicKeySet, PUBLIC_KEY_PREFIX,
  type DecryptionKey, type Identity, type KeyData, type PublicKeySet, type RecipientKey, type SigningKey, type VerificationKey,
} from '../lib/index.js';
import { HintedError, UsageError } from './errors.js';
import { displayPath, ioError, isStdio, readSmallInput, type Io } from './io.js';
import { passphraseOptions, passphraseSource, PASSPHRASE_HINT, type PassphraseArgs } from './passphrase.js';

const MAX_KEY_FILE = 1 << 20;

/** The text of a key argument: itself (a `dare1...` key, inline JSON), stdin for `-`, or a file. */
interface KeyText {
  readonly text: string;
  /** The file it came from. */
  readonly path?: string;
  readonly name: string;
}

async function keyText(io: Io, arg: string): Promise<KeyText> {
  if (isStdio(arg)) return { text: fromUtf8(await readSmallInput(io, arg, MAX_KEY_FILE)), name: 'stdin' };
  const t = arg.trim();
  if (t.toLowerCase().startsWith(PUBLIC_KEY_PREFIX) || t.startsWith('{')) return { text: t, name: t.startsWith('{') ? 'the key given' : `${t.slice(0, 16)}...` };
  try {
    const st = await stat(arg);
    if (st.size > MAX_KEY_FILE) throw new DareError('KEY_INVALID', `${arg}: too large to be a key file`);
    return { text: await readFile(arg, 'utf8'), path: arg, name: arg };
  } catch (e) {
    throw ioError(e, arg);
  }
}

/** The `dare1...` lines of a recipients file (one key a line, `#` comments and blank lines allowed, as `age -R` reads). */
function publicLines(k: KeyText): PublicKeySet[] | undefined {
  const lines = k.text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (!lines.some((l) => l.toLowerCase().startsWith(PUBLIC_KEY_PREFIX))) return undefined;
  return lines.map((l, i) => {
    try {
      return parsePublicKeySet(l.split(/\s+/)[0] as string);
    } catch (e) {
      throw new DareError('KEY_INVALID', `${k.name}${lines.length > 1 ? ` line ${i + 1}` : ''}: ${(e as Error).message}`, { cause: e });
    }
  });
}

function parseJson(k: KeyText): unknown {
  try {
    return JSON.parse(k.text) as unknown;
  } catch {
    throw new DareError('KEY_INVALID', `${k.name}: not a key (neither dare1... public keys nor a JSON key file)`);
  }
}

/** Public keys of one argument, split by use. */
interface PublicKeys {
  readonly recipients: RecipientKey[];
  readonly verifiers: VerificationKey[];
}

function fromSets(sets: readonly PublicKeySet[]): PublicKeys {
  return { recipients: sets.map((p) => p.encryption), verifiers: sets.map((p) => p.signature) };
}

function fromKeyData(k: KeyData): PublicKeys {
  const key = { publicKey: k.publicKey };
  return k.crv === 'X25519' || k.crv === 'X448' ? { recipients: [{ crv: k.crv, ...key }], verifiers: [] } : { recipients: [], verifiers: [{ crv: k.crv, ...key }] };
}

/**
 * Every public key of a key argument: each line of a recipients file, a reference
 * PublicKeyECDH or KeyData, or the public half of a private key file (a protected one
 * without its passphrase when it keeps its public key outside the seal).
 */
async function publicKeysOf(io: Io, arg: string, pass: PassphraseArgs): Promise<PublicKeys> {
  const k = await keyText(io, arg);
  const lines = publicLines(k);
  if (lines) return fromSets(lines);
  const v = parseJson(k);
  if (isKeyData(v)) return fromKeyData(named(k, () => parseKeyData(v)));
  const outside = named(k, () => protectedPublicKey(k.text));
  if (outside) return fromSets([outside]);
  const id = await identityOfText(io, k, pass);
  if (id.keySet) return fromSets([publicKeySet(id.keySet)]);
  return {
    recipients: id.decryptionKeys.flatMap((d) => (d.crv === 'X25519' || d.crv === 'X448' ? [{ crv: d.crv, publicKey: agreementPublicKeyOf(d) }] : [])),
    verifiers: id.signingKeys.map((s) => ({ crv: s.crv, publicKey: s.publicKey })),
  };
}

function agreementPublicKeyOf(d: DecryptionKey): Uint8Array {
  return (parseKeyData({ PrivateKeyECDH: { crv: d.crv, Private: base64urlEncode(d.privateKey) } })).publicKey;
}

function named<T>(k: KeyText, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof DareError) throw new DareError(e.code, `${k.name}: ${e.message}`, { cause: e });
    throw e;
  }
}

/** Private key files readable by others get one warning per file and run (as ssh does). */
const warned = new WeakMap<Io, Set<string>>();

async function warnIfReadable(io: Io, k: KeyText): Promise<void> {
  if (k.path === undefined || isProtectedKeyFile(k.text)) return;
  const mode = (await stat(k.path).catch(() => undefined))?.mode;
  if (mode === undefined || (mode & 0o077) === 0) return;
  const seen = warned.get(io) ?? new Set<string>();
  warned.set(io, seen);
  if (seen.has(k.path)) return;
  seen.add(k.path);
  io.stderr.write(`dare: warning: ${k.path} is a private key readable by others (mode ${(mode & 0o777).toString(8).padStart(4, '0')}): chmod 600 ${k.path}\n`);
}

async function identityOfText(io: Io, k: KeyText, pass: PassphraseArgs): Promise<Identity> {
  const source = passphraseSource(io, pass);
  if (isProtectedKeyFile(k.text) && source === undefined) {
    throw new HintedError(new DareError('PASSPHRASE_INVALID', `${k.name}: the key file is protected by a passphrase`), PASSPHRASE_HINT);
  }
  return named(k, () => decodeKeyFile(k.text, source)).catch((e: unknown) => {
    if (e instanceof DareError && !e.message.startsWith(k.name)) throw new DareError(e.code, `${k.name}: ${e.message}`, { cause: e });
    throw e;
  });
}

/** A private key file (-i, -s): a dare key set, or the reference's PrivateKeyECDH or KeyData. */
export async function loadIdentity(io: Io, arg: string, pass: PassphraseArgs): Promise<Identity> {
  const k = await keyText(io, arg);
  const publicOnly = publicLines(k) !== undefined || (k.text.trim().startsWith('{') && (() => {
    const v = parseJson(k);
    return isKeyData(v) && parseKeyDataQuiet(v)?.privateKey === undefined;
  })());
  if (publicOnly) {
    throw new HintedError(new DareError('KEY_INVALID', `${k.name}: that is a public key, not a private key file`), 'give the private key file (from `dare keygen -o FILE`); public keys go to -e and --signer');
  }
  const id = await identityOfText(io, k, pass);
  await warnIfReadable(io, k);
  return id;
}

function parseKeyDataQuiet(v: unknown): KeyData | undefined {
  try {
    return parseKeyData(v);
  } catch {
    return undefined;
  }
}

/** A public key set (keygen --public, rekey --remove): the dare key set of a public key, key file or protected key file. */
export async function loadPublicKey(io: Io, arg: string, pass: PassphraseArgs): Promise<PublicKeySet> {
  const k = await keyText(io, arg);
  const lines = publicLines(k);
  if (lines) {
    if (lines.length > 1) throw new DareError('KEY_INVALID', `${k.name}: holds ${lines.length} public keys; give one`);
    return lines[0] as PublicKeySet;
  }
  const outside = named(k, () => protectedPublicKey(k.text));
  if (outside) return outside;
  if (isKeyData(parseJson(k))) throw new DareError('KEY_INVALID', `${k.name}: a single reference key, not a dare key set (encryption and signature key)`);
  const id = await identityOfText(io, k, pass);
  if (!id.keySet) throw new DareError('KEY_INVALID', `${k.name}: holds no dare key set`);
  return publicKeySet(id.keySet);
}

/** A shared secret: an E UDF, the plain form `dare key share` prints, or a file (or stdin) whose first line is one. */
export async function loadSecret(arg: string, io?: Io): Promise<Uint8Array> {
  const looksLikeUdf = /^[A-Za-z2-7-]+$/.test(arg.trim());
  let text = arg;
  if (!looksLikeUdf) {
    if (isStdio(arg) && io === undefined) throw new UsageError('--key -: give the secret or a file holding it');
    text = (await keyText(io as Io, arg)).text.split(/\r?\n/)[0] ?? '';
  }
  try {
    return parseSecret(text.trim()).key;
  } catch (e) {
    // The type-less form of `dare key share` / `key recover` (CONFORMANCE item 4) is a key too.
    if (!isDareError(e, 'UDF_INVALID')) throw e;
    try {
      return parsePlainSecret(text.trim());
    } catch {
      throw e;
    }
  }
}

/** Public keys to encrypt to (--encrypt): every key of each argument. */
export async function loadRecipients(io: Io, list: readonly string[] | undefined, a: PassphraseArgs): Promise<RecipientKey[]> {
  const out: RecipientKey[] = [];
  for (const r of list ?? []) {
    const k = await publicKeysOf(io, r, a);
    if (!k.recipients.length) {
      const why = k.verifiers.length ? ': only a signature key (Ed25519/Ed448); encryption needs an X25519 or X448 key' : '';
      throw new DareError('KEY_INVALID', `${displayPath(r)}: holds no encryption key${why}`);
    }
    out.push(...k.recipients);
  }
  return out;
}

/** Trusted signers (--signer): every key of each argument. */
export async function loadTrustedSigners(io: Io, list: readonly string[] | undefined, a: PassphraseArgs): Promise<VerificationKey[]> {
  const out: VerificationKey[] = [];
  for (const s of list ?? []) {
    const k = await publicKeysOf(io, s, a);
    if (!k.verifiers.length) throw new DareError('KEY_INVALID', `${displayPath(s)}: holds no signature key (an X25519/X448 key only encrypts)`);
    out.push(...k.verifiers);
  }
  return out;
}

/** The signature key of a private key file (--sign), if one was given. */
export async function loadSigner(io: Io, file: string | undefined, a: PassphraseArgs): Promise<SigningKey | undefined> {
  if (file === undefined) return undefined;
  const key = (await loadIdentity(io, file, a)).signingKeys[0];
  if (!key) throw new DareError('KEY_INVALID', `${displayPath(file)}: holds no signature key`);
  return key;
}

/**
 * encode and archive write plaintext only when asked (issue 13 item 3): one of -e, --key,
 * -s (signed plaintext), or --plaintext for the deliberate case.
 */
export function protectionGiven(a: { encrypt?: string[]; key?: string; sign?: string | string[]; plaintext?: boolean }, command: string): void {
  const sign = a.sign === undefined ? [] : [a.sign].flat();
  const any = (a.encrypt?.length ?? 0) > 0 || a.key !== undefined || sign.length > 0;
  if (any && a.plaintext) throw new UsageError('--plaintext means neither encrypted nor signed: leave it out with -e, --key or -s');
  if (!any && !a.plaintext) {
    throw new UsageError(`dare ${command} needs -e PUBKEY (encrypt to a public key), --key SECRET (a shared secret) or -s KEYFILE (sign only); --plaintext writes it unencrypted and unsigned on purpose`);
  }
}

/** How the key options of one reading command differ from the others' (see readKeyOptions). */
export interface ReadKeySpec {
  /** What is read, for the help of --key: "the archive" gives "shared secret the archive is encrypted under"; none: "shared secret". */
  subject?: string;
  /** The help of --identity after "private key file " (default "to decrypt with"). */
  identity?: string;
  /** The help of --allow-unauthenticated, e.g. "read encrypted frames that carry no MAC"; none: the option is not offered. */
  allowUnauthenticated?: string;
  /** What trusting --signer does, e.g. "fail unless one of them signed"; '' offers it without saying; none: not offered. */
  signer?: string;
  /** Whether --quiet also turns off a progress line (default true). */
  progress?: boolean;
}

/** The arguments readKeyOptions defines, as yargs hands them over. */
export interface ReadKeyArgs extends PassphraseArgs {
  identity?: string[];
  key?: string;
  signer?: string[];
  allowUnauthenticated?: boolean;
  allowLegacySignatures?: boolean;
  quiet?: boolean;
}

/**
 * The key options of a command that reads (decode, verify, list, extract, copy, append,
 * delete, index, restore, status, log show, log verify): --identity, --key,
 * --allow-unauthenticated, the passphrase sources, --quiet and --signer.
 */
export function readKeyOptions(y: Argv, spec: ReadKeySpec): Argv {
  let r = y
    .option('identity', { alias: 'i', type: 'string', array: true, describe: `private key file ${spec.identity ?? 'to decrypt with'}; repeatable` })
    .option('key', { type: 'string', describe: `shared secret${spec.subject ? ` ${spec.subject} is encrypted under` : ''} (E... UDF, or a file holding one)` });
  if (spec.allowUnauthenticated !== undefined) {
    r = r.option('allow-unauthenticated', { type: 'boolean', describe: `${spec.allowUnauthenticated} (written by other implementations)` });
  }
  r = r
    .options(passphraseOptions)
    .option('quiet', { alias: 'q', type: 'boolean', describe: spec.progress === false ? 'no notes on stderr' : 'no progress or notes on stderr' });
  if (spec.signer !== undefined) {
    r = r.option('signer', { type: 'string', array: true, describe: `trusted signer public key (dare1... or file)${spec.signer ? `: ${spec.signer}` : ''}; repeatable` })
      .option('allow-legacy-signatures', { type: 'boolean', describe: 'accept a --signer signature made without a purpose (the C# reference, dare before 0.2): it covers only the payload digest or apex, and may have been made for something else (README, Security)' });
  }
  return r;
}

/** Key material from the readKeyOptions arguments; fits the options of every reader in lib/. */
export interface ReadKeys {
  keys: DecryptionKey[];
  secrets: Uint8Array[];
  trustedSigners: VerificationKey[];
  allowUnauthenticated: boolean;
  /** --allow-legacy-signatures; undefined leaves the library's default. */
  acceptLegacySignatures?: boolean;
}

/** Loads what the readKeyOptions arguments name: identities, trusted signers, the shared secret. */
export async function loadReadKeys(io: Io, a: ReadKeyArgs): Promise<ReadKeys> {
  const keys: DecryptionKey[] = [];
  for (const f of a.identity ?? []) keys.push(...(await loadIdentity(io, f, a)).decryptionKeys);
  const trustedSigners = await loadTrustedSigners(io, a.signer, a);
  const secrets = a.key === undefined ? [] : [await loadSecret(a.key, io)];
  return { keys, secrets, trustedSigners, allowUnauthenticated: a.allowUnauthenticated === true, acceptLegacySignatures: a.allowLegacySignatures === true ? true : undefined };
}
