import { byAge, selectBatch, type EventStore, type Rec } from './eventStore';

/**
 * The EventStore in this page's memory: the queue's store when IndexedDB is missing or has failed.
 * Same interface and claim rules as `idbStore` (a take claims what it returns, a mark or release
 * touches only what is still stored), so the queue has one code path for both, and records keep
 * their claims whichever store holds them (a spill's hand-off claims, a batch in flight when
 * IndexedDB failed). It is this page's alone: nothing here reaches another tab or the next page but
 * through the queue's localStorage spill. `initial`: the records it starts with, claims as they are.
 */
export function memoryStore(initial: Rec[] = []): EventStore {
  const stored = new Map(initial.map((record) => [record.id, record]));
  const setClaims = (ids: string[], until: number) => {
    for (const id of ids) {
      const record = stored.get(id);
      if (record) stored.set(id, { ...record, c: until });
    }
    return Promise.resolve();
  };
  return {
    _put(records, max) {
      for (const record of records) stored.set(record.id, record);
      const excess = Math.max(stored.size - max, 0);
      // The oldest go, as the age index gives them to idbStore's cap.
      if (excess) for (const record of [...stored.values()].sort(byAge).slice(0, excess)) stored.delete(record.id);
      return Promise.resolve(excess);
    },
    _take(limits) {
      const taken = selectBatch([...stored.values()], limits);
      for (const record of taken[1]) stored.delete(record.id);
      for (const record of taken[0]) stored.set(record.id, { ...record, c: limits.now + limits.ttl });
      return Promise.resolve(taken);
    },
    _remove(ids) {
      for (const id of ids) stored.delete(id);
      return Promise.resolve();
    },
    _release: (ids) => setClaims(ids, 0),
    _mark: (records, until) =>
      setClaims(
        records.map((record) => record.id),
        until,
      ),
    // Nothing to commit: memory has no transactions.
    _settle() {},
  };
}
