/**
 * Store labels (draft-hallambaker-mesh-schema-08 §4, §5; mesh brief "Conventions"): the
 * catalogs and spools of an account. The wire writes `MMM_…`; the prose writes `mmm_…`,
 * so labels are matched without regard to case and always written `MMM_`.
 * @module
 */

export const CATALOG_LABELS = [
  'MMM_Access', 'MMM_Application', 'MMM_Bookmark', 'MMM_Contact', 'MMM_Credential', 'MMM_Device', 'MMM_Member',
  'MMM_Network', 'MMM_Publication', 'MMM_Task',
] as const;
export const SPOOL_LABELS = ['MMM_Inbound', 'MMM_Outbound', 'MMM_Local'] as const;

export type CatalogLabel = (typeof CATALOG_LABELS)[number];
export type SpoolLabel = (typeof SPOOL_LABELS)[number];
export type StoreLabel = CatalogLabel | SpoolLabel;

export const STORE_LABELS: readonly StoreLabel[] = [...CATALOG_LABELS, ...SPOOL_LABELS];

const BY_LOWER = new Map<string, StoreLabel>(STORE_LABELS.map((l) => [l.toLowerCase(), l]));

/** The label a text names (`mmm_contact` -> `MMM_Contact`), or undefined for none. */
export function storeLabel(text: string): StoreLabel | undefined {
  return typeof text === 'string' ? BY_LOWER.get(text.toLowerCase()) : undefined;
}

export function isSpool(label: StoreLabel): label is SpoolLabel {
  return (SPOOL_LABELS as readonly string[]).includes(label);
}
