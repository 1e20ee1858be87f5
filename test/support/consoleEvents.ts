import { expect } from 'vitest';
import type { ConsoleEvent } from '../../src/helpdeskConsole/eventFeed';
import { until } from './until';

/** A console's event stream, read with fetch as the page reads it (`headers`: the session cookie). */
export class EventStream {
  readonly frames: Array<{ id?: string; event: string; data: string }> = [];
  private readonly abort = new AbortController();
  closed = false;

  static async open(base: string, headers: Record<string, string>, lastEventId?: string): Promise<EventStream> {
    const stream = new EventStream();
    const res = await fetch(`${base}/helpdesk/api/events`, { headers: { ...headers, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) }, signal: stream.abort.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    void stream.read(res.body!);
    await until('the stream is ready', () => stream.frames.some((f) => f.event === 'ready'));
    return stream;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    let buffer = '';
    const reader = body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const lines = buffer.slice(0, end).split('\n');
          buffer = buffer.slice(end + 2);
          if (lines.every((l) => l.startsWith(':'))) continue;
          const field = (name: string) => lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
          this.frames.push({ id: field('id'), event: field('event') ?? 'message', data: field('data') ?? '' });
        }
      }
    } catch {
      // aborted
    }
    this.closed = true;
  }

  tickets(): ConsoleEvent[] {
    return this.frames.filter((f) => f.event === 'ticket').map((f) => JSON.parse(f.data) as ConsoleEvent);
  }

  close(): void {
    this.abort.abort();
  }
}
