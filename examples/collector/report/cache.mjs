// A short cache of the report's answers. A report over millions of events takes seconds of a
// core the ingest thread also needs (two cores here); a dashboard that several people open, or
// reload, asks for the same range again and again. Two requests for the same answer while it is
// being computed share that one computation, and a computed answer is given again:
// - while no event has been stored since its computation started, for up to `maxAgeMs`;
// - once events have been stored, for five times as long as it took to compute, up to `maxAgeMs`.
//   A cheap answer (a small store, the demo) is computed again at once and shows what was just
//   stored; a report that took 3 s is given again for 15 s, so reloads during a busy day spend at
//   most a sixth of a core on it.
// Another collector instance on the same PostgreSQL database stores events this one does not
// count: its answers can be up to `maxAgeMs` old.

/**
 * @template T
 * @typedef {{ answer: Promise<T>, started: number, version: number, settled?: number }} Entry
 */

/** How many times its computing time an answer is given again once events have been stored. */
const REUSE_FACTOR = 5;

/**
 * @param {{ maxAgeMs?: number, maxEntries?: number, version?: () => number, now?: () => number }} [opts]
 *   `maxAgeMs`: the oldest answer given (0: no cache; requests under way are still shared);
 *   `maxEntries`: answers kept (the oldest computed goes first); `version`: a number that changes
 *   whenever events are stored
 */
export function reportCache({ maxAgeMs = 60_000, maxEntries = 32, version = () => 0, now = Date.now } = {}) {
  /** @type {Map<string, Entry<any>>} */
  const entries = new Map();

  /** @param {Entry<any>} e */
  const fresh = (e) => {
    if (e.settled === undefined) return true;
    const age = now() - e.settled;
    if (age >= maxAgeMs) return false;
    return e.version === version() || age < REUSE_FACTOR * (e.settled - e.started);
  };

  return {
    /**
     * The answer for `key`: the one under way or still fresh, else `compute()`'s. A failed
     * computation is not kept.
     *
     * @template T @param {string} key @param {() => Promise<T>} compute
     * @returns {{ answer: Promise<T>, ageMs: () => number }}  `ageMs`: how old the answer is once it is given
     */
    get(key, compute) {
      let e = entries.get(key);
      if (!e || !fresh(e)) {
        /** @type {Entry<T>} */
        const entry = { answer: Promise.resolve().then(compute), started: now(), version: version() };
        // Delete first: the map's order is the order answers were started, oldest first.
        entries.delete(key);
        entries.set(key, entry);
        entry.answer.then(
          () => {
            entry.settled = now();
          },
          () => {
            if (entries.get(key) === entry) entries.delete(key);
          },
        );
        for (const k of entries.keys()) {
          if (entries.size <= maxEntries) break;
          if (k !== key) entries.delete(k);
        }
        e = entry;
      }
      const got = e;
      return { answer: got.answer, ageMs: () => (got.settled === undefined ? 0 : Math.max(0, now() - got.settled)) };
    },
  };
}
