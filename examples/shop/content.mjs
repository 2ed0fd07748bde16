// Editorial pages of the demo store: a journal and two information pages, long enough that
// visitors scroll (engagekit reports the scroll depth of each page view).

export const ARTICLES = [
  {
    handle: 'sourcing-organic-cotton',
    title: 'Where our cotton comes from',
    summary: 'A visit to the cooperative in the Aegean that grows the cotton for our T-shirts.',
    product: 't-shirt',
    paragraphs: [
      'Every T-shirt we sell starts in a field near the Aegean coast, where a cooperative of forty families has grown cotton without synthetic pesticides for more than a decade.',
      'Organic cotton is slower. The plants are rotated with chickpeas and wheat to keep the soil alive, weeds are pulled by hand in early summer, and the harvest waits until the bolls open on their own.',
      'The fibre is ginned a few kilometres away and spun in Portugal into a yarn that is heavier than most: 240 grams a square metre once knitted. That weight is why the shirts hold their shape after years of washing.',
      'We pay the cooperative a fixed price agreed before planting, so a bad season on the commodity markets never becomes their problem.',
      'Before a shirt reaches you it is washed once, at low temperature, so that it has already shrunk the little it will ever shrink. The size you order is the size you keep.',
      'If you have a shirt from our first batch, five years old now, we would love to hear how it has aged. Write to us: the best stories end up in the next letter from the workshop.',
      'Next spring we will go back for the sowing, and bring a camera this time.',
    ],
  },
  {
    handle: 'caring-for-merino',
    title: 'Caring for merino: less washing, more airing',
    summary: 'Wool cleans itself better than you think. A short guide to keeping it soft for years.',
    product: 'merino-beanie',
    paragraphs: [
      'Merino is the most forgiving fibre we know. Its scales shed dirt, its lanolin resists smells, and a night on a hanger by an open window does more for it than a wash.',
      'When it does need washing, use cold water and a wool detergent, and never wring it. Roll it in a towel to press the water out, then dry it flat, away from the radiator.',
      'Pilling is normal in the first weeks: short fibres work their way to the surface. A wool comb lifts them off in a minute, and they stop coming once the loose ends are gone.',
      'Moths love clean wool less than worn wool. Store your knitwear washed, folded, in a drawer with a few cedar blocks, and take it out now and then.',
      'A small hole is not the end. Darning is a pleasant evening with a radio, and a contrasting thread makes the repair part of the piece.',
      'Treated this way, a beanie outlives several winters, and the socks many more walks than their price suggests.',
    ],
  },
  {
    handle: 'weekend-packing-list',
    title: 'A packing list for a wet weekend',
    summary: 'Everything we take for two days on the coast in October, and what we leave at home.',
    product: 'rain-jacket',
    paragraphs: [
      'Two days, one bag, and a forecast that promises rain: the best kind of weekend on the coast, when the beaches are empty and the cafés are warm.',
      'The shell goes on top, packed into its own pocket. It weighs less than a paperback and turns a downpour into a walk.',
      'Underneath: two T-shirts, one linen shirt for the evening, a merino layer for the wind. Cotton next to the skin is fine when you will be dry by dinner.',
      'Socks deserve more thought than they get. Wool dries overnight on a radiator and does not smell on the second day; two pairs are enough.',
      'A tote for the market on Saturday morning, a notebook for the tide times and the names of the good places, and a mug for the thermos at the lighthouse.',
      'What stays at home: the umbrella (the wind wins), the second pair of shoes, and the laptop.',
      'Come back tired, a little salty, and with a page of notes for next time.',
    ],
  },
];

/** @type {Record<string, { title: string, paragraphs: string[] }>} */
export const PAGES = {
  about: {
    title: 'About us',
    paragraphs: [
      'Harbor & Pine is a small store for well-made everyday things: clothes, a few things for the kitchen and the desk, and nothing we would not use ourselves.',
      'We work with a handful of workshops in Portugal, Italy and the Netherlands, and we visit each of them every year.',
      'We make small batches and reorder what people love. When something sells out, it usually comes back a few weeks later.',
      'This store is a demo for engagekit, a browser SDK for engagement analytics: every page view, cart, checkout and form you use here is measured by its script tag alone.',
    ],
  },
  shipping: {
    title: 'Shipping and returns',
    paragraphs: [
      'We ship within two working days to the European Union. Shipping is free to every country of the European Union.',
      'You have 30 days to return anything unworn and unwashed, for a full refund. Use the return label in your parcel.',
      'Exchanges of sizes are free: send the item back and tell us the size you need.',
    ],
  },
};
