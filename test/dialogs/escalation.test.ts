import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { kb, say, testBot } from '../support/testBot';
import { contact, play, statusLine, type Scenario } from './conversation';

/** A Japan wall-clock time as an instant; the explicit offset makes it independent of the process TZ. */
const jst = (wall: string): Date => new Date(`${wall}:00+09:00`);

interface Row {
  label: string;
  wall: string;
  closures?: string[];
  /** Open now, or closed with the next opening as the bot prints it (and the holiday it names). */
  expected: { open: true } | { open: false; next: string; holiday?: string };
}

const open = { open: true } as const;
const closed = (next: string, holiday?: string) => ({ open: false, next, holiday }) as const;
const YEAR_END = ['12-29..01-03'];

const rows: Row[] = [
  { label: 'weekday 8:59', wall: '2026-11-19T08:59', expected: closed('11月19日(木) 9:00') },
  { label: 'weekday 9:00', wall: '2026-11-19T09:00', expected: open },
  { label: 'weekday 16:59', wall: '2026-11-19T16:59', expected: open },
  { label: 'weekday 17:00', wall: '2026-11-19T17:00', expected: closed('11月20日(金) 9:00') },
  { label: 'Friday 17:00 before a holiday Monday', wall: '2026-11-20T17:00', expected: closed('11月24日(火) 9:00') },
  ...['08:59', '09:00', '16:59', '17:00'].map((hhmm): Row => ({ label: `Saturday ${hhmm}`, wall: `2026-11-21T${hhmm}`, expected: closed('11月24日(火) 9:00') })),
  ...['08:59', '09:00', '16:59', '17:00'].map((hhmm): Row => ({ label: `national holiday 2026-11-23 ${hhmm}`, wall: `2026-11-23T${hhmm}`, expected: closed('11月24日(火) 9:00', '勤労感謝の日') })),
  ...['08:59', '09:00', '16:59', '17:00'].map((hhmm): Row => ({ label: `closure 12-29..01-03, Tue 12-29 ${hhmm}`, wall: `2026-12-29T${hhmm}`, closures: YEAR_END, expected: closed('1月4日(月) 9:00') })),
  { label: 'the day before the closure, 16:59', wall: '2026-12-28T16:59', closures: YEAR_END, expected: open },
  { label: 'the day before the closure, 17:00', wall: '2026-12-28T17:00', closures: YEAR_END, expected: closed('1月4日(月) 9:00') },
  { label: 'the same Tuesday without the closure configured, 9:00', wall: '2026-12-29T09:00', expected: open },
];

function checkStatus(line: string | null | undefined, expected: Row['expected']): void {
  expect(line, 'the contact says whether the line is open').toBeTruthy();
  if (expected.open) {
    expect(line).toMatch(/受付時間内です/);
    expect(line).not.toMatch(/次の受付開始/);
  } else {
    expect(line).toMatch(/受付時間外です/);
    expect(line).toContain(`次の受付開始は${expected.next}`);
    if (expected.holiday) expect(line).toContain(expected.holiday);
  }
}

describe('escalation', () => {
  const scenarios: Scenario[] = [
    { name: '担当者に相談 from the menu opens a hand-off and shows phone, hours and the line status', says: [['こんにちは'], ['担当者に相談', '担当者におつなぎします', contact]] },
    { name: 'number 6 from the menu', says: [['6', contact]] },
    {
      name: 'the contact also names the support site and its inquiry form',
      says: [['担当者に相談', kb.contact.supportSiteUrl, kb.contact.inquiryForm, kb.contact.name]],
    },
    { name: 'the contact cites its source', says: [['担当者に相談', '出典: スタートガイド 導入フロー編 お問い合わせ']] },
  ];
  for (const s of scenarios) it(s.name, () => play(s.says));
});

describe('business hours at the edges (JST clock given to the bot)', () => {
  for (const row of rows) {
    it(`${row.label}: ${row.expected.open ? 'open' : `closed, next ${row.expected.next}`}`, async () => {
      const { adapter } = testBot({ now: jst(row.wall), closures: row.closures });
      checkStatus(statusLine(await say(adapter, '担当者に相談')), row.expected);
    });
  }

  it('the unsolved path (いいえ) shows the same status', async () => {
    const { adapter } = testBot({ now: jst('2026-11-23T10:00') });
    await say(adapter, '介護DX証明書のインストール方法を教えてください');
    checkStatus(statusLine(await say(adapter, 'いいえ')), closed('11月24日(火) 9:00', '勤労感謝の日'));
  });
});

// Setting TZ inside this process is unreliable once Dates exist, so each zone runs the real bot in a fresh node.
describe('the same instants with the server in other time zones', () => {
  const root = path.resolve(__dirname, '../..');
  const probe = path.join(__dirname, 'escalationStatusProbe.ts');
  const cases = rows.map((r) => ({ now: jst(r.wall).toISOString(), closures: r.closures }));

  async function runIn(tz: string): Promise<{ tz: string; offset: number; lines: Array<string | null> }> {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', probe], {
      cwd: root,
      env: { ...process.env, TZ: tz, CASES: JSON.stringify(cases) },
      timeout: 60_000,
    });
    return JSON.parse(stdout.trim().split('\n').at(-1)!);
  }

  it('prints identical status lines in Asia/Tokyo, UTC and America/New_York, each the right one', async () => {
    const [tokyo, utc, newYork] = await Promise.all(['Asia/Tokyo', 'UTC', 'America/New_York'].map(runIn));
    // Proves each child really ran in its zone (19 Nov 2026: JST +9, UTC, EST -5).
    expect([tokyo!.offset, utc!.offset, newYork!.offset]).toEqual([-540, 0, 300]);
    expect(utc!.lines).toEqual(tokyo!.lines);
    expect(newYork!.lines).toEqual(tokyo!.lines);
    rows.forEach((row, i) => checkStatus(tokyo!.lines[i], row.expected));
  }, 120_000);
});
