/**
 * Content metadata and annotations of an envelope or a sequence frame, as header
 * fields: in the clear (ContentMetaData, plaintext EDS) or encrypted under the
 * master key (the cloaked EDS with prefix 00, then annotations 01, 02, ...; each
 * with a MAC tag that PayloadMac binds). docs/FORMAT.md §2-§3.
 * @module
 */
import { encodeJsonB } from '../encoding/jsonb-writer.js';
import { encodeContentMeta, type ContentMeta } from './content-meta.js';
import { encodeEds, type EdsContext } from './eds.js';
import { headerValue, type DareHeader } from './schema.js';

export interface MetadataFields {
  fields: Pick<DareHeader, 'cloaked' | 'contentMetaData' | 'annotations'>;
  /** MAC tags of the encrypted EDS, in order, for PayloadMac. */
  edsTags: Uint8Array[];
}

export function encodeMetadata(contentMeta: ContentMeta | undefined, annotations: readonly Uint8Array[] | undefined, ctx: EdsContext | undefined): MetadataFields {
  const fields: MetadataFields['fields'] = {};
  const edsTags: Uint8Array[] = [];
  let prefix = 0;
  const eds = (body: Uint8Array): Uint8Array => {
    if (prefix > 255) throw new RangeError('at most 255 annotations');
    const r = encodeEds(Uint8Array.of(prefix++), body, ctx);
    if (r.tag) edsTags.push(r.tag);
    return r.eds;
  };
  if (contentMeta) {
    const meta = encodeContentMeta(contentMeta);
    if (ctx) fields.cloaked = eds(encodeJsonB(headerValue({ contentMetaData: meta })));
    else fields.contentMetaData = meta;
  }
  if (annotations?.length) fields.annotations = annotations.map(eds);
  return { fields, edsTags };
}
