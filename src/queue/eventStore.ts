/** One queued message as it is stored: the serialised JSON plus what the queue needs to manage it. */
export interface Rec {
  /** The messageId, also the storage key. */
  id: string;
  /** The message as JSON, exactly as it will be sent. */
  j: string;
  /** Its size in UTF-8 bytes. */
  n: number;
  /** Capture time, ms since the epoch (for ordering and max age). */
  t: number;
  /** Capture order within one tab (same-millisecond events keep their order). */
  q: number;
  /** The tab that captured it. */
  o: string;
  /** Claimed by a sender until this time (ms); unclaimed when absent or past. */
  c?: number;
}

/** What a sender may take in one batch. */
export interface TakeLimits {
  count: number;
  bytes: number;
  now: number;
  maxAge: number;
  /** How long a claim lasts before another sender may take the event (a tab that died mid-send). */
  ttl: number;
  /** Ids another tab said it is sending. */
  skip: (id: string) => boolean;
  /** Take nothing unless at least this many are ready (or the byte limit filled the batch first). */
  min?: number;
}

/**
 * Where queued events live (after Snowplow's EventStore), shared by the site's tabs. `_take` claims what it returns, so two senders never
 * hold the same event; `_remove` follows a 2xx (or a refusal not worth retrying), `_release` a
 * failure that will be retried.
 */
export interface EventStore {
  /** Add records; when more than `max` are stored, delete the oldest. Resolves to how many were deleted. */
  _put(recs: Rec[], max: number): Promise<number>;
  /**
   * Claim the oldest unclaimed records within the limits. Resolves to them, the expired records it
   * deleted and when the earliest claim held by another sender runs out (0 when none is held).
   */
  _take(limits: TakeLimits): Promise<Taken>;
  _remove(ids: string[]): Promise<void>;
  _release(ids: string[]): Promise<void>;
  /** Claim these records until `until` without reading them first (a page being left cannot wait for a read). */
  _mark(recs: Rec[], until: number): Promise<void>;
}

/** What `_take` found: the batch, the expired records, and when the next claim of another sender expires (0: none). */
export type Taken = [batch: Rec[], expired: Rec[], wake: number];

/** Oldest first. */
export const byAge = (a: Rec, b: Rec): number => a.t - b.t || a.q - b.q;

/**
 * The store-independent part of `_take`: from every stored record, those past `maxAge` (to delete)
 * and the oldest unclaimed ones that fit the limits (to claim). A first record over the byte limit
 * is still taken alone, so it can be sent, refused and reported instead of blocking the queue.
 * With `min`, a batch that neither reaches it nor is cut short by the limits is not taken.
 */
export function selectBatch(all: Rec[], l: TakeLimits): Taken {
  const expired: Rec[] = [];
  let batch: Rec[] = [];
  let bytes = 0;
  let wake = 0;
  let full = false;
  for (const r of all.sort(byAge)) {
    if (l.now - r.t > l.maxAge) expired.push(r);
    else if (r.c! > l.now) wake = wake && wake < r.c! ? wake : r.c!;
    else if (batch.length < l.count && !l.skip(r.id) && (!batch.length || bytes + r.n + 1 <= l.bytes)) {
      batch.push(r);
      bytes += r.n + 1;
    } else full ||= !l.skip(r.id);
  }
  if (!full && batch.length < (l.min || 1)) batch = [];
  return [batch, expired, wake];
}
