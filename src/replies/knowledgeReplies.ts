import type { HoursPolicy } from '../helpdesk/businessHours';
import { formatJst, lineStatus } from '../helpdesk/businessHours';
import type { Contact, Entry, Source } from '../knowledge/schema';
import type { ContactBlock, Reply } from './model';

const GUIDE_TITLES: Record<Source['guide'], string> = {
  certificate: 'スタートガイド 電子証明書インストール手順',
  onboarding: 'スタートガイド 導入フロー編',
};

/** "スタートガイド 電子証明書インストール手順 3-1 介護DX証明書のインストール (1/10–10/10)" */
export function sourceLabel(source: { guide: Source['guide']; section: string; slide?: string }): string {
  return `${GUIDE_TITLES[source.guide]} ${source.section}${source.slide ? ` (${source.slide})` : ''}`;
}

/**
 * One guide entry as a reply: its lead text, numbered steps, notes and source. When the user's
 * situation is known (`situation`, a key of entry.cases), only that case is said, first;
 * otherwise every case is listed as a note.
 */
export function entryReply(entry: Entry, situation?: string): Reply {
  const text: string[] = [];
  if (entry.kind === 'faq') text.push(`${entry.number}. ${entry.question}`, entry.answer);
  else if (entry.kind === 'error') text.push(`「${entry.message}」`, entry.answer);
  else if (entry.summary) text.push(entry.summary);
  const chosenCase = situation === undefined ? undefined : entry.cases[situation];
  if (chosenCase) text.unshift(chosenCase);
  // Steps spread over several slides cite the range, e.g. (1/10–10/10).
  const slides = [...new Set(entry.steps.map((s) => s.slide).filter((s): s is string => s !== undefined))];
  const slide = slides.length > 1 ? `${slides[0]}–${slides.at(-1)}` : entry.source.slide;
  return {
    title: entry.title,
    text,
    steps: entry.steps.map((s) => ({ text: s.text, notes: s.notes })),
    notes: chosenCase ? entry.notes : [...entry.notes, ...Object.values(entry.cases)],
    source: sourceLabel({ ...entry.source, slide }),
  };
}

export function hoursPolicy(contact: Contact, extraClosedDates: string[]): HoursPolicy {
  return {
    open: contact.hours.open,
    close: contact.hours.close,
    timeZone: contact.hours.timeZone,
    closedOnWeekends: contact.closedOnWeekends,
    closedOnNationalHolidays: contact.closedOnNationalHolidays,
    extraClosedDates,
  };
}

/** The helpdesk contact with whether the phone line is open now, computed in the helpdesk's time zone. */
export function contactBlock(contact: Contact, policy: HoursPolicy, now: Date): ContactBlock {
  const status = lineStatus(policy, now);
  const next = status.nextOpen ? `次の受付開始は${formatJst(status.nextOpen, policy.timeZone)}です。` : '';
  const why = status.reason === 'holiday' && status.holidayName ? `（本日は${status.holidayName}のため休業です）` : '';
  return {
    name: contact.name,
    phone: contact.phone,
    hoursText: contact.hoursText,
    open: status.open,
    status: status.open ? 'ただいま電話受付時間内です。' : `ただいま電話受付時間外です${why}。${next}`,
    supportSiteUrl: contact.supportSiteUrl,
    inquiryForm: contact.inquiryForm,
  };
}
