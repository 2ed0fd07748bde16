/** What a platform's add-to-cart looks like: the requests it makes and the forms and buttons it renders. */
export interface CartPlatform {
  /** The platform's name, sent as `source`. */
  name: string;
  /** Path and query (`/cart/add.js?x=1`, same-origin or not) of its add-to-cart requests. */
  request: RegExp;
  /** Its add-to-cart forms, which may post natively and navigate away. */
  form: string;
  /** Its add-to-cart links, which navigate to the add when the theme's script does not take them over. */
  link?: string;
  /**
   * Parameter names of product id, variant and quantity, in that order: request bodies, the
   * platform's answer, form fields and `data-*` attributes of its forms and links.
   */
  fields: [product: string[], variant: string[], quantity: string[]];
}

/**
 * The platforms detected with no configuration, from their standard markup and requests:
 * Shopify (`/cart/add`, `/cart/add.js`, locale-prefixed too), WooCommerce (`?add-to-cart=`,
 * `wc-ajax=add_to_cart`, Store API `cart/add-item`, `form.cart`), Magento 2
 * (`/checkout/cart/add/`, `#product_addtocart_form`), BigCommerce (`/remote/v1/cart/add`,
 * storefront carts API, `form[data-cart-item-add]`) and PrestaShop (cart controller with `add=1`,
 * `#add-to-cart-or-refresh`).
 */
export const PLATFORMS: CartPlatform[] = [
  {
    name: 'shopify',
    request: /^(\/[a-z]{2}(-[a-z]{2})?)?\/cart\/add(\.js)?(\?|$)/i,
    form: 'form[action$="/cart/add"]',
    fields: [['product-id', 'product_id'], ['id', 'variant_id'], ['quantity']],
  },
  {
    name: 'woocommerce',
    request: /[?&](add-to-cart=|wc-ajax=add_to_cart)|\/wc\/store(\/v1)?\/cart\/add-item/,
    form: 'form.cart',
    // Not the archive's "Select options" link (also `.add_to_cart_button`): it only opens the product page.
    link: 'a[href*="add-to-cart="]',
    fields: [['add-to-cart', 'product_id', 'id'], ['variation_id'], ['quantity']],
  },
  {
    name: 'magento',
    request: /\/checkout\/cart\/add\//,
    form: '#product_addtocart_form',
    fields: [['product'], ['selected_configurable_option'], ['qty']],
  },
  {
    name: 'bigcommerce',
    request: /\/remote\/v1\/cart\/add|\/api\/storefront\/carts(\/[\w-]+\/items)?(\?|$)/,
    form: 'form[data-cart-item-add]',
    fields: [
      ['product_id', 'productId'],
      ['variantId', 'variant_id'],
      ['qty[]', 'qty', 'quantity'],
    ],
  },
  {
    name: 'prestashop',
    request: /[?&]add=1(&|$)|controller=cart.*[?&]add=1/,
    form: '#add-to-cart-or-refresh',
    fields: [['id_product'], ['id_product_attribute'], ['qty']],
  },
];

/**
 * What a page landed on after an add that navigated (a native form post, an add link) shows when
 * the platform refused the add: WooCommerce's notice (classic and block themes), Magento's and
 * PrestaShop's error messages, BigCommerce's alert.
 */
export const REFUSED_NOTICE =
  '.woocommerce-error,.wc-block-components-notice-banner.is-error,.message-error,.alert-danger,.alertBox--error';
