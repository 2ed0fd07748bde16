import type { Rec } from '../queue/eventStore';

/** Tells the site's other tabs which events this one is sending. */
export interface TabChannel {
  _claim(recs: Rec[]): void;
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
  let bc: BroadcastChannel | undefined;
  const ch: TabChannel = {
    _claim(recs) {
      bc?.postMessage(recs.map((r) => r.id));
    },
    _close() {
      bc?.close();
      bc = undefined;
    },
    _open() {
      if (!bc && typeof BroadcastChannel == 'function')
        (bc = new BroadcastChannel(name)).onmessage = (e) => onClaim(e.data);
    },
  };
  ch._open();
  return ch;
}
