import type { MiddlewareHandler } from 'hono';
import { RequestError } from './errors.js';

const jsonContentType = /^application\/json\s*(?:;|$)/i;

/**
 * POST bodies must be `application/json` (charset and other parameters allowed), else 415. The content types a
 * page may POST to another site without a CORS preflight (forms, `text/plain`) are thereby refused, even where
 * the origin checks cannot see the page. FlagAI's client (`requests.post(url, json=…)`) sends application/json.
 */
export function requireJsonBody(): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === 'POST') {
      const type = c.req.header('content-type');
      if (type === undefined || !jsonContentType.test(type)) {
        throw new RequestError(
          415,
          `POST bodies must be JSON sent with "Content-Type: application/json", got ${type === undefined ? 'no Content-Type' : JSON.stringify(type.slice(0, 100))}; with curl, add -H 'Content-Type: application/json'.`,
        );
      }
    }
    await next();
  };
}
