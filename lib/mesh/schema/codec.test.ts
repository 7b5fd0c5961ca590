import { describe, expect, it } from 'vitest';
import { errorCode } from '../../internal/error-code.test-util.js';
import {
  decodeMeshObject, encodeMeshObject, formatDateTime, fromJsonValue, meshObject, parseDateTime, toJsonValue, type MeshObject,
} from './index.js';

const text = (o: Parameters<typeof encodeMeshObject>[0]) => new TextDecoder().decode(encodeMeshObject(o));

describe('mesh schema codec', () => {
  it('writes parent fields first and keeps unknown members after the known ones', () => {
    const pin = decodeMeshObject('{"MessagePin":{"Zeta":1,"Action":"Device","MessageId":"ACCL","Future":{"x":[1]}}}', 'MessagePin');
    expect(pin.$unknown).toEqual({ Zeta: 1, Future: { x: [1] } });
    expect(text(pin)).toBe('{"MessagePin":{"MessageId":"ACCL","Action":"Device","Zeta":1,"Future":{"x":[1]}}}');
  });

  it('reads prose names as aliases, and refuses a field given under both names', async () => {
    const d = decodeMeshObject('{"ProfileDevice":{"BaseEncryption":{"Udf":"X"}}}', 'ProfileDevice');
    expect(d.Encryption?.Udf).toBe('X');
    expect(text(d)).toBe('{"ProfileDevice":{"Encryption":{"Udf":"X"}}}');
    expect(await errorCode(() => decodeMeshObject('{"ProfileDevice":{"BaseEncryption":{},"Encryption":{}}}', 'ProfileDevice'))).toBe('MALFORMED');
    const c = decodeMeshObject('{"CatalogedDevice":{"EnvelopedConnectionUser":[{}]}}', 'CatalogedDevice');
    expect(c.EnvelopedConnectionDevice?.$envelope).toEqual([{}]);
  });

  it('keeps an unknown tag inside a polymorphic field, refuses a known class of another kind', async () => {
    const raw = '{"CatalogedAccess":{"Capability":{"CapabilityTomorrow":{"Id":"x","New":true}}}}';
    const a = decodeMeshObject(raw, 'CatalogedAccess');
    expect(a.Capability).toEqual({ $type: 'CapabilityTomorrow', $opaque: true, $unknown: { Id: 'x', New: true } });
    expect(text(a)).toBe(raw);
    expect(await errorCode(() => decodeMeshObject('{"CatalogedAccess":{"Capability":{"ProfileUser":{}}}}', 'CatalogedAccess'))).toBe('MALFORMED');
    expect(await errorCode(() => decodeMeshObject('{"CatalogedContact":{"Contact":{"Contact":{}}}}', 'CatalogedContact'))).toBe('MALFORMED');
  });

  it('at the top, only the expected classes (or their subclasses); never an abstract or unknown tag', async () => {
    expect(decodeMeshObject('{"ProfileGroup":{}}', 'ProfileAccount').$type).toBe('ProfileGroup');
    for (const [input, cls] of [['{"ProfileGroup":{}}', 'ProfileUser'], ['{"ProfileAccount":{}}', 'ProfileAccount'], ['{"Nope":{}}', 'ProfileUser'],
      ['{"ProfileUser":{},"ProfileGroup":{}}', 'ProfileUser'], ['[]', 'ProfileUser'], ['{"ProfileUser":[]}', 'ProfileUser']] as const) {
      expect(await errorCode(() => decodeMeshObject(input, cls)), input).toBe('MALFORMED');
    }
  });

  it('checks each kind: strings, booleans, binary, dates, lists, envelopes; null is absent', async () => {
    const bad = [
      '{"CatalogedBookmark":{"Uri":5}}', '{"CatalogedContact":{"Self":"yes"}}', '{"MessagePinValidated":{"ClientNonce":"***"}}',
      '{"MessagePin":{"Expires":"tomorrow"}}', '{"MessagePin":{"Expires":"2021-13-01T00:00:00Z"}}', '{"CatalogedEntry":{}}',
      '{"CatalogedBookmark":{"Labels":"a"}}', '{"CatalogedTask":{"EnvelopedTask":{"a":1}}}', '{"CatalogedTask":{"EnvelopedTask":[1,2]}}',
      '{"Location":{"Latitude":"north"}}',
    ];
    for (const b of bad) expect(await errorCode(() => decodeMeshObject(b, ['CatalogedBookmark', 'CatalogedContact', 'MessagePinValidated', 'MessagePin', 'CatalogedTask', 'Location'])), b).toBe('MALFORMED');
    const ok = decodeMeshObject('{"MessagePin":{"Expires":"2021-08-06T18:37:40.5+02:00","Automatic":null,"Roles":["web"]}}', 'MessagePin');
    expect(ok.Expires?.toISOString()).toBe('2021-08-06T16:37:40.500Z');
    expect(ok.Automatic).toBeUndefined();
    expect(formatDateTime(new Date('2021-08-05T16:37:43Z'))).toBe('2021-08-05T16:37:43Z');
    expect(parseDateTime('2021-08-05T16:37:43.123456Z').getTime()).toBe(Date.parse('2021-08-05T16:37:43.123Z'));
  });

  it('reads binary with the reference\'s raw line breaks, and refuses non-UTF-8, trailing data and a bad size or depth', async () => {
    const m = decodeMeshObject('{\n  "MessagePinValidated": {\n    "ClientNonce": "VGxxL-LKUQyq\n  n_Rpdj86Zg"}}', 'MessagePinValidated');
    expect(m.ClientNonce?.length).toBe(16);
    expect(await errorCode(() => decodeMeshObject(Uint8Array.of(0x7b, 0xff, 0x7d), 'MessagePin'))).toBe('MALFORMED');
    expect(await errorCode(() => decodeMeshObject('{"MessagePin":{}} x', 'MessagePin'))).toBe('MALFORMED');
    expect(await errorCode(() => decodeMeshObject('{"MessagePin":{}}', 'MessagePin', { maxBytes: 8 }))).toBe('LIMIT_EXCEEDED');
    expect(await errorCode(() => decodeMeshObject('{"MessagePin":{"X":[[[[]]]]}}', 'MessagePin', { maxDepth: 4 }))).toBe('LIMIT_EXCEEDED');
  });

  it('writers refuse objects that are not what the schema says (programmer errors)', () => {
    expect(() => encodeMeshObject({ $type: 'CatalogedBookmark', Uri: 5 } as unknown as MeshObject<'CatalogedBookmark'>)).toThrow(TypeError);
    expect(() => encodeMeshObject({ $type: 'CatalogedBookmark', Nope: 'x' } as unknown as MeshObject<'CatalogedBookmark'>)).toThrow(TypeError);
    expect(() => encodeMeshObject({ $type: 'ProfileAccount' } as unknown as MeshObject<'ProfileUser'>)).toThrow(TypeError);
    expect(() => toJsonValue(meshObject('CatalogedContact', { Contact: { $type: 'ProfileUser' } as never }))).toThrow(TypeError);
    const c = meshObject('CatalogedContact', { Self: true, Contact: { $type: 'ContactPerson', Id: 'x', CommonNames: [{ $type: 'PersonName', First: 'A' }] } });
    expect(fromJsonValue(toJsonValue(c), 'CatalogedContact')).toEqual(c);
  });
});
