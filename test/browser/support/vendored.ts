import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The platforms' own published front-end files the browser tests run, unmodified: repository,
 * commit and path of each, and its SHA-256 so a changed byte fails the test instead of passing on
 * someone's edit. The files themselves are not in this repository (third-party code stays out of
 * our commits): test/browser/vendor/SOURCES.md says how to lay them out under ENGAGEKIT_VENDOR_DIR
 * (default test/browser/vendor/files, ignored by git). Without them those tests are skipped, saying so.
 */
export const VENDORED = {
  dawn: {
    repository: 'Shopify/dawn',
    // Tag v15.4.1.
    commit: '9ccdacf81f175c7caeebc28348e50bcb02ef8fc7',
    files: {
      'assets/constants.js': '1f2914e91511472e6b5626c3c856ced06ac6ce23101c4cc9c0b99c67363cf1ce',
      'assets/pubsub.js': 'b2a481f5dea48e04d6d2e9c562f338a2d0ef3b96bea2a4396203ac20b97d24a3',
      'assets/global.js': 'f943ec1c2b1a5ca74955f949a9445c8420832c253ce498f2c57618c9ede4e91e',
      'assets/product-info.js': 'eead2a6640536179aaacf5b1c22a34b181958054b71d2ef256b32557f4462a56',
      'assets/product-form.js': 'ec351c939030d47c1ab8e2181f3d1325f9b8a0f3f1a82537fe1e169edd1c8e52',
    } as Record<string, string>,
  },
  // WooCommerce's archive add buttons (AJAX on; with it off the same links navigate to ?add-to-cart=).
  woocommerce: {
    repository: 'woocommerce/woocommerce',
    commit: '00b72db2f50eb5063094163c42108481b5bfa2fc',
    files: {
      'plugins/woocommerce/client/legacy/js/frontend/add-to-cart.js':
        'cbb9407d28f15dba15c810095fff7e808e96962578723227d8b4015697fd1506',
    } as Record<string, string>,
  },
  // WooCommerce's single-product AJAX add.
  woocommerceSingle: {
    repository: 'woocommerce/woocommerce',
    commit: '35ea7ba2174569102632a9934ad6b49568a8d556',
    files: {
      'plugins/woocommerce/client/legacy/js/frontend/ajax-add-to-cart.js':
        'e976e74cb244216a5d80e66eb5c18f37d0e570f62a8d72125c3015a3e90d88fd',
    } as Record<string, string>,
  },
};

/** Where the vendored files are: `<dir>/<owner>/<name>/<path>`. */
export const VENDOR_DIR = process.env.ENGAGEKIT_VENDOR_DIR || new URL('../vendor/files', import.meta.url).pathname;

/**
 * Why a vendored set cannot be used ('' when every file is there and unmodified): the tests pass it
 * to `describe.skipIf` and print it, so a skip is never silent.
 */
export function missingVendored(set: keyof typeof VENDORED): string {
  const { repository, commit, files } = VENDORED[set];
  for (const [path, sha256] of Object.entries(files)) {
    const file = join(VENDOR_DIR, repository, path);
    if (!existsSync(file))
      return `${repository}@${commit.slice(0, 7)} ${path} is not in ${VENDOR_DIR} (see test/browser/vendor/SOURCES.md)`;
    const found = createHash('sha256').update(readFileSync(file)).digest('hex');
    if (found != sha256) return `${file} is not ${repository}@${commit.slice(0, 7)}'s ${path} (sha256 ${found})`;
  }
  return '';
}

/** One vendored file's text, as published. */
export function vendored(set: keyof typeof VENDORED, path: string): string {
  return readFileSync(join(VENDOR_DIR, VENDORED[set].repository, path), 'utf8');
}
