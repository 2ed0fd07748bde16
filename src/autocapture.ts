import { onEngagement } from './capture/onEngagement';
import { onForms } from './capture/onForms';
import { onLinks } from './capture/onLinks';
import { onPageView, type PageViewOptions } from './capture/onPageView';
import { onWebVitals, type WebVitals } from './capture/onWebVitals';
import { checkoutPage } from './capture/cart/checkoutPage';
import { onCartAdds } from './capture/cart/onCartAdds';
import { onGa4Commerce } from './capture/cart/onGa4Commerce';
import { secondReport } from './capture/cart/secondReport';
import { PLATFORMS } from './capture/cart/platforms';
import { orderDetails } from './capture/cart/orderDetails';
import { productDetails } from './capture/cart/productDetails';
import { addToCart, completeOrder, startCheckout } from './commerce';
import { scrub } from './lib/privacy';
import { safeStart } from './lib/safeStart';
import { warn } from './lib/warn';
import type { Properties, Tracker } from './types';

/** Which automatic captures to run; each is on unless set to false (script tags: `data-forms="false"`, …). */
export interface AutocaptureOptions {
  /** Page views, single-page-app navigations included. */
  pageView?: boolean;
  /**
   * The query parameters that name a page (`['page', 'q']`), or `true` for the whole query; unset,
   * a new query on the same path is not a page view (see onPageView). Script tags:
   * `data-page-view-query="page,q"`, or a bare `data-page-view-query` for the whole query.
   */
  pageViewQuery?: PageViewOptions['query'];
  /** `Page Engagement`: engaged time and scroll depth. */
  engagement?: boolean;
  /** `Form Started`, `Form Submitted`, `Form Abandoned`. */
  forms?: boolean;
  /** `Outbound Link Clicked`, `File Downloaded` and `data-engagekit-event` clicks. */
  links?: boolean;
  /**
   * Adds to cart on Shopify, WooCommerce, Magento 2, BigCommerce and PrestaShop, and their checkout
   * and thank-you pages.
   */
  commerce?: boolean;
  /**
   * The GA4 bridge (with commerce on): the e-commerce events the site pushes onto `dataLayer` (GTM,
   * gtag) as Segment e-commerce events (see onGa4Commerce). Script tags: `data-datalayer="false"`.
   */
  datalayer?: boolean;
  /** `Web Vitals` (LCP, INP, CLS, FCP, TTFB), loaded lazily; or how to load the web-vitals package. */
  webVitals?: boolean | (() => Promise<WebVitals>);
}

/**
 * Start every automatic capture on a tracker (what the script tag does). npm users who want only
 * some can call `onPageView`, `onEngagement`, `onForms` and `onLinks` themselves; the others are
 * then left out of their bundle. Returns a function that stops them all. Outside a browser
 * (server-side rendering) it does nothing.
 */
export const autocapture = /* @__PURE__ */ safeStart('autocapture', startAutocapture);

function startAutocapture(tracker: Tracker, options?: AutocaptureOptions) {
  // Read first, each once: options whose getters throw stop here, before any capture started.
  options = { ...options };
  if (typeof tracker?.track != 'function') {
    warn('autocapture() needs a tracker: nothing captured');
    return [];
  }
  // Automatically captured properties (form names, link URLs) lose anything shaped like an email.
  const trackScrubbed = (event: string, properties: Properties) => tracker.track(event, scrub(properties));
  // Commerce events from markup (data-engagekit-event), the platforms' detectors and the GA4 bridge
  // follow the cart rules like the helpers. An add (or order) that both a detector and the site's
  // dataLayer report is counted once (see secondReport).
  const track = (event: string, properties: Properties, source = 'markup') => {
    if (
      /^(Product (Added|Viewed)|Cart Viewed|Order Completed)$/.test(event) &&
      secondReport(event, properties, source == 'datalayer')
    )
      return;
    if (event == 'Product Added') addToCart(trackScrubbed, properties, source);
    else if (event == 'Checkout Started') startCheckout(trackScrubbed, properties);
    else if (event == 'Order Completed') completeOrder(trackScrubbed, properties);
    else trackScrubbed(event, properties);
  };
  const captureCommerce = options.commerce !== false;
  const recordPage = () => {
    tracker.page();
    const checkout = captureCommerce && checkoutPage(location.href);
    // A thank-you page's own JSON-LD Order gives the order's id, total and items; a product page's
    // product data the product viewed (see productDetails).
    const product = captureCommerce && !checkout && productDetails();
    if (product) track('Product Viewed', product, 'page');
    if (checkout) {
      if (checkout[0] == 'order') track('Order Completed', { order_id: checkout[1], ...orderDetails() }, 'page');
      else if (checkout[0] == 'cart') track('Cart Viewed', {}, 'page');
      else startCheckout(trackScrubbed);
    }
  };
  // Each capture's stop (false: that capture is off), run in turn by the stop safeStart returns.
  return [
    options.engagement !== false && onEngagement(track),
    // Add-to-cart forms are Product Added (commerce), not forms someone fills in.
    options.forms !== false &&
      onForms(track, { ignore: captureCommerce ? PLATFORMS.map((platform) => platform.form).join() : '' }),
    options.links !== false && onLinks(track),
    captureCommerce && onCartAdds((item, source) => track('Product Added', item, source)),
    captureCommerce &&
      options.datalayer !== false &&
      onGa4Commerce((event, properties) => track(event, properties, 'datalayer')),
    options.webVitals !== false &&
      onWebVitals(trackScrubbed, typeof options.webVitals == 'function' ? options.webVitals : undefined),
    // Last: its first page view comes after the others are listening.
    options.pageView !== false && onPageView(recordPage, { query: options.pageViewQuery }),
  ];
}
