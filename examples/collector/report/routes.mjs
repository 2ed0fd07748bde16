/**
 * The engagement report's routes, served by the collector: the dashboard page, its assets, the
 * metrics API and CSV exports. Returns true when it answered the request.
 *
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {URL} url
 * @param {import('../store.mjs').Store} store
 * @returns {Promise<boolean>}
 */
export async function handleReport(req, res, url, store) {
  return false;
}
