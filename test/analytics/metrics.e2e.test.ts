import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROMETHEUS_CONTENT_TYPE } from '../../src/analytics/metrics';
import type { AnalyticsReport } from '../../src/analytics/report';
import { DirectLineClient } from '../support/directLineClient';
import { http, startApp, TEST_SECRET, type RunningApp } from '../support/server';

const API_TOKEN = 'test-helpdesk-api-token-0123456789';
const QUESTION = '証明書発行用パスワードの再発行方法を教えてください';

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*\})? (-?\d+(?:\.\d+)?(?:e[+-]?\d+)?|NaN|[+-]Inf)$/;

/**
 * Parses the text format 0.0.4 strictly: every line is a HELP, a TYPE or a sample; a family's HELP
 * and TYPE come once, before its samples. Returns the samples by `name{labels}` as printed.
 */
function parseMetrics(text: string): Map<string, number> {
  expect(text.endsWith('\n')).toBe(true);
  const samples = new Map<string, number>();
  const typed = new Map<string, string>();
  const helped = new Set<string>();
  const labelled = new Map<string, boolean>();
  for (const line of text.slice(0, -1).split('\n')) {
    const comment = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (comment) {
      const [, kind, name, rest] = comment as unknown as [string, string, string, string];
      expect(name, line).toMatch(NAME);
      if (kind === 'HELP') {
        expect(helped.has(name), `HELP twice for ${name}`).toBe(false);
        helped.add(name);
      } else {
        expect(typed.has(name), `TYPE twice for ${name}`).toBe(false);
        expect(['counter', 'gauge', 'histogram', 'summary', 'untyped']).toContain(rest);
        typed.set(name, rest);
      }
      continue;
    }
    const sample = SAMPLE.exec(line);
    expect(sample, `not a valid sample line: ${JSON.stringify(line)}`).not.toBeNull();
    const [, name, labels = '', value] = sample as unknown as [string, string, string | undefined, string];
    expect(typed.has(name) && helped.has(name), `${name} has a sample before its HELP and TYPE`).toBe(true);
    if (typed.get(name) === 'counter') expect(name.endsWith('_total'), `counter ${name} must end with _total`).toBe(true);
    expect(samples.has(name + labels), `duplicate sample ${name}${labels}`).toBe(false);
    expect(labelled.get(name) ?? labels !== '', `${name} mixes samples with and without labels`).toBe(labels !== '');
    labelled.set(name, labels !== '');
    samples.set(name + labels, Number(value));
  }
  return samples;
}

describe('GET /metrics and GET /api/analytics', () => {
  let server: RunningApp;
  beforeAll(async () => {
    server = await startApp({ DIRECT_LINE_SECRET: TEST_SECRET, HELPDESK_API_TOKEN: API_TOKEN });
  });
  afterAll(async () => {
    await server?.close();
  });

  const scrape = async () => {
    const res = await http(`${server.base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(PROMETHEUS_CONTENT_TYPE);
    return { text: res.text, samples: parseMetrics(res.text) };
  };

  it('serves the Prometheus text format; the counters grow with a conversation; no message text', async () => {
    const before = await scrape();
    for (const name of [
      'helpdesk_conversations_total',
      'helpdesk_resolved_by_bot_total',
      'helpdesk_escalations_total{reason="unsolved"}',
      'helpdesk_router_decisions_total{decision="off-topic"}',
      'helpdesk_answers_total{topic="certificate"}',
      'process_resident_memory_bytes',
    ]) {
      expect(before.samples.has(name), name).toBe(true);
    }

    const client = await DirectLineClient.start(server.base, TEST_SECRET);
    await client.poll();
    await client.say(QUESTION);
    await client.say('はい');
    await client.say('担当者');

    const after = await scrape();
    const grew = (name: string) => (after.samples.get(name) ?? 0) - (before.samples.get(name) ?? 0);
    expect(grew('helpdesk_conversations_total')).toBe(2);
    expect(grew('helpdesk_resolved_by_bot_total')).toBe(1);
    expect(grew('helpdesk_router_decisions_total{decision="answer"}')).toBe(1);
    expect(grew('helpdesk_answers_total{topic="certificate"}')).toBe(1);
    expect(grew('helpdesk_escalations_total{reason="requested"}')).toBe(1);
    expect(grew('helpdesk_turns_total{channel="directline"}')).toBeGreaterThanOrEqual(3);
    expect(after.text).not.toContain(QUESTION);
    expect(after.text).not.toContain(client.session.conversationId);
  });

  it('/api/analytics needs the helpdesk API token and returns the report as JSON', async () => {
    expect((await http(`${server.base}/api/analytics`)).status).toBe(401);
    expect((await http(`${server.base}/api/analytics`, { auth: 'wrong-token-wrong-token-0000' })).status).toBe(401);
    expect((await http(`${server.base}/api/analytics?days=0`, { auth: API_TOKEN })).status).toBe(400);
    expect((await http(`${server.base}/api/analytics?days=abc`, { auth: API_TOKEN })).status).toBe(400);
    const res = await http<AnalyticsReport>(`${server.base}/api/analytics?days=1&top=5`, { auth: API_TOKEN });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ from: '2026-11-19', to: '2026-11-19', days: 1, timeZone: 'Asia/Tokyo' });
    expect(res.json.summary).toMatchObject({ conversations: 2, resolved: 1, escalated: 1 });
    expect(res.json.containmentRate).toBe(0.5);
  });
});
