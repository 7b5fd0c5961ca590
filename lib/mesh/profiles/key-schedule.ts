/**
 * Which keys each profile and activation derives from its seed, as data (mesh brief §1.1;
 * docs/MESH.md §3): the seed kind, the key name's Type and Actor, and per profile field the
 * Operation (the key name is Type ‖ Actor ‖ Operation, seed.ts). The ProfileDevice row is
 * proven by schema-08 §9.2; the others follow the same rule (the reference derives
 * accounts as "Complete Account"); ProfileHost keys are named with the actor "Host" (ours).
 * @module
 */
import {
  curveOf, deriveMeshPrivateKey, keyName, type MeshActor, type MeshKeyOperation, type MeshKeyType, type MeshSeed,
  type MeshSeedKind, type MeshSuite,
} from '../keys/seed.js';
import { privateKeyFromStandard, type MeshPrivateKey } from '../keys/mesh-key.js';

export interface KeySchedule {
  readonly seed: MeshSeedKind;
  readonly type: MeshKeyType;
  readonly actor: MeshActor;
  /** Field (or role) -> operation. */
  readonly keys: Readonly<Record<string, MeshKeyOperation>>;
}

export const KEY_SCHEDULES = {
  ProfileDevice: {
    seed: 'MeshProfileDevice', type: 'Base', actor: 'Device',
    keys: { ProfileSignature: 'Profile', Encryption: 'Encrypt', Signature: 'Sign', Authentication: 'Authenticate' },
  },
  ProfileHost: {
    seed: 'MeshProfileDevice', type: 'Base', actor: 'Host',
    keys: { ProfileSignature: 'Profile', Encryption: 'Encrypt', Signature: 'Sign', Authentication: 'Authenticate' },
  },
  ProfileUser: {
    seed: 'MeshProfileAccount', type: 'Complete', actor: 'Account',
    keys: {
      ProfileSignature: 'Profile', AdministratorSignature: 'AdminSign', AccountEncryption: 'Encrypt',
      AccountAuthentication: 'Authenticate', AccountSignature: 'Sign', EscrowEncryption: 'Escrow',
    },
  },
  ProfileGroup: {
    seed: 'MeshProfileAccount', type: 'Complete', actor: 'Account',
    keys: { ProfileSignature: 'Profile', AdministratorSignature: 'AdminSign', AccountEncryption: 'Encrypt', EscrowEncryption: 'Escrow' },
  },
  ProfileService: {
    seed: 'MeshProfileService', type: 'Base', actor: 'Service',
    keys: { ProfileSignature: 'Profile', ServiceAuthentication: 'Authenticate', ServiceEncryption: 'Encrypt', ServiceSignature: 'Sign' },
  },
  /** The administrator's contribution to a device's keys (ConnectionDevice field -> operation). */
  ActivationDevice: {
    seed: 'MeshActivationDevice', type: 'Activation', actor: 'Device',
    keys: { Encryption: 'Encrypt', Signature: 'Sign', Authentication: 'Authenticate' },
  },
  ActivationHost: {
    seed: 'MeshActivationDevice', type: 'Activation', actor: 'Host',
    keys: { Encryption: 'Encrypt', Signature: 'Sign', Authentication: 'Authenticate' },
  },
} as const satisfies Record<string, KeySchedule>;

export type ScheduleName = keyof typeof KEY_SCHEDULES;
export type ScheduledKeys<S extends ScheduleName> = { readonly [F in keyof (typeof KEY_SCHEDULES)[S]['keys']]: MeshPrivateKey };

/** Derives every key of a schedule from a seed of the matching kind. */
export function deriveScheduledKeys<S extends ScheduleName>(schedule: S, seed: MeshSeed, suite: MeshSuite = '448'): ScheduledKeys<S> {
  const s: KeySchedule = KEY_SCHEDULES[schedule];
  if (seed.kind !== s.seed) throw new TypeError(`${schedule} keys come from a ${s.seed} seed, not ${seed.kind}`);
  const out: Record<string, MeshPrivateKey> = {};
  for (const [field, op] of Object.entries(s.keys)) {
    const crv = curveOf(op, suite);
    const bytes = deriveMeshPrivateKey(seed, keyName(s.type, s.actor, op), crv);
    out[field] = privateKeyFromStandard(crv, bytes);
    bytes.fill(0);
  }
  return out as ScheduledKeys<S>;
}
