/**
 * localStorage that never throws: it is missing in some sandboxed iframes, throws SecurityError
 * when cookies are blocked and QuotaExceededError in Safari private mode (before 11). Keys are
 * versioned (`engagekit:v1:`) so a later format can move on without misreading old values.
 */
const PREFIX = 'engagekit:v1:';
const memory: Record<string, string> = {};

/** Read a value (undefined when absent or unreadable). */
export function load(key: string): string | undefined {
  try {
    const v = localStorage.getItem(PREFIX + key);
    if (v != null) return v;
  } catch {
    // fall through to the in-memory copy
  }
  return memory[key];
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
