/**
 * Call `found` with what `find` returns once it returns something: at once if it already does,
 * else every 250 ms for up to 10 s, then give up. For page globals another script defines when it
 * loads, in whatever order it and ours load (a consent manager's `__tcfapi`, `dataLayer`).
 * `find` may throw (a hostile getter): that try counts as nothing found. Returns a cancel function.
 */
export function pollFor<Value>(find: () => Value | undefined, found: (value: Value) => void): () => void {
  let tries = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const attempt = () => {
    let value: Value | undefined;
    try {
      value = find();
    } catch {
      // nothing found this time
    }
    if (value !== undefined) found(value);
    else if (tries++ < 40) timer = setTimeout(attempt, 250);
  };
  attempt();
  return () => clearTimeout(timer);
}
