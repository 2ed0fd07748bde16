/**
 * localStorage that never throws: it is missing in some sandboxed iframes, throws SecurityError
 * when cookies are blocked (https://html.spec.whatwg.org/multipage/webstorage.html#dom-localstorage)
 * and QuotaExceededError in Safari private mode (before 11). Keys are
 * versioned (`engagekit:v1:`) so a later format can move on without misreading old values.
 */
const PREFIX = 'engagekit:v1:';
const memory: Record<string, string> = {};
let ephemeral = false;

/**
 * Keep identifiers (anonymous id, user id, session) in memory only (`true`: Global Privacy Control,
 * Do Not Track when honoured, consent pending), or store them again (`false`), writing the ones
 * made meanwhile so the visitor keeps them.
 */
export function setEphemeral(memoryOnly: boolean): void {
  if (ephemeral && !memoryOnly) {
    ephemeral = memoryOnly;
    for (const key of IDS) if (memory[key] != null) save(key, memory[key], true);
  }
  ephemeral = memoryOnly;
}

/** The keys that identify a visitor. */
const IDS = ['aid', 'uid', 'session'];

/** Read a value (undefined when absent). The in-memory copy answers only when localStorage fails. */
export function load(key: string): string | undefined {
  if (ephemeral && IDS.includes(key)) return memory[key];
  try {
    return localStorage.getItem(PREFIX + key) ?? undefined;
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

/** Write a value (`undefined` removes it); kept in memory when localStorage refuses. */
export function save(key: string, value: string | undefined, force?: boolean): void {
  if (value === undefined) delete memory[key];
  else memory[key] = value;
  if (ephemeral && !force && IDS.includes(key)) return;
  try {
    if (value === undefined) localStorage.removeItem(PREFIX + key);
    else localStorage.setItem(PREFIX + key, value);
  } catch {
    // memory keeps it for this page
  }
}
