import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadKnowledge } from '../../src/knowledge/loader';
import type { Entry } from '../../src/knowledge/schema';

const kb = loadKnowledge();
const GUIDES_DIR = join(__dirname, '../../../shared/guides');
const guidesPresent = existsSync(GUIDES_DIR);
const guideText = guidesPresent
  ? ['certificate-install-guide.txt', 'onboarding-flow-guide.txt'].map((f) => readFileSync(join(GUIDES_DIR, f), 'utf8').normalize('NFKC')).join('\n')
  : '';

const entry = (id: string): Entry => {
  const found = kb.byId.get(id);
  if (!found) throw new Error(`no entry ${id}`);
  return found;
};
/** Everything the bot can say from an entry. */
const spokenText = (e: Entry) =>
  [e.title, e.summary ?? '', ...e.notes, ...Object.values(e.cases), ...e.steps.flatMap((s) => [s.text, ...s.notes]), e.kind === 'faq' || e.kind === 'error' ? e.answer : ''].join('\n');

describe('every procedure of both guides, as ordered steps with sources', () => {
  it.each([
    ['cert-install-dx', 13, '3-1'],
    ['cert-install-hoken', 9, '3-2'],
    ['cert-password-reissue', 7, '4 '],
    ['cert-history-check', 3, '2 '],
    ['cert-verify', 3, '参考'],
    ['onboarding-overview', 7, ''],
  ])('%s has %i steps from section %s', (id, steps, section) => {
    const e = entry(id);
    expect(e.steps).toHaveLength(steps);
    expect(e.source.section.startsWith(section.trim())).toBe(true);
  });

  it('3-1 cites every slide from 1/10 to 10/10', () => {
    const slides = new Set(entry('cert-install-dx').steps.map((s) => s.slide));
    for (let i = 1; i <= 10; i++) expect(slides).toContain(`${i}/10`);
  });

  it('the import wizard choices are in the 3-1 steps', () => {
    const text = spokenText(entry('cert-install-dx'));
    for (const choice of ['現在のユーザー', 'すべての拡張プロパティを含める', '自動的に証明書ストアを選択', 'はい']) expect(text).toContain(choice);
  });

  it('the ZIP of the reissued certificate password opens with the login password', () => {
    expect(spokenText(entry('cert-password-reissue'))).toMatch(/ログイン.*パスワード/);
  });

  it('the check of an installed certificate names issuer, subjects and validity', () => {
    const text = spokenText(entry('cert-verify'));
    for (const fact of ['CarePlanJigyousho', 'KaigoJigyousho', 'e-seikyuu CA', '有効期']) expect(text).toContain(fact);
  });

  it('the KJ ID reset says immediate with a security mail address, by post without', () => {
    const text = spokenText(entry('kj-id-reset'));
    expect(text).toMatch(/即時/);
    expect(text).toMatch(/数日から1週間程度/);
    expect(text).toMatch(/郵送/);
  });

  it('holds FAQ Q1 to Q5 with their answers', () => {
    const numbers = kb.entries.filter((e) => e.kind === 'faq').map((e) => (e.kind === 'faq' ? e.number : ''));
    expect(numbers).toEqual(['Q1', 'Q2', 'Q3', 'Q4', 'Q5']);
  });

  it('catalogues the error messages the guides show', () => {
    const messages = kb.entries.flatMap((e) => (e.kind === 'error' ? [e.message] : [])).join('\n');
    for (const m of ['パスワードの有効期限が切れています', '有効期限切れ', '証明書発行手数料の残高があるため', '和暦']) expect(messages).toContain(m);
    for (const e of kb.entries) if (e.kind === 'error') expect(e.related.length + e.steps.length + e.answer.length).toBeGreaterThan(0);
  });

  it('the helpdesk contact is data, as the guides print it', () => {
    expect(kb.contact.phone).toBe('0120-584-708');
    expect(kb.contact.hours).toMatchObject({ open: '09:00', close: '17:00', timeZone: 'Asia/Tokyo' });
    expect(kb.contact.closedOnWeekends && kb.contact.closedOnNationalHolidays).toBe(true);
    expect(kb.contact.supportSiteUrl).toBe('https://www.careplan-renkei-support.jp/');
  });
});

describe.skipIf(!guidesPresent)('nothing invented: numbers, URLs and names come from the guides', () => {
  const everything = [...kb.entries.map(spokenText), JSON.stringify(kb.contact)].join('\n').normalize('NFKC');

  it('every URL appears in a guide', () => {
    for (const url of everything.match(/https?:\/\/[^\s"'）)]+/g) ?? []) expect(guideText).toContain(url);
  });

  it('every number of three or more digits (phone, years, counts) appears in a guide', () => {
    for (const n of new Set(everything.match(/\d[\d-]{2,}\d/g) ?? [])) expect(guideText, n).toContain(n);
  });

  it('every quoted screen label 「…」 appears in a guide', () => {
    const compact = (s: string) => s.replace(/[\s*]/g, '');
    const guide = compact(guideText);
    const missing = [...new Set(everything.match(/「[^「」]{2,40}」/g) ?? [])].map((q) => q.slice(1, -1)).filter((q) => !guide.includes(compact(q)));
    expect(missing).toEqual([]);
  });
});
