/**
 * One queued message as it is stored: the serialised JSON plus what the queue needs to manage it.
 *
 * This is a storage format, read back by later page loads (and later versions of engagekit): the
 * values of the IndexedDB `events` store (keyed by `id`) and the entries of the localStorage spill
 * (`spill.<tab>`, a JSON array of them). The field names stay one letter because they are stored, and
 * cost bytes, in every record; never rename them.
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
