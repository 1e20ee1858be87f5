import { AsyncAction } from 'rxjs/scheduler/AsyncAction';
import { AsyncScheduler } from 'rxjs/scheduler/AsyncScheduler';
import XMLHttpRequest from 'xmlhttprequest-ssl';
import { WebSocket } from 'ws';
import { DirectLine, ConnectionStatus, type Activity } from 'botframework-directlinejs';
import { until } from './until';

/**
 * xmlhttprequest-ssl as a browser's XMLHttpRequest is on a network error (a refused connection, a
 * reset): no response at all. The polyfill leaves an empty Buffer there, which rxjs' ajax takes for
 * a 200 of a cached file (status 0 with a response), so the client would take "the server is down"
 * for a reconnect answer without token or streamUrl.
 */
class BrowserLikeXMLHttpRequest extends XMLHttpRequest {
  constructor() {
    super();
    const response = Object.getOwnPropertyDescriptor(this, 'response')!;
    Object.defineProperty(this, 'response', { ...response, get: () => (this.status === 0 ? null : response.get!.call(this)) });
  }
}

// botframework-directlinejs, the Direct Line client inside Web Chat, expects a browser: it talks
// HTTP through rxjs' ajax (XMLHttpRequest) and streams only where a global WebSocket exists. Node 20
// has neither, so both are polyfilled: ws's client (the library Web Chat's own Node tests use) and
// xmlhttprequest-ssl.
const globals = globalThis as { WebSocket?: unknown; XMLHttpRequest?: unknown };
globals.WebSocket ??= WebSocket;
globals.XMLHttpRequest ??= BrowserLikeXMLHttpRequest;

/**
 * How much faster the client's clock runs. Its timers are fixed: a token refresh every 15 minutes,
 * 3–15 s before reconnecting a dropped socket, an empty message every 20 s. They run on the rxjs
 * scheduler it takes as an option; on this one, 15 minutes pass in 3.75 s.
 */
export const CLIENT_TIME_WARP = 240;

function warpedScheduler(warp: number): AsyncScheduler {
  class WarpedAction<T> extends AsyncAction<T> {
    protected override requestAsyncId(scheduler: AsyncScheduler, id?: unknown, delay = 0): unknown {
      return super.requestAsyncId(scheduler, id, delay / warp);
    }
  }
  const start = Date.now();
  return new AsyncScheduler(WarpedAction as unknown as typeof AsyncAction, () => start + (Date.now() - start) * warp);
}

/** A socket the client opened: its URL (with the watermark it resumed from) and the frames it received. */
export interface ClientSocket {
  url: URL;
  socket: WebSocket;
  frames: string[];
  closed: boolean;
  /** The network stalls: nothing more is read. */
  stall(): void;
  /** The network drops: what was in flight is lost, and the socket closes without a handshake. */
  drop(): void;
}

export type ReceivedActivity = Activity & { id: string };

/**
 * One Web Chat user's Direct Line client against our server: DirectLine from botframework-directlinejs
 * with a token, streaming (webSocket: true, Web Chat's default) or polling. Every activity it
 * delivers is kept in order, and every socket it opens is recorded.
 */
export class DirectLineJsClient {
  readonly directLine: DirectLine;
  readonly activities: ReceivedActivity[] = [];
  readonly sockets: ClientSocket[] = [];
  readonly statuses: ConnectionStatus[] = [];
  readonly errors: unknown[] = [];
  private readonly subscriptions: Array<{ unsubscribe(): void }> = [];

  /**
   * `conversationId` and `watermark`: resume that conversation after the watermark, as Web Chat does
   * for a reloaded page (the client then asks GET conversations/{id}?watermark=N). `timeWarp`: how
   * much faster its clock runs (CLIENT_TIME_WARP by default).
   */
  constructor(base: string, token: string, options: { webSocket: boolean; user?: string; conversationId?: string; watermark?: string; timeWarp?: number }) {
    const sockets = this.sockets;
    // The client opens sockets with `new services.WebSocket(url)`; this one records them.
    class RecordedWebSocket extends WebSocket {
      constructor(url: string) {
        super(url);
        const record: ClientSocket = {
          url: new URL(url),
          socket: this,
          frames: [],
          closed: false,
          stall: () => this.pause(),
          drop: () => {
            // ws hands over what it had buffered when the socket closes; on a real network that is gone.
            this.removeAllListeners('message');
            this.terminate();
          },
        };
        sockets.push(record);
        this.on('message', (data) => record.frames.push(data.toString()));
        this.on('close', () => (record.closed = true));
      }
    }
    this.directLine = new DirectLine({
      token,
      domain: `${base}/v3/directline`,
      webSocket: options.webSocket,
      ...(options.conversationId ? { conversationId: options.conversationId, watermark: options.watermark } : {}),
      pollingInterval: 200,
      scheduler: warpedScheduler(options.timeWarp ?? CLIENT_TIME_WARP),
      WebSocket: RecordedWebSocket as unknown as never,
    });
    this.user = options.user ?? 'dljs-user';
    this.subscriptions.push(
      this.directLine.connectionStatus$.subscribe((status) => this.statuses.push(status)),
      this.directLine.activity$.subscribe(
        (activity) => this.activities.push(activity as ReceivedActivity),
        (err: unknown) => this.errors.push(err),
      ),
    );
  }

  readonly user: string;

  /** Sends a message as Web Chat does; resolves with the id the service gave it. */
  say(text: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.directLine.postActivity({ type: 'message', text, from: { id: this.user }, locale: 'ja-JP' } as Activity).subscribe(resolve, reject);
    });
  }

  /** Waits until an activity matching `match` has arrived; returns it. */
  waitFor(what: string, match: (activity: ReceivedActivity) => boolean, timeoutMs = 10_000): Promise<ReceivedActivity> {
    return until(() => `${what}; got ${JSON.stringify(this.activities.map((a) => [a.id, a.from?.id, textOf(a).slice(0, 20)]))}`, () => this.activities.find(match), timeoutMs);
  }

  /** The client's current token (its refreshes replace it). */
  get token(): string {
    return (this.directLine as unknown as { token: string }).token;
  }

  get online(): boolean {
    return this.statuses.at(-1) === ConnectionStatus.Online;
  }

  end(): void {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.directLine.end();
  }
}

/** An activity's text ('' for those without). */
export function textOf(activity: Activity): string {
  return 'text' in activity && typeof activity.text === 'string' ? activity.text : '';
}
