/**
 * Turning key arguments into keys: recipients and trusted signers (a `dare1...`
 * public key, or a file holding one or a key file), identities (private key
 * files, with a passphrase when protected) and shared secrets (an E UDF, or a
 * file holding one). Also the options every reading command takes for them
 * (--identity, --key, --signer, ...), defined once here.
 * @module
 */
import { readFile, stat } from 'node:fs/promises';
import type { Argv } from 'yargs';
import {
  DareError, decodeKeyFile, isProtectedKeyFile, parsePublicKeySet, parseSecret, publicKeySet, PUBLIC_KEY_PREFIX,
  type DecryptionKey, type Identity, type PublicKeySet, type RecipientKey, type SigningKey, type VerificationKey,
} from '../lib/index.js';
import { HintedError, UsageError } from './errors.js';
import { ioError, type Io } from './io.js';
import { passphraseOptions, passphraseSource, PASSPHRASE_HINT, type PassphraseArgs } from './passphrase.js';

const MAX_KEY_FILE = 1 << 20;

async function readKeyText(path: string): Promise<string> {
  try {
    const st = await stat(path);
    if (st.size > MAX_KEY_FILE) throw new DareError('KEY_INVALID', `${path}: too large to be a key file`);
    return await readFile(path, 'utf8');
  } catch (e) {
    throw ioError(e, path);
  }
}

/** A public key set from a `dare1...` string, or a file holding one, or a key file. */
export async function loadPublicKey(io: Io, arg: string, pass: PassphraseArgs): Promise<PublicKeySet> {
  if (arg.trim().toLowerCase().startsWith(PUBLIC_KEY_PREFIX)) return parsePublicKeySet(arg);
  const text = await readKeyText(arg);
  const line = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l.toLowerCase().startsWith(PUBLIC_KEY_PREFIX));
  if (line !== undefined) return parsePublicKeySet(line);
  const id = await loadIdentityText(io, arg, text, pass);
  if (!id.keySet) throw new DareError('KEY_INVALID', `${arg}: holds no dare key set`);
  return publicKeySet(id.keySet);
}

async function loadIdentityText(io: Io, path: string, text: string, pass: PassphraseArgs): Promise<Identity> {
  const source = passphraseSource(io, pass);
  if (isProtectedKeyFile(text) && source === undefined) {
    throw new HintedError(new DareError('PASSPHRASE_INVALID', `${path}: the key file is protected by a passphrase`), PASSPHRASE_HINT);
  }
  try {
    return await decodeKeyFile(text, source);
  } catch (e) {
    if (e instanceof DareError) throw new DareError(e.code, `${path}: ${e.message}`, { cause: e });
    throw e;
  }
}

/** A private key file. */
export async function loadIdentity(io: Io, path: string, pass: PassphraseArgs): Promise<Identity> {
  return loadIdentityText(io, path, await readKeyText(path), pass);
}

/** A shared secret: an E UDF, or a file whose first line is one. */
export async function loadSecret(arg: string): Promise<Uint8Array> {
  const looksLikeUdf = /^[A-Za-z2-7-]+$/.test(arg.trim());
  const text = looksLikeUdf ? arg : (await readKeyText(arg)).split(/\r?\n/)[0] ?? '';
  return parseSecret(text.trim()).key;
}

/** Public keys to encrypt to (--encrypt): each a `dare1...` string or a file. */
export async function loadRecipients(io: Io, list: readonly string[] | undefined, a: PassphraseArgs): Promise<RecipientKey[]> {
  const out: RecipientKey[] = [];
  for (const r of list ?? []) out.push((await loadPublicKey(io, r, a)).encryption);
  return out;
}

/** Trusted signers (--signer): each a `dare1...` string or a file. */
export async function loadTrustedSigners(io: Io, list: readonly string[] | undefined, a: PassphraseArgs): Promise<VerificationKey[]> {
  const out: VerificationKey[] = [];
  for (const s of list ?? []) out.push((await loadPublicKey(io, s, a)).signature);
  return out;
}

/** The signature key of a private key file (--sign), if one was given. */
export async function loadSigner(io: Io, file: string | undefined, a: PassphraseArgs): Promise<SigningKey | undefined> {
  if (file === undefined) return undefined;
  const key = (await loadIdentity(io, file, a)).signingKeys[0];
  if (!key) throw new UsageError(`${file}: holds no signature key`);
  return key;
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
  const secrets = a.key === undefined ? [] : [await loadSecret(a.key)];
  return { keys, secrets, trustedSigners, allowUnauthenticated: a.allowUnauthenticated === true, acceptLegacySignatures: a.allowLegacySignatures === true ? true : undefined };
}
