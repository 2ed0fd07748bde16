import { describe, expect, it } from 'vitest';
import { createTracker } from '../../src/tracker';

describe('smoke', () => {
  it('creates a tracker without an endpoint as a no-op', async () => {
    const t = createTracker({});
    t.track('x');
    expect(await t.flush()).toBe(true);
  });
});
