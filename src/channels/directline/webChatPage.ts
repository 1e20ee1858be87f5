import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Request, Response, Server } from 'restify';
import type { Mountable } from '../channel';
import type { DirectLineChannel } from './directLineChannel';

/** The page's token endpoint: the one way to open a Direct Line conversation without the secret. */
export const WEBCHAT_TOKEN_PATH = '/api/webchat/token';

const PUBLIC_DIR = join(__dirname, 'public');
// The stock bundle from node_modules: no CDN, so the page works offline and vendors see the same control.
const WEBCHAT_BUNDLE = join(dirname(require.resolve('botframework-webchat')), '..', 'dist', 'webchat.js');

/**
 * `GET /`: a chat page for trying the bot in a browser. It gets a Direct Line token from a
 * same-origin endpoint that answers only the configured origins (by default: the page's own origin),
 * so the secret never leaves the server.
 */
export class WebChatPage implements Mountable {
  private readonly files: Record<string, { type: string; body: Buffer }>;

  constructor(
    private readonly directLine: DirectLineChannel,
    /** Empty: only the server's own origin, as the browser addressed it. */
    private readonly allowedOrigins: ReadonlySet<string>,
  ) {
    this.files = {
      '/': { type: 'text/html; charset=utf-8', body: readFileSync(join(PUBLIC_DIR, 'index.html')) },
      '/webchat/page.js': { type: 'application/javascript; charset=utf-8', body: readFileSync(join(PUBLIC_DIR, 'page.js')) },
      '/webchat/webchat.js': { type: 'application/javascript; charset=utf-8', body: readFileSync(WEBCHAT_BUNDLE) },
    };
  }

  mount(server: Server): void {
    for (const [path, file] of Object.entries(this.files)) {
      server.get(path, async (_req: Request, res: Response) => {
        res.writeHead(200, { 'content-type': file.type, 'content-length': file.body.length, 'cache-control': 'no-cache' });
        res.end(file.body);
      });
    }
    server.post(WEBCHAT_TOKEN_PATH, async (req: Request, res: Response) => {
      const origin = req.header('origin');
      const allowed = this.allowedOrigins.size > 0 ? this.allowedOrigins.has(origin) : origin === `http://${req.header('host')}` || origin === `https://${req.header('host')}`;
      if (!origin || !allowed) {
        res.send(403, { error: { code: 'Forbidden', message: 'this origin may not start a chat' } });
        return;
      }
      res.header('access-control-allow-origin', origin);
      res.send(200, await this.directLine.newConversationToken());
    });
  }
}
