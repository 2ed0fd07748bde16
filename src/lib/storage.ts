/**
 * localStorage that never throws: it is missing in some sandboxed iframes, throws SecurityError
 * when cookies are blocked (https://html.spec.whatwg.org/multipage/webstorage.html#dom-localstorage)
 * and QuotaExceededError in Safari private mode (before 11). Keys are
 * versioned (`engagekit:v1:`) so a later format can move on without misreading old values.
 */
const PREFIX = 'engagekit:v1:';
// localStorage's stand-in for this page when it refuses.
const memory: Record<string, string> = {};
// Values written to memory instead of localStorage (see keepInMemory), by key; undefined: removed.
const held: Record<string, string | undefined> = {};
// Keys read and written in memory only, and keys written to memory but read from localStorage until then.
let memoryOnly: readonly string[] = [];
let writtenToMemory: readonly string[] = [];

/** The keys that identify a visitor: anonymous id, user id, session. */
export const IDENTIFIERS = ['aid', 'uid', 'session'];
/** Those and the commerce state (cart, checkout, order: src/commerce.ts; an add crossing a navigation: onCartAdds): what opt-out and denial remove. */
export const VISITOR = [...IDENTIFIERS, 'cart', 'checkout', 'order', 'add'];

// What `load` read from localStorage in this task, by key (undefined: nothing read yet). A
// track() read four keys (opt-out, session, anonymous and user id) each call: 1,000 calls in one
// task read 4,000 times. Within a task nothing but this page changes localStorage (another tab's
// writes reach the page as tasks of their own: https://html.spec.whatwg.org/multipage/webstorage.html#the-storage-event),
// and `write` forgets the key it writes, so a value read once stands until the task's microtasks run.
let readThisTask: Record<string, string | undefined> | undefined;

function write(key: string, value: string | undefined): void {
  if (readThisTask) delete readThisTask[key];
  if (value === undefined) delete memory[key];
  else memory[key] = value;
  try {
    if (value === undefined) localStorage.removeItem(PREFIX + key);
    else localStorage.setItem(PREFIX + key, value);
  } catch {
    // memory keeps it for this page
  }
}

/**
 * Where the visitor's keys live. `onlyInMemory`: read and written in memory only, never stored
 * (identifiers under Global Privacy Control; everything of the visitor's after opt-out or denial).
 * `heldInMemory`: read from localStorage while this page has not written them, written to memory
 * (consent pending): a visit stored after an earlier grant continues, and nothing is stored before
 * the grant. A key that leaves both lists is written to localStorage if it was held, so the grant
 * keeps what the page made meanwhile (which continues the stored state instead of replacing it),
 * and forgotten if it was memory-only.
 */
export function keepInMemory(onlyInMemory: readonly string[], heldInMemory: readonly string[]): void {
  const wasMemoryOnly = memoryOnly;
  memoryOnly = onlyInMemory;
  writtenToMemory = heldInMemory;
  for (const key in held) {
    if (memoryOnly.includes(key) || writtenToMemory.includes(key)) continue;
    if (!wasMemoryOnly.includes(key)) write(key, held[key]);
    delete held[key];
  }
}

/** Remove the visitor's keys (VISITOR) from localStorage and memory. */
export function forget(): void {
  for (const key of VISITOR) {
    delete held[key];
    write(key, undefined);
  }
}

/** Read a value (undefined when absent). The in-memory copy answers only when localStorage fails. */
export function load(key: string): string | undefined {
  if (memoryOnly.includes(key) || (writtenToMemory.includes(key) && key in held)) return held[key];
  if (!readThisTask) {
    readThisTask = {};
    queueMicrotask(() => (readThisTask = undefined));
  }
  if (key in readThisTask) return readThisTask[key];
  try {
    return (readThisTask[key] = localStorage.getItem(PREFIX + key) ?? undefined);
  } catch {
    return memory[key];
  }
}

/** Read a JSON value: undefined when absent or unreadable. */
export function loadJson<T>(key: string): T | undefined {
  try {
    return JSON.parse(load(key)!);
  } catch {
    // absent (JSON.parse(undefined) throws) or damaged: as if absent
  }
}

/** Every stored key that starts with `prefix` (without our own prefix). */
export function keys(prefix: string): string[] {
  const out: string[] = [];
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const storedKey = localStorage.key(i)!;
      if (storedKey.startsWith(PREFIX + prefix)) out.push(storedKey.slice(PREFIX.length));
    }
  } catch {
    // no localStorage: nothing was spilled there either
  }
  return out;
}

/** Write a value (`undefined` removes it); kept in memory when localStorage refuses, or when told to (keepInMemory). */
export function save(key: string, value: string | undefined): void {
  if (memoryOnly.includes(key) || writtenToMemory.includes(key)) held[key] = value;
  else write(key, value);
}

/** Whether `key` is written to localStorage (not kept in memory by keepInMemory: privacy signal, consent, opt-out). */
export const persisted = (key: string): boolean => !memoryOnly.includes(key) && !writtenToMemory.includes(key);
