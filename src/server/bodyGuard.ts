import type { Next, Request, RequestHandler, Response } from 'restify';

/**
 * A `pre` handler for bodies no route takes, refused before anything reads them:
 * - a Content-Length over `maxBodyBytes`: 413 (restify's parser would read, and drop, all of it first;
 *   the connection is closed rather than drained);
 * - a Content-Encoding (gzip…): 415. No client of ours compresses requests, and restify would inflate
 *   them without a bound on the inflated size;
 * - multipart/form-data: 415. restify would hand it to formidable, which writes uploads to the temp
 *   directory, past the body limit, before any route's authorization;
 * - text/csv, text/tsv, text/tab-separated-values: 415. restify's CSV parser throws on most input,
 *   which became a 500.
 * Bodies sent chunked (no Content-Length) are still cut at `maxBodyBytes` by the routes' parsers
 * (Slack's at Bolt's 4 MB).
 */
/** Body types restify's bodyParser would hand to a parser no route wants. */
const REFUSED_TYPES = /^\s*(?:multipart\/|text\/(?:csv|tsv|tab-separated-values)\b)/i;

export function bodyGuard(maxBodyBytes: number): RequestHandler {
  return (req: Request, res: Response, next: Next) => {
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > maxBodyBytes) {
      res.setHeader('connection', 'close');
      res.send(413, { error: { code: 'PayloadTooLarge', message: `the body must be at most ${maxBodyBytes} bytes` } });
      return next(false);
    }
    const encoding = req.headers['content-encoding']?.trim().toLowerCase();
    if (encoding && encoding !== 'identity') {
      res.send(415, { error: { code: 'UnsupportedMediaType', message: 'compressed request bodies are not accepted' } });
      return next(false);
    }
    if (REFUSED_TYPES.test(req.headers['content-type'] ?? '')) {
      res.send(415, { error: { code: 'UnsupportedMediaType', message: 'multipart, CSV and TSV bodies are not accepted' } });
      return next(false);
    }
    return next();
  };
}
