/**
 * Where the visitor's keys live: stored, held in memory while consent is pending (read from
 * localStorage until the page writes them), or in memory only; and forgetting them.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';

type Storage = typeof import('../../../src/lib/storage');
let storage: Storage;
const stored = (key: string) => localStorage.getItem('engagekit:v1:' + key);
beforeEach(async () => {
  localStorage.clear();
  // The module keeps per-page memory: a fresh one per test.
  vi.resetModules();
  storage = await import('../../../src/lib/storage');
});

describe('storage', () => {
  it('held: reads what is stored until the page writes, writes to memory, and stores it all when released', () => {
    const { keepInMemory, load, save, VISITOR } = storage;
    localStorage.setItem('engagekit:v1:aid', 'stored-aid');
    localStorage.setItem('engagekit:v1:uid', 'stored-uid');
    keepInMemory([], VISITOR);
    expect(load('aid')).toBe('stored-aid');
    save('aid', 'new-aid');
    save('uid', undefined);
    save('cart', 'c-1');
    save('ok', '1'); // not the visitor's: stored at once
    expect([load('aid'), load('uid'), load('cart')]).toEqual(['new-aid', undefined, 'c-1']);
    expect([stored('aid'), stored('uid'), stored('cart'), stored('ok')]).toEqual([
      'stored-aid',
      'stored-uid',
      null,
      '1',
    ]);
    keepInMemory([], []);
    expect([stored('aid'), stored('uid'), stored('cart')]).toEqual(['new-aid', null, 'c-1']);
    expect(load('aid')).toBe('new-aid');
  });

  it('memory only: reads nothing stored, writes nothing, and forgets it all when released', () => {
    const { IDENTIFIERS, keepInMemory, load, save } = storage;
    localStorage.setItem('engagekit:v1:aid', 'stored-aid');
    keepInMemory(IDENTIFIERS, []);
    expect(load('aid')).toBeUndefined();
    save('aid', 'private-aid');
    save('cart', 'c-1'); // not an identifier: stored
    expect([load('aid'), stored('aid'), stored('cart')]).toEqual(['private-aid', 'stored-aid', 'c-1']);
    keepInMemory([], []);
    expect([load('aid'), stored('aid')]).toEqual(['stored-aid', 'stored-aid']);
  });

  it('forget() removes the visitor keys from storage and memory, and nothing else', () => {
    const { forget, keepInMemory, load, save, VISITOR } = storage;
    for (const key of [...VISITOR, 'optout', 'ok', 'spill.x']) localStorage.setItem('engagekit:v1:' + key, '1');
    keepInMemory([], VISITOR);
    save('aid', 'held');
    forget();
    keepInMemory([], []);
    expect(VISITOR.map(load)).toEqual(VISITOR.map(() => undefined));
    expect(Object.keys(localStorage).sort()).toEqual([
      'engagekit:v1:ok',
      'engagekit:v1:optout',
      'engagekit:v1:spill.x',
    ]);
  });
});

describe('storage reads within a task', () => {
  it('reads each key from localStorage once per task, again after its own write, and again in a later task', async () => {
    const getItem = vi.spyOn(localStorage, 'getItem');
    localStorage.setItem('engagekit:v1:k', 'a');
    expect(storage.load('k')).toBe('a');
    expect(storage.load('k')).toBe('a');
    expect(getItem).toHaveBeenCalledTimes(1);
    storage.save('k', 'b');
    expect(storage.load('k')).toBe('b');
    expect(getItem).toHaveBeenCalledTimes(2);
    // Another tab's write reaches the page in a task of its own: read again from the next one.
    localStorage.setItem('engagekit:v1:k', 'c');
    await new Promise((resolve) => setTimeout(resolve));
    expect(storage.load('k')).toBe('c');
    expect(getItem).toHaveBeenCalledTimes(3);
    getItem.mockRestore();
  });
});
