/**
 * localStorage that never throws: it is missing in some sandboxed iframes, throws SecurityError
 * when cookies are blocked and QuotaExceededError in Safari private mode (before 11). Keys are
 * versioned (`engagekit:v1:`) so a later format can move on without misreading old values.
 */
const PREFIX = 'engagekit:v1:';
const memory: Record<string, string> = {};

/** Read a value (undefined when absent). The in-memory copy answers only when localStorage fails. */
export function load(key: string): string | undefined {
  try {
    return localStorage.getItem(PREFIX + key) ?? undefined;
  } catch {
    return memory[key];
  }
}

/** Every stored key that starts with `prefix` (without our own prefix). */
export function keys(prefix: string): string[] {
  const out: string[] = [];
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i)!;
      if (k.startsWith(PREFIX + prefix)) out.push(k.slice(PREFIX.length));
    }
  } catch {
    // no localStorage: nothing was spilled there either
  }
  return out;
}

/** Write a value (`undefined` removes it); kept in memory when localStorage refuses. */
export function save(key: string, value: string | undefined): void {
  if (value === undefined) delete memory[key];
  else memory[key] = value;
  try {
    if (value === undefined) localStorage.removeItem(PREFIX + key);
    else localStorage.setItem(PREFIX + key, value);
  } catch {
    // memory keeps it for this page
  }
}
