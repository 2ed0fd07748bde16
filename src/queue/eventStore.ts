import type { Rec } from './record';

// The record type lives with its storage format; re-exported for code that imports it from here.
export type { Rec } from './record';

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
 * Where queued events live (after Snowplow's EventStore), shared by the site's tabs. `_take` claims
 * what it returns, so two senders never hold the same event; `_remove` follows a 2xx (or a refusal
 * not worth retrying), `_release` a failure that will be retried.
 */
export interface EventStore {
  /** Add records; when more than `max` are stored, delete the oldest. Resolves to how many were deleted. */
  _put(records: Rec[], max: number): Promise<number>;
  /**
   * Claim the oldest unclaimed records within the limits. Resolves to them, the expired records it
   * deleted and when the earliest claim held by another sender runs out (0 when none is held); a
   * store may read only as far as the batch needs, so that time is exact when nothing is taken (the
   * one case in which the dispatcher uses it) and may be late otherwise.
   */
  _take(limits: TakeLimits): Promise<Taken>;
  /** Delete these records (sent, or refused for good). */
  _remove(ids: string[]): Promise<void>;
  /** Unclaim these records, so the next take may send them again. */
  _release(ids: string[]): Promise<void>;
  /**
   * Claim these records until `until`, those still stored only: one acknowledged meanwhile stays
   * gone. The page is being left: the transaction commits as soon as its last write is queued.
   */
  _mark(records: Rec[], until: number): Promise<void>;
  /**
   * The page is being left or frozen: commit every transaction still open now, without waiting for
   * its callbacks (the steps they would add, such as the cap or a cursor's next record, are
   * skipped). With `leaving` (the page is going into the back/forward cache, or is frozen), start no
   * transaction until called again with false: WebKit sends a transaction's requests only once the
   * page runs again, so one started now would stay open, blocking the database for every other page
   * and tab of the site, for as long as the page stays frozen (https://bugs.webkit.org/show_bug.cgi?id=315804).
   */
  _settle(leaving: boolean): void;
}

/** What `_take` found: the batch, the expired records, and when the next claim of another sender expires (0: none). */
export type Taken = [batch: Rec[], expired: Rec[], wake: number];

/** Sort order of records: oldest first. */
export const byAge = (first: Rec, second: Rec): number => first.t - second.t || first.q - second.q;

/**
 * The store-independent part of `_take`, fed the stored records oldest first (an IndexedDB cursor
 * over the age index, or a sorted array): `visit` says whether to go on, `finish` gives the result.
 * Records past `maxAge` are to be deleted (all of them come first, as age is the order); the oldest
 * unclaimed ones that fit the limits are to be claimed. A first record over the byte limit is still
 * taken alone, so it can be sent, refused and reported instead of blocking the queue. The batch
 * stops at the first record that could be taken but does not fit, so batches keep capture order
 * and a store reads no further. With `min`, a batch that neither reaches it nor is cut short by the
 * limits is not taken. `wake` is the earliest claim of another sender among the records visited:
 * when nothing is taken every record was visited, so it is exact whenever the batch is empty.
 */
export function batchSelector(limits: TakeLimits): [visit: (record: Rec) => boolean, finish: () => Taken] {
  const expired: Rec[] = [];
  let batch: Rec[] = [];
  // The batch's size in the request body: each message and the comma after it.
  let bytes = 0;
  // When the earliest claim of another sender runs out (0: none seen).
  let wake = 0;
  // A record that could have been taken was left out because the batch reached a limit.
  let cutShort = false;
  return [
    (record) => {
      if (limits.now - record.t > limits.maxAge) expired.push(record);
      else if (record.c! > limits.now) {
        // Claimed by another sender: note when the claim runs out, unless an earlier one is known.
        if (!(wake && wake < record.c!)) wake = record.c!;
      } else if (!limits.skip(record.id)) {
        if (batch.length >= limits.count || (batch.length && bytes + record.n + 1 > limits.bytes))
          return !(cutShort = true);
        batch.push(record);
        bytes += record.n + 1;
      }
      return true;
    },
    () => {
      if (!cutShort && batch.length < (limits.min || 1)) batch = [];
      return [batch, expired, wake];
    },
  ];
}

/** `batchSelector` over every stored record, in any order (the memory path). */
export function selectBatch(stored: Rec[], limits: TakeLimits): Taken {
  const [visit, finish] = batchSelector(limits);
  for (const record of stored.sort(byAge)) if (!visit(record)) break;
  return finish();
}
