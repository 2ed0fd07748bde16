import type { Rec } from '../queue/record';

/** What a tab tells the others when the visitor opts out or denies consent there. */
export type Stop = 'optout' | 'denied';

/** Tells the site's other tabs which events this one is sending, and when the visitor opted out or denied consent. */
export interface TabChannel {
  /** Tell the other tabs this one is sending these records. */
  _claim(records: Rec[]): void;
  /** Tell the other tabs the visitor opted out or denied consent: they discard what they hold. */
  _stop(kind: Stop): void;
  /** Close before the page enters the back/forward cache; reopen when it is restored. */
  _close(): void;
  _open(): void;
}

/**
 * A BroadcastChannel between the tabs of the site. A sending tab says what it took, and a tab
 * leaving the page, which sends its own unsent events itself, says so too: the other tabs then
 * leave those events alone. A tab where the visitor opted out or denied consent says so, and the
 * others stop sending what they hold. Where BroadcastChannel is missing, the claims made in
 * IndexedDB apply (and opt-out, stored in localStorage, is checked before every send).
 *
 * A message is a claim (an array of messageIds, what earlier versions send too) or a stop
 * (`optout`, `denied`). Any script of the site's origin may post on the channel: whatever has
 * another shape is ignored, and nothing a message leads to throws into the page.
 */
export function tabChannel(name: string, onClaim: (ids: string[]) => void, onStop: (kind: Stop) => void): TabChannel {
  // Open while the page is shown (undefined when closed, or where BroadcastChannel is missing).
  let broadcast: BroadcastChannel | undefined;
  const channel: TabChannel = {
    _claim(records) {
      broadcast?.postMessage(records.map((record) => record.id));
    },
    _stop(kind) {
      broadcast?.postMessage(kind);
    },
    _close() {
      broadcast?.close();
      broadcast = undefined;
    },
    _open() {
      if (!broadcast && typeof BroadcastChannel == 'function') {
        broadcast = new BroadcastChannel(name);
        broadcast.onmessage = ({ data }) => {
          try {
            if (data === 'optout' || data === 'denied') onStop(data);
            else if (Array.isArray(data) && data.every((id) => typeof id == 'string')) onClaim(data);
          } catch {
            // never into the page
          }
        };
      }
    },
  };
  channel._open();
  return channel;
}
