import { guard } from './guard';

/**
 * `target.addEventListener(type, listener, options)` with the listener guarded (see guard.ts: it
 * runs inside the page's events, which never see our errors). Returns the function that removes
 * that very listener again (with the same options, so a capturing one is found).
 *
 * Byte saving: one call instead of a guard plus an add/remove pair per listener in the captures and
 * the tracker, whose stops become lists (see safeStart); the script tag is ~190 B smaller (brotli).
 */
export function listen<Fired extends Event>(
  target: EventTarget,
  type: string,
  listener: (event: Fired) => unknown,
  options?: boolean | AddEventListenerOptions,
): () => void {
  const guarded = guard(listener) as EventListener;
  target.addEventListener(type, guarded, options);
  return () => target.removeEventListener(type, guarded, options);
}
