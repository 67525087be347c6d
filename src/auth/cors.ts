// CORS for browser SDKs, in the Collector's confighttp shape:
//   cors: { allowed_origins: ["https://*.example.com"], allowed_headers: ["x-custom"], max_age: 7200 }
// Preflights (OPTIONS) are answered before auth: browsers never send credentials on them.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fieldTable } from '../config/field-table.js';
import type { Fields } from '../config/fields.js';

export interface CorsConfig {
  allowedOrigins: string[];
  allowedHeaders: string[];
  /** seconds; 0: no Access-Control-Max-Age */
  maxAge: number;
}

export const CORS_FIELDS = fieldTable({
  allowed_origins: { type: 'strings', doc: 'Origins browsers may send from: `https://app.example.com`, `https://*.example.com` or `*`.' },
  allowed_headers: { type: 'strings', doc: 'Request headers allowed beyond content-type, content-encoding, authorization and x-requested-with.' },
  max_age: { type: 'integer', default: 0, min: 0, doc: 'Seconds browsers may cache a preflight answer; 0 sends no Access-Control-Max-Age.' },
});

export function parseCors(parent: Fields, key = 'cors'): CorsConfig | undefined {
  if (!parent.has(key)) return undefined;
  const f = parent.sub(key, CORS_FIELDS);
  const allowedOrigins = f.get('allowed_origins');
  allowedOrigins.forEach((o, i) => {
    if (o !== '*' && !/^[a-z][a-z0-9+.-]*:\/\/[^/]+$/i.test(o)) f.errors.add(`${f.at('allowed_origins')}[${i}]`, `not an origin such as https://app.example.com or https://*.example.com: "${o}"`);
  });
  return { allowedOrigins, allowedHeaders: f.get('allowed_headers'), maxAge: f.get('max_age') };
}

const BASE_HEADERS = ['content-type', 'content-encoding', 'authorization', 'x-requested-with'];

export class Cors {
  private readonly patterns: RegExp[];
  private readonly allowHeaders: string;

  constructor(private readonly cfg: CorsConfig) {
    this.patterns = cfg.allowedOrigins.map((o) => (o === '*' ? /^.*$/ : new RegExp(`^${o.split('*').map(escapeRe).join('[^/]*')}$`, 'i')));
    this.allowHeaders = [...new Set([...BASE_HEADERS, ...cfg.allowedHeaders.map((h) => h.toLowerCase())])].join(', ');
  }

  private allowed(origin: string): boolean {
    return this.patterns.some((p) => p.test(origin));
  }

  /**
   * Adds CORS headers for an allowed Origin. Returns true when the request was a preflight
   * and has been answered (the caller must not handle it further).
   */
  apply(req: IncomingMessage, res: ServerResponse): boolean {
    const origin = req.headers.origin;
    const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    res.setHeader('vary', 'Origin');
    if (origin === undefined || !this.allowed(origin)) {
      if (preflight) {
        res.writeHead(403, { 'content-length': 0 }).end();
        return true;
      }
      return false;
    }
    res.setHeader('access-control-allow-origin', this.cfg.allowedOrigins.includes('*') ? '*' : origin);
    if (!preflight) return false;
    const h: Record<string, string | number> = {
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': this.allowHeaders,
      'content-length': 0,
    };
    if (this.cfg.maxAge > 0) h['access-control-max-age'] = this.cfg.maxAge;
    res.writeHead(204, h).end();
    return true;
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
