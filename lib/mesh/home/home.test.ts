import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorCode } from '../../internal/error-code.test-util.js';
import { Catalog, DareError, encodeEnvelopeBytes, splitSecret } from '../../index.js';
import { hkdf } from '../../crypto/index.js';
import { coreSigner, localSigner } from '../keys/signer.js';
import { IndexedCatalog, indexPath } from './entry-index.js';
import {
  AccountContext, BOOKMARKS, CREDENTIALS, KeyStore, MeshHome, TASKS, createAccount, deleteAccount, deleteEntry, escrowAccount, exportAccount,
  getEntry, importAccount, listEntries, makeTask, openRecoveryRecord, putEntry, readTask, recoverAccount, catalogSecret, RECOVERY_CONTENT_TYPE,
} from './index.js';

const root = mkdtempSync(join(tmpdir(), 'mesh-home-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `h${n++}`);
const cheap = { N: 1 << 10, r: 8, p: 1 };

async function withHome<T>(dir: string, write: boolean, f: (h: MeshHome) => Promise<T>, passphrase?: string): Promise<T> {
  const h = await MeshHome.open(dir, { write, scrypt: cheap, passphrase: passphrase === undefined ? undefined : async () => passphrase });
  try {
    return await f(h);
  } finally {
    await h.close();
  }
}

const credential = (service: string, password: string) => ({ $type: 'CatalogedCredential' as const, Service: service, Username: 'alice', Password: password });

describe('mesh home', () => {
  it('creates a device and an account; entries round trip; the files are private', async () => {
    const dir = fresh();
    const warnings: string[] = [];
    const created = await (async () => {
      const h = await MeshHome.open(dir, { write: true, warn: (m) => warnings.push(m) });
      try {
        return await createAccount(h, { name: 'alice' });
      } finally {
        await h.close();
      }
    })();
    expect(warnings).toHaveLength(1);
    expect(created.record.name).toBe('alice');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'keys.json')).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'accounts'))).toEqual([created.record.profileUdf.replace(/-/g, '')]);
    await withHome(dir, true, async (h) => {
      const ctx = new AccountContext(h, await h.account());
      expect(await putEntry(ctx, CREDENTIALS, credential('ftp.example.com', 's3cret'))).toBe('added');
      expect(await errorCode(putEntry(ctx, CREDENTIALS, credential('ftp.example.com', 'other')))).toBe('CONFLICT');
      expect(await putEntry(ctx, CREDENTIALS, credential('ftp.example.com', 'n3w'), true)).toBe('replaced');
    });
    await withHome(dir, false, async (h) => {
      const ctx = new AccountContext(h, await h.account('alice'));
      expect((await getEntry(ctx, CREDENTIALS, 'ftp.example.com')).entry.Password).toBe('n3w');
      expect(await errorCode(getEntry(ctx, CREDENTIALS, 'nope.example.com'))).toBe('NOT_FOUND');
      expect(await errorCode(h.account('bob'))).toBe('NOT_FOUND');
    });
    // A second command on the same home does not warn again.
    const again: string[] = [];
    const h2 = await MeshHome.open(dir, { write: true, warn: (m) => again.push(m) });
    await createAccount(h2, { name: 'bob' });
    await h2.close();
    expect(again).toEqual([]);
    await withHome(dir, false, async (h) => expect(await errorCode(h.account())).toBe('CONFLICT'));
  });

  it('the entry index: used while the catalog ends where it says, ignored when stale or altered', async () => {
    const dir = fresh();
    await withHome(dir, true, (h) => createAccount(h, { name: 'alice' }));
    const idx = await withHome(dir, true, async (h) => {
      const ctx = new AccountContext(h, await h.account());
      await putEntry(ctx, CREDENTIALS, credential('a.example.com', 'one'));
      await putEntry(ctx, CREDENTIALS, credential('a.example.com', 'two'), true);
      return indexPath(dir, ctx.record.profileUdf, 'MMM_Credential');
    });
    const get = () => withHome(dir, false, async (h) => (await getEntry(new AccountContext(h, await h.account()), CREDENTIALS, 'a.example.com')).entry.Password);
    expect(existsSync(idx)).toBe(true);
    expect(await get()).toBe('two');
    const direct = () => withHome(dir, false, async (h) => {
      const ctx = new AccountContext(h, await h.account());
      const r = await IndexedCatalog.open(idx, ctx.catalogPath('MMM_Credential'), 'MMM_Credential', await ctx.storeSecret('MMM_Credential'), 1 << 20);
      await r?.close();
      return r?.ids();
    });
    expect(await direct()).toEqual(['a.example.com']);
    // Point the index at the first version's frame: its MAC no longer verifies, the catalog is read in full.
    const text = readFileSync(idx, 'utf8');
    const m = /\["a\.example\.com",(\d+),(\d+)\]/.exec(text);
    expect(m).not.toBeNull();
    writeFileSync(idx, text.replace(m![0], `["a.example.com",1,${Number(m![2]) - 1}]`));
    expect(await direct()).toBeUndefined();
    expect(await get()).toBe('two');
    expect(readFileSync(idx, 'utf8')).toBe(text); // written again
    // A catalog changed behind the index (another writer): the index is stale and not used.
    await withHome(dir, true, async (h) => {
      const ctx = new AccountContext(h, await h.account());
      const c = await ctx.openCatalog('MMM_Credential', true);
      await c.update('a.example.com', new TextEncoder().encode('{"CatalogedCredential":{"Service":"a.example.com","Password":"three"}}'));
      await c.close();
    });
    expect(await direct()).toBeUndefined();
    expect(await get()).toBe('three');
    expect(await direct()).toEqual(['a.example.com']);
  });

  it('a service binding is an addition: its fields go into the profile, and a bind that fails leaves nothing', async () => {
    const dir = fresh();
    await withHome(dir, true, (h) => createAccount(h, { name: 'alice' }));
    const before = readdirSync(join(dir, 'accounts'));
    const keysBefore = readFileSync(join(dir, 'keys.json'), 'utf8');
    let staged: string | undefined;
    const failing = {
      profileFields: async (address: string) => ({ AccountAddress: address, ServiceUdf: 'MDSV-XXXX' }),
      bind: async (a: { dir: string; profile: { profile: { AccountAddress?: string } } }) => {
        staged = a.dir;
        expect(a.profile.profile.AccountAddress).toBe('bob@example.com');
        expect(existsSync(join(a.dir, 'MMM_Credential.dcat'))).toBe(true);
        throw new DareError('CONFLICT', 'the service refused');
      },
    };
    expect(await errorCode(withHome(dir, true, (h) => createAccount(h, { name: 'bob@example.com', binding: failing })))).toBe('CONFLICT');
    expect(existsSync(staged as string)).toBe(false);
    expect(readdirSync(join(dir, 'accounts'))).toEqual(before);
    expect(readFileSync(join(dir, 'keys.json'), 'utf8')).toBe(keysBefore);
    await withHome(dir, false, async (h) => expect((await h.accounts()).map((x) => x.name)).toEqual(['alice']));
    const ok = await withHome(dir, true, (h) => createAccount(h, { name: 'bob@example.com', binding: { ...failing, bind: async () => ({ Address: 'bob@example.com' }) } }));
    expect(ok.record.service).toEqual({ Address: 'bob@example.com' });
    expect(await errorCode(withHome(dir, true, (h) => createAccount(h, { name: 'carol@example.com' })))).toBe('MALFORMED');
  });

  it('one process at a time changes a home', async () => {
    const dir = fresh();
    const a = await MeshHome.open(dir, { write: true });
    expect(await errorCode(MeshHome.open(dir, { write: true }))).toBe('CONFLICT');
    await a.close();
    const b = await MeshHome.open(dir, { write: true });
    await b.close();
  });

  it('a sealed key store needs its passphrase; a wrong one is PASSPHRASE_INVALID', async () => {
    const dir = fresh();
    await withHome(dir, true, (h) => createAccount(h, { name: 'alice' }), 'correct horse');
    expect(KeyStore.isProtected(readFileSync(join(dir, 'keys.json')))).toBe(true);
    expect(readFileSync(join(dir, 'keys.json'), 'utf8')).not.toMatch(/AccountSeed|PrivateParameters/);
    await withHome(dir, true, async (h) => {
      const ctx = new AccountContext(h, await h.account());
      await putEntry(ctx, BOOKMARKS, { $type: 'CatalogedBookmark', Uri: 'https://example.com/', Title: 'Example' });
    }, 'correct horse');
    await withHome(dir, false, async (h) => {
      const ctx = new AccountContext(h, await h.account());
      expect(await errorCode(getEntry(ctx, BOOKMARKS, 'https://example.com/'))).toBe('PASSPHRASE_INVALID');
    });
    await withHome(dir, false, async (h) => {
      const ctx = new AccountContext(h, await h.account());
      expect(await errorCode(getEntry(ctx, BOOKMARKS, 'https://example.com/'))).toBe('PASSPHRASE_INVALID');
    }, 'wrong horse');
  });

  it('calendar entries are signed by the account; a substituted task is SIGNATURE_INVALID', async () => {
    const dir = fresh();
    await withHome(dir, true, (h) => createAccount(h, { name: 'alice' }));
    await withHome(dir, true, (h) => createAccount(h, { name: 'mallory' }));
    await withHome(dir, true, async (h) => {
      const alice = new AccountContext(h, await h.account('alice'));
      const mallory = new AccountContext(h, await h.account('mallory'));
      const task = await makeTask(alice, { title: 'Dentist', start: new Date('2027-01-05T09:00:00Z') });
      await putEntry(alice, TASKS, task);
      expect((await readTask(alice, (await getEntry(alice, TASKS, task.Key as string)).entry)).Title).toBe('Dentist');
      // Mallory's signed task carried in Alice's catalog under the same key.
      const forged = await makeTask(mallory, { title: 'Pay Mallory', start: new Date('2027-01-05T09:00:00Z') });
      expect(await errorCode(readTask(alice, { ...forged, Key: forged.Key }))).toBe('SIGNATURE_INVALID');
    });
  });

  it('escrow 3 of 5, recover in an empty home, import the export: every entry is back', async () => {
    const dir = fresh();
    await withHome(dir, true, (h) => createAccount(h, { name: 'alice' }));
    const { udf, escrow, exportFile } = await withHome(dir, true, async (h) => {
      const ctx = new AccountContext(h, await h.account());
      await putEntry(ctx, CREDENTIALS, credential('ftp.example.com', 's3cret'));
      await putEntry(ctx, BOOKMARKS, { $type: 'CatalogedBookmark', Uri: 'https://example.com/', Title: 'Example' });
      const escrow = await escrowAccount(ctx, 5, 3);
      const exportFile = join(root, `export${n++}.dare`);
      await exportAccount(ctx, exportFile);
      return { udf: ctx.record.profileUdf, escrow, exportFile };
    });
    expect(escrow.shares).toHaveLength(5);
    const record = escrow.record;
    expect(new TextDecoder().decode(record)).not.toContain('ftp.example.com');
    // Too few shares, and a wrong share among exactly three.
    expect(await errorCode(openRecoveryRecord(record, escrow.shares.slice(0, 2)))).toBe('QUORUM_NOT_MET');
    const other = await withHome(fresh(), true, async (h) => escrowAccount(new AccountContext(h, (await createAccount(h, { name: 'x' })).record), 5, 3));
    expect(await errorCode(openRecoveryRecord(record, [escrow.shares[0] as string, escrow.shares[1] as string, other.shares[2] as string]))).toBe('QUORUM_NOT_MET');

    rmSync(dir, { recursive: true, force: true });
    const content = await openRecoveryRecord(record, [escrow.shares[4] as string, escrow.shares[0] as string, escrow.shares[2] as string]);
    expect(content.profileUdf).toBe(udf);
    expect(existsSync(dir)).toBe(false); // opening the record changes nothing
    await withHome(dir, true, async (h) => {
      const created = await recoverAccount(h, content);
      expect(created.record.profileUdf).toBe(udf);
      const ctx = new AccountContext(h, created.record);
      const report = await importAccount(ctx, exportFile);
      expect(report.stores.find((s) => s.label === 'MMM_Credential')?.action).toBe('replaced');
      expect(report.stores.find((s) => s.label === 'MMM_Device')?.action).toBe('merged');
      expect(report.signers).toBe(2);
    });
    await withHome(dir, true, async (h) => {
      const ctx = new AccountContext(h, await h.account());
      expect((await getEntry(ctx, CREDENTIALS, 'ftp.example.com')).entry.Password).toBe('s3cret');
      expect((await listEntries(ctx, BOOKMARKS)).map((e) => e.id)).toEqual(['https://example.com/']);
      // The recovered device writes and reads its own entries on top of the imported ones.
      await putEntry(ctx, CREDENTIALS, credential('mail.example.com', 'x'));
      expect((await listEntries(ctx, CREDENTIALS)).map((e) => e.id)).toEqual(['ftp.example.com', 'mail.example.com']);
      await deleteEntry(ctx, CREDENTIALS, 'ftp.example.com');
    });
  });

  it('a recovery record whose seed does not give its profile is SIGNATURE_INVALID', async () => {
    const dir = fresh();
    const [a, b] = await withHome(dir, true, async (h) => [
      new AccountContext(h, (await createAccount(h, { name: 'alice' })).record),
      new AccountContext(h, (await createAccount(h, { name: 'bob' })).record),
    ]);
    const seedA = await withHome(dir, false, async (h) => (await h.keyStore()).account(a.record.profileUdf)?.accountSeed()?.udf);
    const master = crypto.getRandomValues(new Uint8Array(32));
    const shares = splitSecret(master, 3, 2);
    const record = (profileUdf: string, envelope: unknown) => encodeEnvelopeBytes(new TextEncoder().encode(JSON.stringify({
      MeshRecovery: { Version: 1, Name: 'x', ProfileUdf: profileUdf, EnvelopedProfileUser: envelope, AccountSeed: seedA, Entries: [], Created: new Date().toISOString() },
    })), { encoding: 'json', secret: hkdf('sha512', master, undefined, new TextEncoder().encode('mesh/escrow/record/v1'), 32), contentMeta: { contentType: RECOVERY_CONTENT_TYPE } });
    // Alice's seed under Bob's profile UDF; and under Alice's UDF with Bob's signed profile.
    expect(await errorCode(openRecoveryRecord(await record(b.record.profileUdf, b.record.envelope.$envelope), shares.slice(1)))).toBe('SIGNATURE_INVALID');
    expect(await errorCode(openRecoveryRecord(await record(a.record.profileUdf, b.record.envelope.$envelope), shares.slice(1)))).toBe('SIGNATURE_INVALID');
    expect((await openRecoveryRecord(await record(a.record.profileUdf, a.record.envelope.$envelope), shares.slice(1))).profileUdf).toBe(a.record.profileUdf);
  });

  it('an account on the 25519 suite escrows and recovers too', async () => {
    const dir = fresh();
    const escrow = await withHome(dir, true, async (h) => escrowAccount(new AccountContext(h, (await createAccount(h, { name: 'alice', suite: '25519' })).record), 3, 2));
    const content = await openRecoveryRecord(escrow.record, escrow.shares.slice(1));
    const created = await withHome(fresh(), true, (h) => recoverAccount(h, content));
    expect(created.record.profileUdf).toBe(content.profileUdf);
  });

  it('an export of another account is MISMATCH and changes nothing; delete removes the account', async () => {
    const dir = fresh();
    const exportFile = join(root, `export${n++}.dare`);
    await withHome(dir, true, async (h) => {
      await createAccount(h, { name: 'alice' });
      await createAccount(h, { name: 'bob' });
      const bob = new AccountContext(h, await h.account('bob'));
      await putEntry(bob, CREDENTIALS, credential('b.example.com', 'b'));
      await exportAccount(bob, exportFile);
      expect(await errorCode(exportAccount(bob, exportFile))).toBe('OUTPUT_EXISTS');
      const alice = new AccountContext(h, await h.account('alice'));
      const before = readFileSync(alice.catalogPath('MMM_Credential'));
      expect(await errorCode(importAccount(alice, exportFile))).toBe('MISMATCH');
      expect(readFileSync(alice.catalogPath('MMM_Credential'))).toEqual(before);
      await deleteAccount(h, bob.record);
      expect(existsSync(bob.catalogPath('MMM_Credential'))).toBe(false);
      expect((await h.keyStore()).account(bob.record.profileUdf)).toBeUndefined();
    });
    await withHome(dir, false, async (h) => expect((await h.accounts()).map((a) => a.name)).toEqual(['alice']));
  });

  it('a catalog frame signed by a key the account does not trust is refused', async () => {
    const dir = fresh();
    await withHome(dir, true, (h) => createAccount(h, { name: 'alice' }));
    await withHome(dir, true, (h) => createAccount(h, { name: 'mallory' }));
    await withHome(dir, true, async (h) => {
      const alice = new AccountContext(h, await h.account('alice'));
      const mallory = new AccountContext(h, await h.account('mallory'));
      await putEntry(alice, CREDENTIALS, credential('ftp.example.com', 's3cret'));
      // Mallory holds Alice's store key (say, from a leaked old key) but is not one of Alice's devices.
      const c = await Catalog.open(alice.catalogPath('MMM_Credential'), {
        secret: catalogSecret(await alice.storeKey('MMM_Credential'), 'MMM_Credential'),
        signer: coreSigner(localSigner(await mallory.deviceSigner())), signFrames: true,
      });
      await c.add('ftp.example.com.evil', new TextEncoder().encode('{"CatalogedCredential":{"Service":"ftp.example.com.evil"}}'));
      await c.close();
      // Alice's device never signs on after it, and an export carrying it does not import.
      expect(await errorCode(putEntry(alice, CREDENTIALS, credential('mail.example.com', 'x')))).toBe('SIGNATURE_INVALID');
      const exportFile = join(root, `export${n++}.dare`);
      await exportAccount(alice, exportFile);
      expect(await errorCode(importAccount(alice, exportFile))).toBe('SIGNATURE_INVALID');
    });
  });
});
