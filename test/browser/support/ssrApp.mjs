// What a server-side-rendering framework does with engagekit: import the npm build and call it at
// module level, in Node, where there is no window and no document. Run by test/browser/ssr.test.ts
// with a file name: the time this script's own work ended is written there (stdout and stderr must
// stay empty), so the test can tell how long the process lingered after it.
import { writeFileSync } from 'node:fs';
import {
  init,
  createTracker,
  autocapture,
  track,
  page,
  identify,
  flush,
  reset,
  optOut,
  optIn,
  cart,
  checkout,
  order,
  onPageView,
  onEngagement,
  onForms,
  onLinks,
  onWebVitals,
  onCartAdds,
  checkoutPage,
} from '../../../dist/index.js';

// Before init(): silent too.
track('Too Early');
const tracker = init({ endpoint: 'https://example.test/v1/batch', writeKey: 'KEY', flushInterval: 5000 });
const stopCaptures = autocapture(tracker);
track('Signed Up', { plan: 'pro' });
page({ title: 'Home' });
identify('user-42', { plan: 'pro' });
cart.add({ product_id: 'A-1', quantity: 1 });
checkout.start({ total: 42 });
order.complete({ order_id: 'A-1', total: 42 });
const stops = [
  onPageView(() => undefined),
  onEngagement(() => undefined),
  onForms(() => undefined),
  onLinks(() => undefined),
  onWebVitals(() => undefined),
  onCartAdds(() => undefined),
];
const other = createTracker({ endpoint: 'https://example.test/v1/batch' });
other.track('Other');
other.consent('granted');
const results = [await flush(), await tracker.flush(), await other.flush()];
if (results.some((result) => result !== true)) throw new Error('flush() resolved ' + results);
if (checkoutPage('https://shop.example/checkout/')?.[0] !== 'checkout') throw new Error('checkoutPage is pure');
reset();
optOut();
optIn();
stopCaptures();
for (const stop of stops) stop();
writeFileSync(process.argv[2], String(Date.now()));
