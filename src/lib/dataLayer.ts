import { pollFor } from './pollFor';

/** The part of a page's `dataLayer` we use: an array, or an object with a `push` function. */
interface DataLayer {
  push: (...entries: unknown[]) => unknown;
}

/** Reads one entry of `dataLayer`: whatever the page pushed (an object, an `arguments` object, anything). */
type Reader = (entry: unknown) => void;

// The readers of later pushes, served by one wrapper of `push` (none while the list is empty).
let readers: Reader[] = [];
// Puts back the `push` our wrapper replaced.
let unwrap = () => {};

/**
 * Hand `entries[index]` to `read`. An entry that cannot be read (an index getter that throws) or
 * that makes the reader throw (a hostile entry) is skipped.
 */
const readAt = (read: Reader, entries: ArrayLike<unknown>, index: number) => {
  try {
    read(entries[index]);
  } catch {
    // a hostile entry: ignored
  }
};

/**
 * Read every entry of the page's `window.dataLayer` (Google Tag Manager's and gtag's queue): those
 * already on it, in order, then every later push. `dataLayer` may be made after we start (GTM or a
 * consent manager loads later): it is looked for every 250 ms for 10 s (see pollFor). Returns a
 * stop function.
 *
 * Hearing a push as it happens means wrapping `push`: the one property we set on an object the
 * page owns, because nothing else tells us of a push (polling the array would be late and never
 * stop). It is what Google Tag Manager does itself, and its open-source model, data-layer-helper
 * (https://github.com/google/data-layer-helper/blob/master/src/helper/helper.js), keeps the
 * previous `push` and calls it: so when GTM loads after us it calls our wrapper, and when it loaded
 * first we call its push. Ours calls the previous push with the same `this` and arguments and
 * returns its result (a throw from it is the page's own and goes on to the caller), then hands
 * what was pushed to the readers. One wrapper serves every reader in this bundle (Consent Mode and
 * the GA4 commerce bridge share it); the last reader's stop puts `push` back, but only while it is
 * still ours: a wrapper installed after ours (GTM's) calls ours, which then only passes calls on.
 */
export function onDataLayer(read: Reader): () => void {
  let release = () => {};
  const cancel = pollFor(
    () => {
      const layer = (window as unknown as { dataLayer?: DataLayer }).dataLayer;
      return layer && typeof layer == 'object' && typeof layer.push == 'function' ? layer : undefined;
    },
    (layer) => {
      // The history, when it is a real array (so its length is a real, bounded one).
      if (Array.isArray(layer)) for (let i = 0; i < layer.length; i++) readAt(read, layer, i);
      if (!readers.length) {
        try {
          const original = layer.push;
          const ownPush = Object.prototype.hasOwnProperty.call(layer, 'push');
          const wrapper = function (this: unknown, ...entries: unknown[]) {
            const result = original.apply(this, entries);
            readers.forEach((reader) => {
              for (let i = 0; i < entries.length; i++) readAt(reader, entries, i);
            });
            return result;
          };
          layer.push = wrapper;
          unwrap = () => {
            try {
              if (layer.push == wrapper) {
                if (ownPush) layer.push = original;
                else delete (layer as Partial<DataLayer>).push;
              }
            } catch {
              // A page that made `push` read-only meanwhile keeps ours, which now only passes calls through.
            }
          };
        } catch {
          // A frozen dataLayer or a push that cannot be replaced: its history is all we can read.
        }
      }
      readers.push(read);
      release = () => {
        readers = readers.filter((reader) => reader != read);
        if (!readers.length) unwrap();
      };
    },
  );
  return () => {
    cancel();
    release();
  };
}
