/**
 * Mesh messages (draft-hallambaker-mesh-schema-08 §10.6): the payloads of the envelopes
 * that spools hold and that accounts exchange. Fields are written parent first, as the
 * drafts' examples print them (MessageId, then the subclass fields).
 * @module
 */
import { B, BIN, DT, ENVELOPE, S, enveloped, list, struct, tagged } from '../kinds.js';

export const MESSAGE_CLASSES = {
  Message: { fields: { MessageId: S, Sender: S, Recipient: S } },
  MessageError: { parent: 'Message', fields: { ErrorCode: S } },
  MessageComplete: { parent: 'Message', fields: { References: list(struct('Reference')) } },
  MessagePinValidated: { parent: 'Message', fields: { AuthenticatedData: ENVELOPE, ClientNonce: BIN, PinId: S, PinWitness: BIN } },
  MessagePin: { parent: 'Message', fields: { Account: S, Expires: DT, Automatic: B, SaltedPin: S, Action: S, Roles: list(S) } },
  RequestConnection: { parent: 'MessagePinValidated', fields: { AccountAddress: S } },
  AcknowledgeConnection: {
    parent: 'Message',
    fields: { EnvelopedRequestConnection: enveloped('RequestConnection'), ServerNonce: BIN, Witness: S },
  },
  RespondConnection: { parent: 'Message', fields: { Result: S, CatalogedDevice: struct('CatalogedDevice') } },
  MessageContact: { parent: 'MessagePinValidated', fields: { Reply: B, Subject: S, PIN: S } },
  GroupInvitation: { parent: 'Message', fields: { Text: S, Contact: tagged('Contact') } },
  RequestConfirmation: { parent: 'Message', fields: { Text: S } },
  ResponseConfirmation: { parent: 'Message', fields: { Request: enveloped('RequestConfirmation'), Accept: B } },
  RequestTask: { parent: 'Message', fields: {} },
  MessageClaim: {
    parent: 'Message',
    fields: { PublicationId: S, ServiceAuthenticate: S, DeviceAuthenticate: S, Expires: DT },
  },
  ProcessResult: { parent: 'Message', fields: { Success: B, ErrorReport: S } },
} as const;
