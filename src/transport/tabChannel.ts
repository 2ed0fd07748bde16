import type { Rec } from '../queue/record';

/** Tells the site's other tabs which events this one is sending. */
export interface TabChannel {
  /** Tell the other tabs this one is sending these records. */
  _claim(records: Rec[]): void;
  /** Close before the page enters the back/forward cache; reopen when it is restored. */
  _close(): void;
  _open(): void;
}

/**
 * A BroadcastChannel between the tabs of the site. A sending tab says what it took, and a tab
 * leaving the page, which sends its own unsent events itself, says so too: the other tabs then
 * leave those events alone. Where BroadcastChannel is missing, the claims made in IndexedDB apply.
 */
export function tabChannel(name: string, onClaim: (ids: string[]) => void): TabChannel {
  // Open while the page is shown (undefined when closed, or where BroadcastChannel is missing).
  let broadcast: BroadcastChannel | undefined;
  const channel: TabChannel = {
    _claim(records) {
      broadcast?.postMessage(records.map((record) => record.id));
    },
    _close() {
      broadcast?.close();
      broadcast = undefined;
    },
    _open() {
      if (!broadcast && typeof BroadcastChannel == 'function') {
        broadcast = new BroadcastChannel(name);
        broadcast.onmessage = (event) => onClaim(event.data);
      }
    },
  };
  channel._open();
  return channel;
}
