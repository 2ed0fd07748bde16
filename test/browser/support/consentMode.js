/**
 * A Google Consent Mode v2 stand-in, run in the page the way consent managers (Cookiebot,
 * OneTrust, iubenda, Usercentrics, Complianz) run it, following Google's "Set up consent mode on
 * websites" (https://developers.google.com/tag-platform/security/guides/consent): the gtag
 * snippet, a default of denied with `wait_for_update` before any choice, then on the visitor's
 * banner click `gtag('consent', 'update', …)` with the choice.
 *
 * - `window.bannerClick('granted' | 'denied')`: the visitor's choice.
 * - `window.loadGtmStandIn()`: Google Tag Manager's data layer taking over `dataLayer.push` the
 *   way its open-source model, data-layer-helper, does
 *   (https://github.com/google/data-layer-helper/blob/master/src/helper/helper.js): a new push
 *   that calls the previous one, then processes what was pushed (recorded in `window.gtmProcessed`).
 */
window.dataLayer = window.dataLayer || [];
function gtag() {
  window.dataLayer.push(arguments);
}
gtag('consent', 'default', {
  ad_storage: 'denied',
  ad_user_data: 'denied',
  ad_personalization: 'denied',
  analytics_storage: 'denied',
  wait_for_update: 500,
});
window.gtag = gtag;

window.bannerClick = (choice) =>
  gtag('consent', 'update', {
    ad_storage: choice,
    ad_user_data: choice,
    ad_personalization: choice,
    analytics_storage: choice,
  });

window.gtmProcessed = [];
window.loadGtmStandIn = () => {
  const dataLayer = window.dataLayer;
  const previousPush = dataLayer.push;
  dataLayer.push = function () {
    const states = [].slice.call(arguments, 0);
    const result = previousPush.apply(dataLayer, states);
    window.gtmProcessed.push(...states.map((state) => [].slice.call(state)));
    return result;
  };
};
