import type { Row } from '../../../examples/collector/store.mjs';

/**
 * A row of `events` as the collector stores it (store.insert), for tests that fill a store
 * without going through HTTP: the given fields over nulls, write key 'k', received when captured,
 * empty properties and context.
 */
export function storedRow(over: Partial<Row> & Pick<Row, 'message_id' | 'type' | 'ts'>): Row {
  return {
    write_key: 'k',
    event: null,
    name: null,
    anonymous_id: null,
    user_id: null,
    session_id: null,
    session_index: null,
    page_count: null,
    path: null,
    url: null,
    referrer: null,
    received_at: over.ts,
    properties: '{}',
    context: '{}',
    ...over,
  };
}

/**
 * A page view that is a one-page session of its own: message `id`, visitor `visitor-${id}`,
 * session `session-${id}`, page `/` of shop.example, at `ts`; `over` changes any of it.
 */
export function pageView(id: string, ts: number, over: Partial<Row> = {}): Row {
  return storedRow({
    message_id: id,
    type: 'page',
    anonymous_id: `visitor-${id}`,
    session_id: `session-${id}`,
    session_index: 1,
    page_count: 1,
    path: '/',
    url: 'https://shop.example/',
    ts,
    ...over,
  });
}
