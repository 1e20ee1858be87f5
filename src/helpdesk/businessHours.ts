import holidayJp from '@holiday-jp/holiday_jp';
import { z } from 'zod';

/**
 * Opening hours of the helpdesk phone line. Pure: every calendar question is answered in
 * `timeZone` via Intl, so the result does not depend on the server's TZ.
 */

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM (24h)');

/** A real calendar date "YYYY-MM-DD", or "MM-DD" meaning every year (02-29 allowed). */
function isDate(s: string): boolean {
  const m = /^(?:(\d{4})-)?(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1] ?? 2000), Number(m[2]), Number(m[3])]; // 2000: a leap year
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

function isClosure(item: string): boolean {
  const parts = item.split('..');
  if (parts.length > 2 || !parts.every(isDate)) return false;
  const [from, to] = parts as [string, string?];
  if (to === undefined) return true;
  if (from.length !== to.length) return false; // "12-29..2027-01-03" is ambiguous
  return from.length === 5 || from <= to; // MM-DD ranges may wrap the year (12-29..01-03)
}

/** "YYYY-MM-DD", "MM-DD" (every year), or an inclusive range of either form "A..B". */
export const ClosureItem = z
  .string()
  .trim()
  .refine(isClosure, 'expected YYYY-MM-DD, MM-DD or a range A..B of the same form');

export const HoursPolicy = z.strictObject({
  open: HHMM,
  /** Exclusive: with "17:00", 16:59 is open and 17:00 is closed. */
  close: HHMM,
  timeZone: z.string().refine(isTimeZone, 'unknown IANA time zone'),
  closedOnWeekends: z.boolean(),
  /** Includes 振替休日 and 国民の休日, as listed by @holiday-jp/holiday_jp. */
  closedOnNationalHolidays: z.boolean(),
  extraClosedDates: z.array(ClosureItem),
});
export type HoursPolicy = z.infer<typeof HoursPolicy>;

export type ClosedReason = 'before-hours' | 'after-hours' | 'weekend' | 'holiday' | 'closure';

export interface LineStatus {
  open: boolean;
  /** When closed: the next opening instant; absent if none within MAX_DAYS. */
  nextOpen?: Date;
  /** When closed: why. */
  reason?: ClosedReason;
  /** When reason is 'holiday': e.g. "勤労感謝の日". */
  holidayName?: string;
}

/**
 * Parses an env value such as "12-29..01-03,2027-05-06" (blank items ignored).
 * Throws an Error naming the first bad item.
 */
export function parseClosures(text: string): string[] {
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  items.forEach(checkClosure);
  return items;
}

function checkClosure(item: string): void {
  if (!isClosure(item.trim())) {
    throw new Error(`Bad closure date "${item}": expected YYYY-MM-DD, MM-DD or a range A..B of the same form`);
  }
}

const MAX_DAYS = 400;
const WEEKDAYS_JA = ['日', '月', '火', '水', '木', '金', '土'];
// The package's isHoliday(Date) reads the server's local date; keying by our own zone's date avoids that.
const HOLIDAYS = holidayJp.holidays as Readonly<Record<string, { name: string } | undefined>>;

interface Civil { y: number; m: number; d: number; hh: number; mm: number; ss: number }

const formatters = new Map<string, Intl.DateTimeFormat>();
function civil(t: Date, timeZone: string): Civil {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23',
      year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  const p: Record<string, number> = {};
  for (const { type, value } of f.formatToParts(t)) p[type] = Number(value);
  // Some ICU versions print midnight as 24 even with h23.
  return { y: p.year!, m: p.month!, d: p.day!, hh: p.hour! % 24, mm: p.minute!, ss: p.second! };
}

function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The instant at which the wall clock in timeZone reads y-m-d hh:mm. */
function wallToInstant(y: number, m: number, d: number, hh: number, mm: number, timeZone: string): Date {
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  const offsetAt = (t: number): number => {
    const c = civil(new Date(t), timeZone);
    return Date.UTC(c.y, c.m - 1, c.d, c.hh, c.mm, c.ss) - Math.floor(t / 1000) * 1000;
  };
  // Second pass corrects the guess when the offset changes between wall and the result (DST zones).
  const first = wall - offsetAt(wall);
  return new Date(wall - offsetAt(first));
}

const pad = (n: number): string => String(n).padStart(2, '0');
const minutes = (hhmm: string): number => {
  const hm = HHMM.parse(hhmm).split(':');
  return Number(hm[0]) * 60 + Number(hm[1]);
};

function inClosure(item: string, ymd: string): boolean {
  const [from, to = from] = item.trim().split('..') as [string, string?];
  const key = from.length === 5 ? ymd.slice(5) : ymd; // MM-DD items compare month-day only
  return from <= to ? from <= key && key <= to : key >= from || key <= to;
}

/** Why a whole day (a UTC-midnight Date standing for a civil date) is closed, if it is. */
function dayClosed(policy: HoursPolicy, day: Date): Pick<LineStatus, 'reason' | 'holidayName'> | undefined {
  const ymd = day.toISOString().slice(0, 10);
  const holiday = policy.closedOnNationalHolidays ? HOLIDAYS[ymd] : undefined;
  // Most specific first: a holiday has a name; a closure (年末年始) says more than "weekend".
  if (holiday) return { reason: 'holiday', holidayName: holiday.name };
  if (policy.extraClosedDates.some((item) => inClosure(item, ymd))) return { reason: 'closure' };
  const dow = day.getUTCDay();
  if (policy.closedOnWeekends && (dow === 0 || dow === 6)) return { reason: 'weekend' };
  return undefined;
}

export function lineStatus(policy: HoursPolicy, now: Date): LineStatus {
  const [openMin, closeMin] = [minutes(policy.open), minutes(policy.close)];
  if (openMin >= closeMin) throw new Error(`open ${policy.open} must be before close ${policy.close}`);
  policy.extraClosedDates.forEach(checkClosure); // a typo must not silently keep the line "open"
  const c = civil(now, policy.timeZone);
  const today = new Date(Date.UTC(c.y, c.m - 1, c.d)); // civil-date arithmetic, free of any zone
  const closedToday = dayClosed(policy, today);
  const nowMin = c.hh * 60 + c.mm;
  if (!closedToday && nowMin >= openMin && nowMin < closeMin) return { open: true };

  const opening = (day: Date): Date =>
    wallToInstant(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), Math.floor(openMin / 60), openMin % 60, policy.timeZone);
  const status: LineStatus = {
    open: false,
    ...(closedToday ?? { reason: nowMin < openMin ? 'before-hours' : 'after-hours' }),
  };
  if (!closedToday && nowMin < openMin) return { ...status, nextOpen: opening(today) };
  for (let i = 1; i <= MAX_DAYS; i++) {
    const day = new Date(today.getTime() + i * 86_400_000);
    if (!dayClosed(policy, day)) return { ...status, nextOpen: opening(day) };
  }
  return status;
}

/** e.g. "11月24日(火) 9:00" — how the bot tells a user when the line reopens. */
export function formatJst(d: Date, timeZone: string): string {
  const c = civil(d, timeZone);
  const dow = WEEKDAYS_JA[new Date(Date.UTC(c.y, c.m - 1, c.d)).getUTCDay()];
  return `${c.m}月${c.d}日(${dow}) ${c.hh}:${pad(c.mm)}`;
}
