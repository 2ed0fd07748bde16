import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => vi.restoreAllMocks());

describe('uuid', () => {
  it('gives distinct RFC 4122 version-4 UUIDs, drawing random bytes 256 UUIDs at a time', async () => {
    vi.resetModules();
    const { uuid } = await import('../../../src/lib/uuid');
    const draw = vi.spyOn(crypto, 'getRandomValues');
    const ids = Array.from({ length: 600 }, uuid);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(600);
    expect(draw).toHaveBeenCalledTimes(3);
  });
});
