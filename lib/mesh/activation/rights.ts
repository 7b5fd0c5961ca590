/**
 * Roles and the rights they grant, as data (mesh brief §1.3, after the reference's
 * Rights.cs without its bugs: there the grants of `admin` were discarded (`Concat`'s
 * result unused) and `groupmember` mapped to group-admin rights; docs/MESH.md §6).
 *
 * A right is either an account private key (granted in ActivationAccount as private
 * KeyData), such a key held as a share with the service (`threshold`: the service must take
 * part in every use), or a store key (one per catalog and spool, ActivationAccount.Entries).
 * `grant` lets a device hand what it holds to other devices (administrators).
 * @module
 */
import { DareError } from '../../index.js';
import { STORE_LABELS, type StoreLabel } from '../labels.js';

export const ROLE_NAMES = ['super', 'admin', 'message', 'web', 'device', 'threshold'] as const;
export type Role = (typeof ROLE_NAMES)[number];

/** Account keys a role may grant, by their ProfileUser field names. */
export type AccountKeyName = 'ProfileSignature' | 'AdministratorSignature' | 'AccountEncryption' | 'AccountAuthentication' | 'AccountSignature';

export const ACCOUNT_KEY_NAMES: readonly AccountKeyName[] = [
  'ProfileSignature', 'AdministratorSignature', 'AccountEncryption', 'AccountAuthentication', 'AccountSignature',
];

export interface RoleDefinition {
  /** What the role does, in a line. */
  readonly summary: string;
  /** Account private keys granted. */
  readonly keys: readonly AccountKeyName[];
  /** Account keys granted only as a service-mediated share. */
  readonly servicedKeys: readonly AccountKeyName[];
  /** Store keys granted. */
  readonly stores: readonly StoreLabel[];
  /** May grant what it holds to other devices. */
  readonly grant: boolean;
}

const DEVICE_STORES: readonly StoreLabel[] = ['MMM_Network', 'MMM_Application'];
const MESSAGE_STORES: readonly StoreLabel[] = [...DEVICE_STORES, 'MMM_Contact', 'MMM_Publication', 'MMM_Inbound', 'MMM_Outbound'];
const WEB_STORES: readonly StoreLabel[] = [...MESSAGE_STORES, 'MMM_Credential', 'MMM_Task', 'MMM_Bookmark'];
const ACCOUNT_KEYS: readonly AccountKeyName[] = ['AccountEncryption', 'AccountAuthentication', 'AccountSignature'];
const ALL_STORES: readonly StoreLabel[] = STORE_LABELS.filter((l) => l !== 'MMM_Member');

/** The role table. */
export const ROLES: Readonly<Record<Role, RoleDefinition>> = {
  device: { summary: 'network settings and applications', keys: [], servicedKeys: [], stores: DEVICE_STORES, grant: false },
  message: {
    summary: 'device, plus messaging: account keys, contacts, publications, inbound and outbound spools',
    keys: ACCOUNT_KEYS, servicedKeys: [], stores: MESSAGE_STORES, grant: false,
  },
  web: { summary: 'message, plus passwords, calendar and bookmarks', keys: ACCOUNT_KEYS, servicedKeys: [], stores: WEB_STORES, grant: false },
  threshold: {
    summary: 'web, but the account keys only as a share the service must join in using',
    keys: [], servicedKeys: ACCOUNT_KEYS, stores: WEB_STORES, grant: false,
  },
  admin: {
    summary: 'every store and account key, the administrator key, and the right to grant them',
    keys: ['AdministratorSignature', ...ACCOUNT_KEYS], servicedKeys: [], stores: ALL_STORES, grant: true,
  },
  super: {
    summary: 'admin, plus the profile key (signs profile updates)',
    keys: ['ProfileSignature', 'AdministratorSignature', ...ACCOUNT_KEYS], servicedKeys: [], stores: ALL_STORES, grant: true,
  },
};

/** What a set of roles grants together. A key granted directly by one role is not also a share. */
export interface Rights {
  readonly roles: readonly Role[];
  readonly keys: ReadonlySet<AccountKeyName>;
  readonly servicedKeys: ReadonlySet<AccountKeyName>;
  readonly stores: ReadonlySet<StoreLabel>;
  readonly grant: boolean;
}

/** Reads a role name (any case); MALFORMED for one not in the table. */
export function parseRole(text: string): Role {
  const r = typeof text === 'string' ? text.toLowerCase() : '';
  if (!(ROLE_NAMES as readonly string[]).includes(r)) throw new DareError('MALFORMED', `unknown role ${JSON.stringify(String(text).slice(0, 32))} (roles: ${ROLE_NAMES.join(', ')})`);
  return r as Role;
}

/** The union of the rights of `roles`. */
export function rightsOf(roles: readonly Role[]): Rights {
  if (roles.length === 0) throw new TypeError('at least one role');
  const keys = new Set<AccountKeyName>();
  const serviced = new Set<AccountKeyName>();
  const stores = new Set<StoreLabel>();
  let grant = false;
  for (const r of roles) {
    const d = ROLES[parseRole(r)];
    d.keys.forEach((k) => keys.add(k));
    d.servicedKeys.forEach((k) => serviced.add(k));
    d.stores.forEach((s) => stores.add(s));
    grant ||= d.grant;
  }
  for (const k of keys) serviced.delete(k);
  return { roles: [...new Set(roles)], keys, servicedKeys: serviced, stores, grant };
}
