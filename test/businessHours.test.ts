import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import holidayJp from '@holiday-jp/holiday_jp';
import { describe, expect, it } from 'vitest';
import { HoursPolicy, formatJst, lineStatus, parseClosures, type LineStatus } from '../src/helpdesk/businessHours';
import { loadKnowledge } from '../src/knowledge/loader';
import { hoursPolicy } from '../src/replies/knowledgeReplies';

// The hours of the shipped contact.yaml, plus closures as an operator would configure them.
const policy: HoursPolicy = hoursPolicy(loadKnowledge().contact, parseClosures('12-29..01-03, 2027-05-06'));
/** A Japan wall-clock time "YYYY-MM-DDTHH:MM" as an instant; the explicit offset makes it TZ-independent. */
const jst = (wall: string): Date => new Date(`${wall}:00+09:00`);
const holidayName = (ymd: string): string | undefined =>
  (holidayJp.holidays as Record<string, { name: string } | undefined>)[ymd]?.name;

type Row = [label: string, now: string, expected: Omit<LineStatus, 'nextOpen'> & { next?: string }];
const rows: Row[] = [
  ['Thu 8:59 is before hours, opens 9:00 the same day', '2026-11-19T08:59', { open: false, reason: 'before-hours', next: '2026-11-19T09:00' }],
  ['Thu 0:00 JST (still Wednesday in UTC) opens that morning', '2026-11-19T00:00', { open: false, reason: 'before-hours', next: '2026-11-19T09:00' }],
  ['Thu 9:00 is open', '2026-11-19T09:00', { open: true }],
  ['Thu 16:59 is open', '2026-11-19T16:59', { open: true }],
  ['Thu 17:00 is closed until Fri 9:00', '2026-11-19T17:00', { open: false, reason: 'after-hours', next: '2026-11-20T09:00' }],
  ['Fri 17:00 reopens Mon 9:00', '2026-11-13T17:00', { open: false, reason: 'after-hours', next: '2026-11-16T09:00' }],
  ['Saturday', '2026-11-14T12:00', { open: false, reason: 'weekend', next: '2026-11-16T09:00' }],
  ['Sunday before 9:00 is weekend, not before-hours', '2026-11-15T08:00', { open: false, reason: 'weekend', next: '2026-11-16T09:00' }],
  ['Fri 17:00 before a holiday Monday reopens Tue', '2026-11-20T17:00', { open: false, reason: 'after-hours', next: '2026-11-24T09:00' }],
  ['勤労感謝の日 (Mon)', '2026-11-23T10:00', { open: false, reason: 'holiday', holidayName: '勤労感謝の日', next: '2026-11-24T09:00' }],
  ['振替休日', '2026-05-06T10:00', { open: false, reason: 'holiday', holidayName: holidayName('2026-05-06'), next: '2026-05-07T09:00' }],
  ['国民の休日', '2026-09-22T10:00', { open: false, reason: 'holiday', holidayName: holidayName('2026-09-22'), next: '2026-09-24T09:00' }],
  ['Golden Week: Fri 17:00 reopens Thu 5/7', '2026-05-01T17:00', { open: false, reason: 'after-hours', next: '2026-05-07T09:00' }],
  ['last day before 12-29..01-03 reopens 01-04', '2026-12-28T17:00', { open: false, reason: 'after-hours', next: '2027-01-04T09:00' }],
  ['inside the year-end closure', '2026-12-30T10:00', { open: false, reason: 'closure', next: '2027-01-04T09:00' }],
  ['元日 inside the closure reports the holiday', '2027-01-01T10:00', { open: false, reason: 'holiday', holidayName: '元日', next: '2027-01-04T09:00' }],
  ['Saturday inside the closure reports the closure', '2027-01-02T10:00', { open: false, reason: 'closure', next: '2027-01-04T09:00' }],
  ['01-03 on a Monday: reopens Tue 01-04', '2027-12-28T17:00', { open: false, reason: 'after-hours', next: '2028-01-04T09:00' }],
  ['Golden Week plus a one-off closure 2027-05-06', '2027-04-30T17:00', { open: false, reason: 'after-hours', next: '2027-05-07T09:00' }],
  ['the one-off closure itself', '2027-05-06T09:30', { open: false, reason: 'closure', next: '2027-05-07T09:00' }],
];

const expected = (e: Row[2]): unknown => {
  const { next, ...rest } = e;
  return JSON.parse(JSON.stringify(next ? { ...rest, nextOpen: jst(next) } : rest));
};

describe('holiday data the table relies on', () => {
  it.each([
    ['2026-11-23', '勤労感謝の日'],
    ['2026-05-06', '振替休日'],
    ['2026-09-22', '休日'],
    ['2027-01-01', '元日'],
  ])('%s is %s in @holiday-jp/holiday_jp', (ymd, name) => {
    expect(holidayName(ymd)).toContain(name);
  });
  it.each(['2026-11-24', '2026-05-07', '2026-09-24', '2027-01-04', '2028-01-04', '2027-05-07'])('%s is a working day', (ymd) => {
    expect(holidayName(ymd)).toBeUndefined();
  });
});

describe('lineStatus', () => {
  it.each(rows)('%s (%s JST)', (_label, now, e) => {
    expect(JSON.parse(JSON.stringify(lineStatus(policy, jst(now))))).toEqual(expected(e));
  });

  it('honours the weekend and holiday switches', () => {
    expect(lineStatus({ ...policy, closedOnWeekends: false }, jst('2026-11-14T12:00')).open).toBe(true);
    expect(lineStatus({ ...policy, closedOnNationalHolidays: false }, jst('2026-11-23T10:00')).open).toBe(true);
  });

  it('gives no nextOpen when nothing opens within the search bound', () => {
    expect(lineStatus({ ...policy, extraClosedDates: ['01-01..12-31'] }, jst('2026-11-19T10:00'))).toEqual({ open: false, reason: 'closure' });
  });

  it('rejects a malformed closure instead of ignoring it', () => {
    expect(() => lineStatus({ ...policy, extraClosedDates: ['12/29'] }, jst('2026-11-19T10:00'))).toThrow('12/29');
  });
});

describe('parseClosures', () => {
  it('accepts dates, every-year dates and ranges, ignoring blanks', () => {
    expect(parseClosures(' 12-29..01-03 ,2027-05-06,,08-13..08-15')).toEqual(['12-29..01-03', '2027-05-06', '08-13..08-15']);
    expect(parseClosures('')).toEqual([]);
    expect(HoursPolicy.parse(policy)).toEqual(policy);
  });
  it.each(['12/29', '13-01', '2027-02-30', '12-29..2027-01-03', '2027-01-05..2027-01-01', '01-01..02-01..03-01'])(
    'names the bad item %s',
    (bad) => {
      expect(() => parseClosures(`01-02,${bad}`)).toThrow(bad);
    },
  );
});

describe('formatJst', () => {
  it('prints month, day, weekday and time in Japanese', () => {
    expect(formatJst(jst('2026-11-24T09:00'), 'Asia/Tokyo')).toBe('11月24日(火) 9:00');
    expect(formatJst(jst('2027-01-04T17:05'), 'Asia/Tokyo')).toBe('1月4日(月) 17:05');
  });
});

// Setting process.env.TZ in-process is unreliable once Dates exist, so evaluate in fresh node processes.
describe.each(['UTC', 'America/New_York'])('with the server in TZ=%s', (tz) => {
  it('gives the same answers', async () => {
    const root = path.resolve(__dirname, '..');
    const code = `
      const b = require(${JSON.stringify(path.join(root, 'src/helpdesk/businessHours.ts'))});
      const { policy, instants } = JSON.parse(process.env.CASES);
      console.log(JSON.stringify({
        offset: new Date('2026-11-19T00:00:00Z').getTimezoneOffset(),
        statuses: instants.map((t) => b.lineStatus(policy, new Date(t))),
        formatted: b.formatJst(new Date('2026-11-24T00:00:00Z'), 'Asia/Tokyo'),
      }));`;
    const cases = JSON.stringify({ policy, instants: rows.map(([, now]) => jst(now).toISOString()) });
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', code], {
      cwd: root,
      env: { ...process.env, TZ: tz, CASES: cases },
    });
    const out = JSON.parse(stdout);
    expect(out.offset).toBe(tz === 'UTC' ? 0 : 300); // proves the child really ran in that zone
    expect(out.statuses).toEqual(rows.map(([, , e]) => expected(e)));
    expect(out.formatted).toBe('11月24日(火) 9:00');
  });
});
