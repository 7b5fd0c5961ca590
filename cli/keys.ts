/**
 * Turning key arguments into keys: recipients and trusted signers (a `dare1...`
 * public key, or a file holding one or a key file), identities (private key
 * files, with a passphrase when protected) and shared secrets (an E UDF, or a
 * file holding one).
 * @module
 */
import { readFile, stat } from 'node:fs/promises';
import {
  DareError, decodeKeyFile, isProtectedKeyFile, parsePublicKeySet, parseSecret, publicKeySet, PUBLIC_KEY_PREFIX,
  type Identity, type PublicKeySet,
} from '../lib/index.js';
import { HintedError } from './errors.js';
import { ioError, type Io } from './io.js';
import { passphraseSource, PASSPHRASE_HINT, type PassphraseArgs } from './passphrase.js';

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
