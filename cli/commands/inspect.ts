/**
 * `dare inspect FILE`: what a file is and who can open it, without any key
 * (USER-REQUESTS #16). Envelopes (also on stdin), sequences (archives, logs,
 * catalogs, spools, watch journals), key files and public keys. Reads headers only;
 * checks nothing (that is `dare verify`).
 * @module
 */
import type { Argv } from 'yargs';
import {
  inspectFile, inspectStream, type EnvelopeInspection, type Inspection, type KeyInspection, type KeyRef, type SequenceInspection, type SignatureInfo,
} from '../../lib/index.js';
import { displayPath, isStdio, openInput, writeLine, type Io } from '../io.js';
import { passphraseOptions, passphraseSource, type PassphraseArgs } from '../passphrase.js';
import type { Command } from './index.js';

interface Args extends PassphraseArgs {
  file: string;
  json?: boolean;
}

function key(k: KeyRef): string {
  return `${k.kid ?? '(no kid)'}${k.crv ? ` (${k.crv})` : ''}`;
}

function signature(s: SignatureInfo): string {
  const purpose = s.legacy ? 'no purpose: a legacy signature over the digest alone' : `for ${s.purpose ?? '?'}`;
  const how = [s.algorithm ?? (s.crv ? s.crv : 'unknown algorithm'), purpose, s.alg ? `over ${s.alg}` : undefined, s.witness ? 'with witness' : undefined].filter(Boolean).join(', ');
  return `${s.kid ?? '(no kid)'} (${how})`;
}

function envelopeLines(i: EnvelopeInspection): string[] {
  const out = [`DARE envelope, ${i.encoding === 'json' ? 'JSON' : 'JSON-B'}${i.wrapped ? ' (with the DareEnvelope wrapper)' : ''}`];
  if (!i.encrypted) out.push('  not encrypted');
  else if (i.mode === 'recipients') {
    out.push(`  encrypted (${i.encryption}) to ${i.recipients.length} recipient${i.recipients.length === 1 ? '' : 's'}:`);
    for (const r of i.recipients) out.push(`    ${key(r)}`);
    if (i.kid) out.push(`  master key id: ${i.kid}`);
  } else out.push(`  encrypted (${i.encryption}) under a shared secret: ${i.kid ?? '(no kid)'}`);
  out.push(`  digest: ${i.digest ?? 'none declared'}; PayloadDigest ${i.payloadDigest ? 'present' : 'absent'}; PayloadMac ${i.payloadMac ? 'present' : i.encrypted ? 'absent (unauthenticated)' : 'absent'}`);
  if (!i.signatures.length) out.push('  not signed');
  for (const s of i.signatures) out.push(`  signed by ${signature(s)}`);
  out.push(`  payload: ${i.payloadLength} bytes${i.encrypted ? ' (ciphertext)' : ''}`);
  if (i.metadataCloaked) out.push('  metadata: encrypted (cloaked)');
  else if (i.contentMeta) {
    const m = i.contentMeta;
    const parts = [m.contentType && `type ${m.contentType}`, m.filename && `file ${m.filename}`, m.created && `created ${m.created}`, m.modified && `modified ${m.modified}`, m.labels?.length && `labels ${m.labels.join(', ')}`];
    out.push(`  metadata: ${parts.filter(Boolean).join(', ') || '(empty)'}`);
  } else out.push('  metadata: none');
  out.push(`  annotations: ${i.annotations}${i.annotations && i.encrypted ? ' (encrypted)' : ''}`);
  return out;
}

function sequenceLines(i: SequenceInspection): string[] {
  const out = [`DARE sequence: ${i.type}${i.type !== i.containerType.toLowerCase() ? ` (${i.containerType})` : ''}, ${i.frames} frame${i.frames === 1 ? '' : 's'}, ${i.size} bytes`];
  if (i.tornBytes) out.push(`  torn tail: ${i.tornBytes} bytes of an interrupted append after the last frame`);
  out.push(`  digest scheme: ${i.digestScheme ?? 'none (written by another implementation)'}`);
  const p = i.policy;
  if (!i.encrypted) out.push('  not encrypted');
  if (p.encryptKeys.length) {
    out.push(`  encrypted to (policy): ${p.encryptKeys.length} key${p.encryptKeys.length === 1 ? '' : 's'}`);
    for (const k of p.encryptKeys) out.push(`    ${key(k)}`);
  }
  if (p.sharedSecret) out.push(`  encrypted under a shared secret: ${p.sharedSecret}`);
  if (i.encrypted && !p.encryptKeys.length && !p.sharedSecret) out.push('  encrypted (the policy names no keys)');
  if (p.signKeys.length) {
    out.push(`  signed by (policy): ${p.signKeys.length} key${p.signKeys.length === 1 ? '' : 's'}`);
    for (const k of p.signKeys) out.push(`    ${key(k)}`);
  }
  const l = i.lastFrame;
  if (!l.signed) out.push(`  last frame (${l.frame}): not signed`);
  for (const s of l.signatures) out.push(`  last frame (${l.frame}): signed by ${signature(s)}`);
  if (i.lastExchange) {
    out.push(`  last key exchange: frame ${i.lastExchange.frame}, ${i.lastExchange.recipients.length} recipient${i.lastExchange.recipients.length === 1 ? '' : 's'}`);
    for (const r of i.lastExchange.recipients) out.push(`    ${key(r)}`);
  }
  return out;
}

function keyLines(i: KeyInspection): string[] {
  const what = i.kind === 'public-key' ? 'DARE public key' : `DARE key file (${i.format})`;
  const out = [`${what}${i.kind === 'key-file' ? (i.protected ? ', protected by a passphrase' : ', not protected') : ''}`];
  if (i.kdf) out.push(`  passphrase kdf: ${String(i.kdf.alg)} N=${String(i.kdf.N)} r=${String(i.kdf.r)} p=${String(i.kdf.p)}`);
  if (i.fingerprint) out.push(`  fingerprint: ${i.fingerprint}`);
  else if (i.protected) out.push('  fingerprint: sealed (give a passphrase source to see it)');
  if (i.curves?.encryption) out.push(`  encryption key: ${i.curves.encryption}${i.encryptionKid ? ` (recipient id ${i.encryptionKid})` : ''}`);
  if (i.curves?.signature) out.push(`  signature key: ${i.curves.signature}`);
  if (i.publicKey) out.push(`  public key: ${i.publicKey}`);
  return out;
}

function lines(i: Inspection): string[] {
  return i.kind === 'envelope' ? envelopeLines(i) : i.kind === 'sequence' ? sequenceLines(i) : keyLines(i);
}

export function inspectCommand(io: Io): Command {
  return {
    command: 'inspect <file>',
    describe: 'Tell what a DARE file is and who can open it, without a key: envelope, archive/log/sequence, key file or public key',
    builder: (y: Argv) =>
      y
        .positional('file', { type: 'string', demandOption: true, describe: 'the file; - for stdin (envelopes and keys)' })
        .options(passphraseOptions)
        .example('dare inspect report.pdf.dare', 'encoding, recipients, signatures, digest and MAC, payload size')
        .example('dare inspect backup.dare --json', 'an archive: type, frames, policy keys, who signed the last frame')
        .example('dare inspect alice.key', 'fingerprint and curves of a key file (protected ones need a passphrase source)')
        .epilogue('inspect reads headers only and checks nothing: use `dare verify` for digests, MACs and signatures. Exit 3: not a DARE file.'),
    handler: async (raw: unknown) => {
      const a = raw as Args;
      const options = { passphrase: passphraseSource(io, a) };
      const info = isStdio(a.file) ? await inspectStream(await openInput(io, a.file), options) : await inspectFile(a.file, options);
      if (a.json) {
        writeLine(io.stdout, JSON.stringify({ file: displayPath(a.file), ...info }));
        return;
      }
      const [first, ...rest] = lines(info);
      writeLine(io.stdout, `${displayPath(a.file)}: ${first}`);
      for (const l of rest) writeLine(io.stdout, l);
    },
  };
}
