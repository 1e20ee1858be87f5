import type { Request, Response, Server } from 'restify';

/** Text for HTML: every character that could open markup or leave an attribute is escaped. */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Only our own scripts, styles and images; no framing; forms post only here. */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

/**
 * A helpdesk page: Japanese, our stylesheet, and `head` for extra tags (scripts, the CSRF token's meta).
 * `body` is HTML the caller has escaped.
 */
export function sendPage(res: Response, status: number, page: { title: string; body: string; head?: string; headers?: Record<string, string | string[]> }): void {
  const html = `<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<link rel="stylesheet" href="/helpdesk/assets/helpdesk.css">
${page.head ?? ''}
</head>
<body>
${page.body}
</body>
</html>
`;
  const body = Buffer.from(html, 'utf8');
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'content-length': body.length, ...page.headers });
  res.end(body);
}

/** The helpdesk's pages, linked from every one's header. */
const NAV = [
  { path: '/helpdesk', label: '対応キュー' },
  { path: '/helpdesk/dashboard', label: 'ダッシュボード' },
];

/**
 * The header every helpdesk page shares: its title, the links between the pages (`current` marked),
 * then `end` (HTML: a status, the sign-out form).
 */
export function pageHeader(title: string, current: string, end: string): string {
  const links = NAV.map((n) => `<a href="${n.path}"${n.path === current ? ' aria-current="page"' : ''}>${n.label}</a>`).join('');
  return `<header class="bar">
<h1>${escapeHtml(title)}</h1>
<nav aria-label="ヘルプデスク">${links}</nav>
${end}
</header>`;
}

/** A page's scripts and styles, open to all (they hold no data), revalidated on every load so a deploy shows at once. */
export function serveFiles(server: Server, files: Record<string, { type: string; body: Buffer }>): void {
  for (const [path, file] of Object.entries(files)) {
    server.get(path, async (_req: Request, res: Response) => {
      res.writeHead(200, { 'content-type': file.type, 'content-length': file.body.length, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
      res.end(file.body);
    });
  }
}
