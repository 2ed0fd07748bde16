import { guard } from './guard';
import { inBrowser } from './inBrowser';

/**
 * What a capture's start function returns: how to undo each thing it started (false: nothing). A
 * list rather than a stop function of its own, to save bytes: listen's removers go in as they are.
 */
export type Stops = ((() => unknown) | false)[];

/**
 * A capture's start function (onPageView, onForms, autocapture, …) made safe to call anywhere:
 * outside a browser (server-side rendering) it does nothing and says nothing; an error while
 * starting (arguments whose getters throw, say) is one warning. It always returns a stop function,
 * which runs each of the stops `start` returned (one per listener, wrapper or timer, in order).
 * Each start reads its arguments before it adds any listener, so a start that fails leaves nothing
 * behind; stops only remove listeners and unwrap (see wrapMethod), which never throws.
 */
export function safeStart<Args extends unknown[]>(
  name: string,
  start: (...args: Args) => Stops,
): (...args: Args) => () => void {
  return (...args) => {
    const stops = (inBrowser() && guard(start, name + '() did not start')(...args)) || [];
    return () => stops.forEach((stop) => stop && stop());
  };
}
