import { onEngagement } from './capture/onEngagement';
import { onForms } from './capture/onForms';
import { onLinks } from './capture/onLinks';
import { onPageView } from './capture/onPageView';
import { onWebVitals, type WebVitals } from './capture/onWebVitals';
import { checkoutPage } from './capture/cart/checkoutPage';
import { onCartAdds } from './capture/cart/onCartAdds';
import { PLATFORMS } from './capture/cart/platforms';
import { orderDetails } from './capture/cart/orderDetails';
import { addToCart, completeOrder, startCheckout } from './commerce';
import { scrub } from './lib/privacy';
import type { Properties, Tracker } from './types';

/** Which automatic captures to run; each is on unless set to false (script tags: `data-forms="false"`, …). */
export interface AutocaptureOptions {
  /** Page views, single-page-app navigations included. */
  pageView?: boolean;
  /** `Page Engagement`: engaged time and scroll depth. */
  engagement?: boolean;
  /** `Form Started`, `Form Submitted`, `Form Abandoned`. */
  forms?: boolean;
  /** `Outbound Link Clicked`, `File Downloaded` and `data-engagekit-event` clicks. */
  links?: boolean;
  /** Adds to cart on Shopify, WooCommerce, Magento 2, BigCommerce and PrestaShop, and their checkout and thank-you pages. */
  commerce?: boolean;
  /** `Web Vitals` (LCP, INP, CLS, FCP, TTFB), loaded lazily; or how to load the web-vitals package. */
  webVitals?: boolean | (() => Promise<WebVitals>);
}

/**
 * Start every automatic capture on a tracker (what the script tag does). npm users who want only
 * some can call `onPageView`, `onEngagement`, `onForms` and `onLinks` themselves; the others are
 * then left out of their bundle. Returns a function that stops them all.
 */
export function autocapture(t: Tracker, o: AutocaptureOptions = {}): () => void {
  // Automatically captured properties (form names, link URLs) lose anything shaped like an email.
  const plain = (event: string, p: Properties) => t.track(event, scrub(p));
  // Commerce events from markup (data-engagekit-event) follow the cart rules like the helpers.
  const track = (event: string, p: Properties) =>
    event == 'Product Added'
      ? addToCart(plain, p, 'markup')
      : event == 'Checkout Started'
        ? startCheckout(plain, p)
        : event == 'Order Completed'
          ? completeOrder(plain, p)
          : plain(event, p);
  const shop = o.commerce !== false;
  const page = () => {
    t.page();
    const found = shop && checkoutPage(location.href);
    // A thank-you page's own JSON-LD Order (or Shopify.checkout) gives the order's id, total and items.
    if (found)
      found[0] == 'order' ? completeOrder(plain, { order_id: found[1], ...orderDetails() }) : startCheckout(plain);
  };
  const stops = [
    o.engagement !== false && onEngagement(track),
    // Add-to-cart forms are Product Added (commerce), not forms someone fills in.
    o.forms !== false && onForms(track, { ignore: shop ? PLATFORMS.map((p) => p.form).join() : '' }),
    o.links !== false && onLinks(track),
    shop && onCartAdds((item, source) => addToCart(plain, item, source)),
    o.webVitals !== false && onWebVitals(plain, typeof o.webVitals == 'function' ? o.webVitals : undefined),
    // Last: its first page view comes after the others are listening.
    o.pageView !== false && onPageView(page),
  ];
  return () => stops.forEach((s) => s && s());
}
