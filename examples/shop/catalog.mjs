// The demo store's catalogue: eight products, prices in EUR. Variant ids are numbers like
// Shopify's, because they are what the add-to-cart form and /cart/add.js send, and so what
// engagekit reports as the product and variant of a `Product Added`.

/**
 * @typedef {{ id: number, title: string, sku: string }} Variant
 * @typedef {{ id: number, handle: string, title: string, price: number, hue: number, blurb: string, details: string[], variants: Variant[] }} Product
 */

/** Sizes offered by the garments, in order. */
const SIZES = ['S', 'M', 'L'];

/**
 * @param {number} id @param {string} handle @param {string} title @param {number} price
 * @param {string} sku SKU stem; sized products get `-S`, `-M`, `-L`
 * @param {boolean} sized @param {number} hue colour of the placeholder picture
 * @param {string} blurb @param {string[]} details
 * @returns {Product}
 */
function product(id, handle, title, price, sku, sized, hue, blurb, details) {
  const variants = sized
    ? SIZES.map((size, i) => ({ id: id * 10 + i + 1, title: size, sku: `${sku}-${size}` }))
    : [{ id: id * 10 + 1, title: 'One size', sku }];
  return { id, handle, title, price, hue, blurb, details, variants };
}

/** @type {Product[]} */
export const PRODUCTS = [
  product(
    4001,
    't-shirt',
    'T-shirt',
    42,
    'TEE',
    true,
    205,
    'Heavy organic cotton, cut a little boxy, washed soft before it reaches you.',
    ['240 g/m² organic cotton', 'Made in Portugal', 'Machine wash at 30 °C'],
  ),
  product(
    4002,
    'linen-shirt',
    'Linen shirt',
    79,
    'LIN',
    true,
    35,
    'Breathable European linen with mother-of-pearl buttons, for the warm months.',
    ['100% linen', 'Relaxed fit', 'Garment dyed'],
  ),
  product(
    4003,
    'rain-jacket',
    'Rain jacket',
    149,
    'RAIN',
    true,
    160,
    'A light, fully taped shell that packs into its own pocket.',
    ['Recycled polyester', '10,000 mm waterproof', 'Packs to 20 × 12 cm'],
  ),
  product(
    4004,
    'merino-beanie',
    'Merino beanie',
    29,
    'BEAN',
    false,
    350,
    'Fine-gauge merino rib that stays warm and never itches.',
    ['100% merino wool', 'One size', 'Hand wash'],
  ),
  product(
    4005,
    'wool-socks',
    'Wool socks (2 pairs)',
    18,
    'SOCK',
    false,
    280,
    'Cushioned walking socks, reinforced at heel and toe.',
    ['70% merino wool', 'Two pairs', 'Sizes 39–46'],
  ),
  product(
    4006,
    'canvas-tote',
    'Canvas tote',
    24,
    'TOTE',
    false,
    45,
    'A roomy tote in waxed canvas with an inside pocket for keys.',
    ['Waxed cotton canvas', '38 × 42 cm', 'Leather handles'],
  ),
  product(
    4007,
    'ceramic-mug',
    'Ceramic mug',
    16,
    'MUG',
    false,
    15,
    'Thrown by hand in a small studio; every glaze comes out a little different.',
    ['350 ml', 'Dishwasher safe', 'Stoneware'],
  ),
  product(
    4008,
    'notebook',
    'Dot-grid notebook',
    12.5,
    'NOTE',
    false,
    120,
    'A5, 160 pages of 100 g paper that takes fountain pens without bleeding.',
    ['A5, lay-flat binding', '100 g/m² paper', 'Numbered pages'],
  ),
];

export const CURRENCY = 'EUR';

/** @param {string} handle */
export const productByHandle = (handle) => PRODUCTS.find((p) => p.handle === handle);

/** The product and variant of a variant id. @param {unknown} id */
export function variantById(id) {
  const n = Number(id);
  for (const p of PRODUCTS) {
    const v = p.variants.find((x) => x.id === n);
    if (v) return { product: p, variant: v };
  }
  return undefined;
}

/** `€42.00`. @param {number} amount */
export const money = (amount) => '€' + amount.toFixed(2);
