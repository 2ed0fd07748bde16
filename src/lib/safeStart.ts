import { guard } from './guard';
import { inBrowser } from './inBrowser';

/**
 * A capture's start function (onPageView, onForms, autocapture, …) made safe to call anywhere:
 * outside a browser (server-side rendering) it does nothing and says nothing; an error while
 * starting (arguments whose getters throw, say) is one warning. It always returns a stop function.
 * Each start reads its arguments before it adds any listener, so a start that fails leaves nothing
 * behind; stop functions only remove listeners and unwrap (see wrapMethod), which never throws.
 */
export function safeStart<Args extends unknown[]>(
  name: string,
  start: (...args: Args) => () => void,
): (...args: Args) => () => void {
  return (...args) => (inBrowser() && guard(start, name + '() did not start')(...args)) || (() => undefined);
}
