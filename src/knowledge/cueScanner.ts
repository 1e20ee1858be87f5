import type { Analyzer } from './analyzer';
import { FACT_VALUES, type FactSlot, type Slot } from './factTable';
import { foldHonorifics } from './normalize';
import type { Topic } from './schema';

export type Polarity = 'affirm' | 'negate' | 'unknown' | 'yes' | 'no';
export type Meaning =
  /** `shared`: one of the fact's `mentions`, a word another topic uses too. */
  | { kind: 'about'; slot: FactSlot; shared?: true }
  /** `reply`: a word that states the value only as a reply to the slot's own question. */
  | { kind: 'value'; slot: Slot; value: string; reply?: true }
  | { kind: 'polarity'; polarity: Polarity }
  | { kind: 'topic'; topic: Topic; hint?: true; broad?: true }
  | { kind: 'filler' };

export interface Token {
  start: number;
  end: number;
  meanings: Meaning[];
  /** A negation whose denial follows and is part of the token (ない|ことはない): it affirms. */
  denied?: boolean;
}

/** A message's text as the reader scans it: synonym-folded, without spaces; see `CueScanner.compact`. */
export interface CompactText {
  text: string;
  boundary: boolean[];
  pauses: number[];
  commas: number[];
}

/** Particles and endings that do not make a message more specific. */
export const PARTICLES = new Set(Array.from('ヲガハノニデトモヘヤカネヨナワダッンテタシイ'));
export const KANJI = /\p{Script=Han}/u;
const ASCII_WORD = /^[a-z0-9]+$/;
const ASCII_CHAR = /[a-z0-9]/;
/** Where a phrase ends: a comma, or a space between Japanese words (つうちしょはあります　ろぐいんもできます). */
const PAUSE = /[、,，､→⇒➡]|(?<=[^\x00-\x7F])[ \u3000]+(?=[^\x00-\x7F])/u;
const PAUSE_KEPT = new RegExp(`(${PAUSE.source})`, 'u');
// うーん is a hesitation and says nothing; written without its dash it would fold to うん, a yes.
const HESITATION = /[うウｳ][ー〜～~ｰ－-]+[んンﾝ]/gu;

/**
 * The table of facts.yaml's words (cues) and what each means, and the scan of a text for them: the
 * longest cue at each position of the compact, synonym-folded text. What a scanned message says is the
 * fact reader's to work out (facts.ts).
 */
export class CueScanner {
  private readonly cues = new Map<string, Meaning[]>();
  private longest = 0;
  /** Denials of a negation (ない|ことはない), longest first. */
  private readonly denials: string[];

  constructor(
    private readonly analyzer: Analyzer,
    denials: readonly string[],
    /** A value that is its fact's negative (登録なし), which a denial after it turns round as it does ない. */
    private readonly negates: (meaning: Meaning) => boolean,
  ) {
    this.denials = denials.map((s) => this.compact(s).text).filter(Boolean).sort((a, b) => b.length - a.length);
  }

  /** Adds what a word means (once; a word may mean several things). */
  add(word: string, meaning: Meaning): void {
    const form = this.compact(word).text;
    if (!form) return;
    const list = this.cues.get(form) ?? [];
    if (!list.some((m) => JSON.stringify(m) === JSON.stringify(meaning))) list.push(meaning);
    this.cues.set(form, list);
    this.longest = Math.max(this.longest, form.length);
  }

  /** Every cue, in its compact form, with its meanings. */
  get table(): ReadonlyMap<string, Meaning[]> {
    return this.cues;
  }

  /**
   * Longest cue at each position; a one-character cue (c, 有, 無) only in an answer, where little else
   * is said, or right after what it is said of; the words of 解決しましたか？ and the hand-off offer only in answers to those.
   */
  scan(compact: string, boundary: boolean[], commas: number[], asked: Slot | undefined): Token[] {
    const tokens: Token[] = [];
    for (let i = 0; i < compact.length; ) {
      let matched: Token | undefined;
      // No word spans a comma (いれる前に、発行履歴 holds no 前に発行).
      const phraseEnd = commas.find((p) => p > i) ?? compact.length;
      for (let length = Math.min(this.longest, phraseEnd - i); length >= 1; length--) {
        const form = compact.slice(i, i + length);
        const meanings = this.cues.get(form)?.filter((m) => m.kind !== 'value' || m.slot === asked || (m.slot in FACT_VALUES && !m.reply));
        if (!meanings?.length) continue;
        // One character says little (有, 無, c), except a kanji naming what a fact is about (紙), or a
        // yes or no right after one (発行用PW有, 履歴無).
        const afterAbout = tokens.at(-1)?.end === i && tokens.at(-1)!.meanings.some((m) => m.kind === 'about');
        if (length === 1 && asked === undefined && !(KANJI.test(form) && (meanings.every((m) => m.kind === 'about') || (afterAbout && meanings.every((m) => m.kind === 'polarity'))))) continue;
        if (ASCII_WORD.test(form) && !wholeWord(compact, boundary, i, i + length)) continue;
        matched = { start: i, end: i + length, meanings };
        break;
      }
      if (matched) {
        // The denial of a negation (ない|ことはない) is read with it, not as a negation of its own.
        const { end, meanings } = matched;
        const negates = meanings.some((m) => (m.kind === 'polarity' && m.polarity === 'negate') || this.negates(m));
        const denial = negates ? this.denials.find((suffix) => compact.startsWith(suffix, end)) : undefined;
        if (denial) matched = { ...matched, end: end + denial.length, denied: true };
        tokens.push(matched);
        i = matched.end;
      } else i++;
    }
    return tokens;
  }

  /**
   * What no cue covered: each uncovered run of characters, unless it is a particle or two (ヲ, ガ,
   * シテ), weighs its length, a kanji twice (違い says more than ノ).
   */
  uncovered(compact: string, tokens: Token[], rest: string[]): number {
    let weight = 0;
    let start = 0;
    const run = (end: number) => {
      const chars = Array.from(compact.slice(start, end));
      if (chars.length <= 2 && chars.every((c) => PARTICLES.has(c))) return;
      rest.push(chars.join(''));
      for (const c of chars) weight += KANJI.test(c) ? 2 : 1;
    };
    for (const t of tokens) {
      run(t.start);
      start = t.end;
    }
    run(compact.length);
    return weight;
  }

  /**
   * The synonym-folded text without spaces, where the spaces stood (Latin words must stand whole),
   * where each phrase starts (after a comma, or a space between Japanese words), and where each
   * phrase after a comma starts (no word spans a comma; a space may fall inside one: して ます).
   */
  compact(text: string): CompactText {
    let out = '';
    const boundary: boolean[] = [];
    const pauses: number[] = [];
    const commas: number[] = [];
    const parts = text.split(PAUSE_KEPT);
    for (let k = 0; k < parts.length; k += 2) {
      if (out) {
        pauses.push(out.length);
        if (!/^[ \u3000]+$/u.test(parts[k - 1]!)) commas.push(out.length);
      }
      let space = true;
      for (const char of this.analyzer.canonicalize(parts[k]!.replace(HESITATION, ' '), foldHonorifics)) {
        if (char === ' ') {
          space = true;
          continue;
        }
        // One flag per UTF-16 unit, as the text is indexed.
        for (let unit = 0; unit < char.length; unit++) boundary.push(unit === 0 && space);
        out += char;
        space = false;
      }
    }
    return { text: out, boundary, pauses, commas };
  }
}

function wholeWord(compact: string, boundary: boolean[], start: number, end: number): boolean {
  const before = start === 0 || boundary[start] || !ASCII_CHAR.test(compact[start - 1]!);
  // KJ08…: the ID's letters before its digits are a word of their own.
  const after = end === compact.length || boundary[end] || !ASCII_CHAR.test(compact[end]!) || (/[a-z]/.test(compact[end - 1]!) && /[0-9]/.test(compact[end]!));
  return before && after;
}
