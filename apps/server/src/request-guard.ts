import { isIP } from 'node:net';
import type { MiddlewareHandler } from 'hono';
import { RequestError } from './errors.js';

export interface RequestGuardOptions {
  /** The address the server listens on: its own name is a valid Host unless it is a wildcard (`0.0.0.0`, `::`). */
  host: string;
  /** More Host names to answer (`--allowed-host`): exact names, `.example.com` for it and its subdomains, `*` for any. */
  allowedHosts: readonly string[];
  /** Origins whose pages may call the API (`--cors-origin`), e.g. `https://app.example.com`; `*` for any. */
  corsOrigins: readonly string[];
}

const wildcardHosts = new Set(['', '0.0.0.0', '::', '[::]']);

/** The host name of a Host header or a `--host`, lower case, without port or IPv6 brackets; undefined when malformed. */
function hostName(value: string): string | undefined {
  // A bare IPv6 address (a `--host ::1`); in a Host header it comes in brackets.
  if (isIP(value.trim()) === 6) return value.trim().toLowerCase();
  const match = /^(?:\[([0-9a-f:.]+)\]|([^:[\]\s/@]+))(?::\d{1,5})?$/i.exec(value.trim());
  if (match === null) return undefined;
  const name = (match[1] ?? match[2] ?? '').toLowerCase().replace(/\.$/, '');
  return name === '' ? undefined : name;
}

function loopbackName(name: string): boolean {
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  if (isIP(name) === 6) return name === '::1' || /^::ffff:127\./.test(name);
  return false;
}

/** Names as they are compared: a bare name (a port given with it is dropped); `.suffix` and `*` kept. */
export function normalizeAllowedHost(entry: string): string | undefined {
  const trimmed = entry.trim().toLowerCase();
  if (trimmed === '*') return trimmed;
  if (trimmed.startsWith('.'))
    return hostName(trimmed.slice(1)) === undefined ? undefined : `.${hostName(trimmed.slice(1))}`;
  return hostName(trimmed);
}

/** `scheme://host[:port]` as browsers send it in `Origin`, or `*`; undefined when `entry` is not an origin. */
export function normalizeCorsOrigin(entry: string): string | undefined {
  const trimmed = entry.trim().replace(/\/+$/, '');
  if (trimmed === '*') return trimmed;
  try {
    const url = new URL(trimmed);
    const bare =
      url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '' && url.password === '';
    return (url.protocol === 'http:' || url.protocol === 'https:') && bare ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

const originHost = (origin: string): string | undefined => {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
};

/**
 * What trusted local servers do (Jupyter, Ollama), in one middleware before the API key:
 * - the Host header must name this server (loopback names, the `--host` it listens on, `--allowed-host`), which
 *   defeats DNS rebinding: a page on another name that resolves here gets 403;
 * - a browser request from a page of another origin (`Origin`, or `Sec-Fetch-Site: cross-site`) gets 403 unless
 *   its origin is a `--cors-origin`; then it gets CORS headers, and preflights (OPTIONS) are answered here.
 */
export function requestGuard(options: RequestGuardOptions): MiddlewareHandler {
  const listening = hostName(options.host);
  const allowedHosts = options.allowedHosts.map((entry) => normalizeAllowedHost(entry) as string);
  const corsOrigins = new Set(options.corsOrigins.map((entry) => normalizeCorsOrigin(entry) as string));
  const hostAllowed = (name: string): boolean =>
    loopbackName(name) ||
    (listening !== undefined && !wildcardHosts.has(listening) && name === listening) ||
    allowedHosts.some(
      (entry) =>
        entry === '*' || entry === name || (entry.startsWith('.') && (name === entry.slice(1) || name.endsWith(entry))),
    );

  return async (c, next) => {
    const host = c.req.header('host');
    // HTTP/1.0 clients may leave Host out; browsers always send it.
    if (host !== undefined) {
      const name = hostName(host);
      if (name === undefined || !hostAllowed(name)) {
        throw new RequestError(
          403,
          `this server does not answer to the Host ${JSON.stringify(host.slice(0, 100))}: it answers loopback names, the address it listens on and --allowed-host names; if you reach it by that name on purpose, start it with --allowed-host ${name ?? 'NAME'}.`,
        );
      }
    }

    const origin = c.req.header('origin');
    const fetchSite = c.req.header('sec-fetch-site');
    const crossOrigin =
      origin !== undefined
        ? host === undefined || originHost(origin) !== originHost(`http://${host}`)
        : fetchSite === 'cross-site';
    // A link followed from another site opens the page; the other site cannot read what it shows.
    const navigation =
      origin === undefined &&
      c.req.header('sec-fetch-mode') === 'navigate' &&
      (c.req.method === 'GET' || c.req.method === 'HEAD');
    if (crossOrigin && !navigation) {
      const allowed = corsOrigins.has('*') || (origin !== undefined && corsOrigins.has(origin.toLowerCase()));
      if (!allowed) {
        throw new RequestError(
          403,
          `cross-origin request from ${origin === undefined ? 'another site' : JSON.stringify(origin.slice(0, 100))} refused: this server answers its own pages and programs, not other sites' pages; to let that page call it, start the server with --cors-origin ${origin ?? 'ORIGIN'}.`,
        );
      }
      const corsHeaders: Record<string, string> = { 'access-control-allow-origin': origin ?? '*', vary: 'Origin' };
      const preflight = c.req.method === 'OPTIONS' && c.req.header('access-control-request-method') !== undefined;
      if (preflight) {
        return c.body(null, 204, {
          ...corsHeaders,
          'access-control-allow-methods': 'GET, POST, OPTIONS',
          // The origin is trusted: whatever headers its client sends (the OpenAI SDK adds its own) may come.
          'access-control-allow-headers':
            c.req.header('access-control-request-headers') ?? 'authorization, content-type',
          'access-control-max-age': '600',
          ...(c.req.header('access-control-request-private-network') === 'true'
            ? { 'access-control-allow-private-network': 'true' }
            : {}),
        });
      }
      await next();
      // Error answers too: the page is allowed to read why its request failed.
      for (const [name, value] of Object.entries({
        ...corsHeaders,
        'access-control-expose-headers': 'x-request-id, retry-after',
      }))
        c.header(name, value);
      return;
    }
    await next();
  };
}
