import { flatJson } from '../lib/json';

/**
 * One queued message as it is stored: the serialised JSON plus what the queue needs to manage it.
 *
 * This is a storage format, read back by later page loads (and later versions of engagekit): the
 * values of the IndexedDB `events` store (keyed by `id`) and the entries of the localStorage spill
 * (`spill.<tab>`, a JSON array of them, written by `writeRecords` and read by `readRecords`). The
 * field names stay one letter because they are stored, and cost bytes, in every record; never
 * rename them.
 */
export interface Rec {
  /** The messageId, also the IndexedDB key. */
  id: string;
  /** (json) The message as JSON, exactly as it will be sent. */
  j: string;
  /** (number of bytes) Its size in UTF-8 bytes. */
  n: number;
  /** (time) Capture time, ms since the epoch (for ordering and max age). */
  t: number;
  /** (sequence) Capture order within one tab, so same-millisecond events keep their order. */
  q: number;
  /** (origin) The tab that captured it. */
  o: string;
  /** (claimed) Claimed by a sender until this time (ms); unclaimed when absent, 0 or past. */
  c?: number;
}

/**
 * The spill's text: a JSON array of records, written by our own writer (src/lib/json.ts), so a
 * page's `Array.prototype.toJSON` (Prototype.js) or replaced `JSON.stringify` cannot change it.
 */
export const writeRecords = (records: Rec[]): string => '[' + records.map(flatJson).join() + ']';

/**
 * The records in a spill's text, each checked: `id`, `j` and `o` strings, `n` and `t` numbers, else
 * the item is dropped (`q` and `c` are read as numbers, 0 when they are not; other fields are left out);
 * text that is missing, not JSON or not an array gives none.
 */
export function readRecords(text: string | undefined): Rec[] {
  const records: Rec[] = [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text!);
  } catch {
    // missing (JSON.parse(undefined) throws) or damaged: nothing to restore
  }
  if (Array.isArray(parsed))
    for (const { id, j, n, t, q, o, c } of parsed.filter((item) => item && typeof item == 'object') as Rec[])
      if (
        typeof id == 'string' &&
        typeof j == 'string' &&
        typeof o == 'string' &&
        typeof n == 'number' &&
        typeof t == 'number'
      )
        records.push({ id, j, n, t, q: +q || 0, o, c: +c! || 0 });
  return records;
}
