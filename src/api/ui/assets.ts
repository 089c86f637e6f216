// The reports page's files (HTML, one script, one stylesheet), read once at start-up and served by
// the service itself: no CDN, nothing from the internet.
import type { FastifyReply } from 'fastify';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Headers of every page answer: only this site's own script and styles run, no framing, and no
 * Referer leaves with a signed download link.
 */
export const PAGE_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * Where the files are: beside this module in the sources (tsx), or in dist/ui-assets once built
 * (the build copies them; this module then sits in dist/ or dist/chunks/).
 */
function assetsDir(): string {
  const candidates = ['./assets/', '../ui-assets/', './ui-assets/'].map((relative) => fileURLToPath(new URL(relative, import.meta.url)));
  const found = candidates.find((dir) => existsSync(`${dir}index.html`));
  if (!found) throw new Error(`the reports page's files are missing (looked in ${candidates.join(', ')}); rebuild with npm run build`);
  return found;
}

let loaded: Map<string, Asset> | undefined;

const HEAD = '<!-- head -->\n';
const MAIN = '<!-- main -->\n';

const assetOf = (body: Buffer, type: string): Asset => ({ body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });

/**
 * Every file of the page, by name. The text pages (sign-in, signed out, refusals) share their head
 * and header: each `pages/<name>.html` holds only its own head lines and its text, split by
 * `<!-- main -->`, and is set into `pages/_layout.html` here, once, as `<name>.html`.
 */
export function pageAssets(): Map<string, Asset> {
  if (loaded) return loaded;
  const dir = assetsDir();
  loaded = new Map();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (type) loaded.set(name, assetOf(readFileSync(`${dir}${name}`), type));
  }
  const layout = readFileSync(`${dir}pages/_layout.html`, 'utf8');
  for (const name of readdirSync(`${dir}pages`).filter((n) => n.endsWith('.html') && !n.startsWith('_'))) {
    const parts = readFileSync(`${dir}pages/${name}`, 'utf8').split(MAIN);
    if (parts.length !== 2) throw new Error(`pages/${name} must hold one ${MAIN.trim()} line`);
    // Functions, not strings, as replacements: a page's text may hold `$&` and the like.
    const page = layout.replace(HEAD, () => parts[0]!).replace(MAIN, () => parts[1]!);
    loaded.set(name, assetOf(Buffer.from(page), TYPES['.html']!));
  }
  return loaded;
}

/** Sends one of the page's HTML files, never cached (a sign-in page must not be replayed from cache). */
export function sendPage(reply: FastifyReply, name: string, status = 200) {
  const asset = pageAssets().get(name)!;
  return reply.code(status).headers(PAGE_HEADERS).type(asset.type).header('cache-control', 'no-store').send(asset.body);
}
