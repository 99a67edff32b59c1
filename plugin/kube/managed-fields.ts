// What an object's managedFields say about who wrote a field, and when.

interface ManagedFieldsEntry {
  /** A string in raw JSON; a Date where @kubernetes/client-node decoded the object. */
  time?: string | Date;
  fieldsV1?: { 'f:metadata'?: { 'f:labels'?: Record<string, unknown> } };
}

/**
 * When an object's `label` was last written, from its managedFields: the latest time of a
 * field manager that owns the label (a manager's time is that of its last write, so this is
 * at or after the label was set), as RFC 3339. Undefined when no entry owns it.
 */
export function labelWrittenAt(object: unknown, label: string): string | undefined {
  const entries = (object as { metadata?: { managedFields?: ManagedFieldsEntry[] } } | undefined)?.metadata
    ?.managedFields;
  let latest: string | undefined;
  for (const entry of Array.isArray(entries) ? entries : []) {
    const owns = entry.fieldsV1?.['f:metadata']?.['f:labels']?.[`f:${label}`] !== undefined;
    const time = entry.time instanceof Date ? rfc3339(entry.time) : entry.time;
    if (owns && typeof time === 'string' && (!latest || Date.parse(time) > Date.parse(latest))) latest = time;
  }
  return latest;
}

/** A time as the apiserver writes it (whole seconds): for a Date that client-node decoded. */
export const rfc3339 = (time: string | Date): string => new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');
