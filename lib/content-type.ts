/**
 * Default IANA media types from file name extensions, for content digests
 * (udf-13 §5.1: the content type is an input of the digest) and for the
 * `cty` of envelope metadata. Unknown extensions give application/octet-stream.
 * @module
 */

const BY_EXTENSION: Readonly<Record<string, string>> = {
  txt: 'text/plain', text: 'text/plain', md: 'text/markdown', csv: 'text/csv', tsv: 'text/tab-separated-values',
  html: 'text/html', htm: 'text/html', css: 'text/css', xml: 'application/xml', js: 'text/javascript',
  mjs: 'text/javascript', ts: 'text/plain', json: 'application/json', pdf: 'application/pdf',
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', svg: 'image/svg+xml',
  webp: 'image/webp', zip: 'application/zip', gz: 'application/gzip', tar: 'application/x-tar',
  mp3: 'audio/mpeg', mp4: 'video/mp4', wav: 'audio/wav', eml: 'message/rfc822',
  dare: 'application/dare-envelope', dares: 'application/dare-sequence',
};

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** The media type for a file name, from its extension (case-insensitive). */
export function contentTypeOf(fileName: string): string {
  const base = fileName.slice(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return DEFAULT_CONTENT_TYPE;
  return BY_EXTENSION[base.slice(dot + 1).toLowerCase()] ?? DEFAULT_CONTENT_TYPE;
}
