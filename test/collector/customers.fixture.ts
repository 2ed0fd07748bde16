// A crafted customer history for customers.test.ts: identify() calls, anonymous orders merged into
// their user, a user on two devices, an anonymous id shared by two users, an identify() sent with
// another write key, orders reported twice and events after the range. Stored as the collector
// stores rows (store.insert), dated in the past. The expected numbers are worked out by hand in
// customers.test.ts, for the range March 2024.
import type { Row } from '../../examples/collector/store.mjs';
import { storedRow } from './support/rows';

/** 12:00 UTC of a day of 2024 (month 1-12), plus `hours`. */
export const at = (month: number, day: number, hours = 12) => Date.UTC(2024, month - 1, day, hours);

let seq = 0;
const row = (over: Partial<Row> & Pick<Row, 'type' | 'ts'>): Row =>
  storedRow({ message_id: `c-${++seq}`, write_key: 'k1', ...over });

const identify = (anon: string, user: string, ts: number, writeKey = 'k1') =>
  row({ type: 'identify', anonymous_id: anon, user_id: user, ts, write_key: writeKey });

/** An Order Completed; `user` when the event carries a userId (after identify() on that device). */
const order = (anon: string, id: string, ts: number, amounts: Record<string, number>, user: string | null = null) =>
  row({
    type: 'track',
    event: 'Order Completed',
    anonymous_id: anon,
    user_id: user,
    session_id: `s-${anon}-${ts}`,
    session_index: 1,
    ts,
    properties: JSON.stringify({ order_id: id, currency: 'EUR', ...amounts }),
  });

const pageView = (anon: string, ts: number) =>
  row({ type: 'page', anonymous_id: anon, session_id: `s-${anon}-${ts}`, session_index: 1, path: '/', ts });

/** Every row of the history, in the order a collector would receive them. */
export function customerHistory(): Row[] {
  seq = 0;
  return [
    // u1: orders k1 anonymously on A1, then identify() names u1: k1 is u1's.
    order('A1', 'k1', at(1, 10), { revenue: 100 }),
    identify('A1', 'u1', at(1, 11)),
    order('A1', 'k2', at(2, 10), { revenue: 50 }, 'u1'),
    // Without a userId on the event, still u1's (A1's latest identify).
    order('A1', 'k3', at(3, 5, 18), { revenue: 30 }),
    // Reported twice: one order.
    order('A1', 'k4', at(3, 20), { revenue: 20 }, 'u1'),
    order('A1', 'k4', at(3, 20, 13), { revenue: 20 }, 'u1'),
    // u2 on two devices, A2 and A3; k6 has a total and no revenue. k9 is after the range.
    identify('A2', 'u2', at(3, 2)),
    order('A2', 'k5', at(3, 3), { revenue: 40 }, 'u2'),
    identify('A3', 'u2', at(3, 10)),
    order('A3', 'k6', at(3, 12), { total: 60 }),
    order('A2', 'k9', at(4, 5), { revenue: 500 }, 'u2'),
    // A4 never identified: one order in the previous period, none in March.
    order('A4', 'k7', at(2, 15), { revenue: 10 }),
    // A5 is shared: u3, then u4 (the latest); its anonymous order k8 is u4's.
    identify('A5', 'u3', at(2, 1)),
    order('A5', 'k8', at(2, 5), { revenue: 25 }),
    identify('A5', 'u4', at(2, 20)),
    // A6: an identify() naming u1 sent with another write key does not merge A6 into u1, nor does
    // one after the range; A6 stays its own customer.
    identify('A6', 'u1', at(3, 1), 'other-site'),
    order('A6', 'k10', at(3, 25), { revenue: 15 }),
    identify('A6', 'u9', at(4, 3)),
    // Visitors who never buy: A7 comes back in March, A8 does not.
    pageView('A7', at(2, 20)),
    pageView('A7', at(3, 8)),
    pageView('A7', at(3, 9)),
    pageView('A8', at(2, 25)),
  ];
}
