import { randomUUID } from 'node:crypto';

/** A valid engagekit message (the strict schema), captured `agoMs` before `sentAt`. */
export function ekMessage(over: Record<string, unknown> = {}, agoMs = 0, sentAt = new Date()): Record<string, unknown> {
  return {
    type: 'track',
    event: 'Signup',
    messageId: randomUUID(),
    timestamp: new Date(sentAt.getTime() - agoMs).toISOString(),
    anonymousId: 'anon-1',
    properties: { plan: 'pro' },
    context: {
      page: { url: 'https://shop.example/p', path: '/p', referrer: '', title: 'P', search: '' },
      library: { name: 'engagekit', version: '0.1.0' },
      session: { id: randomUUID(), index: 1, pageCount: 1, startedAt: sentAt.toISOString() },
    },
    ...over,
  };
}

/** A batch body as engagekit sends it. */
export function ekBatch(batch: unknown[], sentAt = new Date(), writeKey = 'test-key'): Record<string, unknown> {
  return { batch, sentAt: sentAt.toISOString(), writeKey };
}
