import type { Response } from 'restify';

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
