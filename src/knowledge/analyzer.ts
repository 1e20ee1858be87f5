import { MAX_QUERY_CHARS, normalizeText, stemLatin } from './normalize';
import type { SynonymFile } from './schema';

export type TermVector = Map<string, number>;

const KJ_ID = /kj[0-9a-z]{12}/g;
// A 個人ユーザID as typed (c12345…, or its start: c0から始まる); its length the guides do not give.
const C_ID = /(?<![a-z0-9])c[0-9][0-9a-z]*/g;
const LATIN_WORD = /^[a-z0-9]+$/;
const KANJI_RUN = /[\p{Script=Han}々]+/gu;
const KATAKANA_RUN = /\p{Script=Katakana}+/gu;
const HIRAGANA = /\p{Script=Hiragana}+/gu;
const ASCII_ONLY = /^[\x20-\x7e]+$/;
export const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Turns text into the features the router compares: synonyms rewritten to one word, then
 * character bigrams and trigrams of Japanese runs (no tokenizer: clerk-style text with typos and
 * dropped particles splits badly) plus whole Latin words, stemmed.
 */
export class Analyzer {
  private readonly synonymPattern: RegExp;
  private readonly canonicalOf = new Map<string, string>();

  constructor(synonyms: SynonymFile['synonyms']) {
    const alternatives: string[] = [];
    for (const { canonical, variants } of synonyms) {
      const target = normalizeText(canonical);
      // The canonical word is an alternative too, so it is never rewritten from a shorter variant inside it.
      for (const variant of [canonical, ...variants]) {
        const form = normalizeText(variant);
        if (!form || this.canonicalOf.has(form)) continue;
        this.canonicalOf.set(form, target);
        // Latin variants must stand as whole words ("pass" is not inside "compass").
        alternatives.push(ASCII_ONLY.test(form) ? `(?<![a-z])${escapeRegExp(form)}(?![a-z])` : escapeRegExp(form));
      }
    }
    alternatives.sort((a, b) => b.length - a.length);
    this.synonymPattern = new RegExp(alternatives.join('|'), 'g');
  }

  /** A synonym's variant, normalised, and the canonical word it becomes. */
  get variants(): ReadonlyMap<string, string> {
    return this.canonicalOf;
  }

  /** Normalised text (then `fold`ed, as the fact reader folds humble forms) with every synonym replaced by its canonical word. */
  canonicalize(text: string, fold: (normalized: string) => string = (normalized) => normalized): string {
    return fold(normalizeText(text))
      .replace(KJ_ID, ' kjid ')
      .replace(C_ID, ' cid ')
      .replace(this.synonymPattern, (match) => ` ${this.canonicalOf.get(match) ?? match} `)
      .replace(/ +/g, ' ')
      .trim();
  }

  /** Term frequencies of the canonical text. */
  features(text: string): TermVector {
    const vector: TermVector = new Map();
    const add = (term: string) => vector.set(term, (vector.get(term) ?? 0) + 1);
    // Whole katakana words (ダウンロド) too, but read with hiragana left out: normalisation makes hiragana
    // katakana, and a run such as パスワドヲ or シタアプリ glues a word to its particles.
    for (const run of this.canonicalize(text.slice(0, MAX_QUERY_CHARS * 2).replace(HIRAGANA, ' ')).match(KATAKANA_RUN) ?? []) if (run.length >= 2) add(`t:${run}`);
    for (const word of this.canonicalize(text).split(' ')) {
      if (!word) continue;
      if (LATIN_WORD.test(word)) {
        add(`w:${stemLatin(word)}`);
        continue;
      }
      // Mixed runs such as "介護dx証明書": Latin parts count as words, the whole run gives n-grams.
      for (const latin of word.match(/[a-z0-9]+/g) ?? []) add(`w:${stemLatin(latin)}`);
      const chars = Array.from(word);
      for (let i = 0; i + 1 < chars.length; i++) {
        add(chars[i]! + chars[i + 1]!);
        if (i + 2 < chars.length) add(chars[i]! + chars[i + 1]! + chars[i + 2]!);
      }
      if (chars.length === 1) add(chars[0]!);
      // Whole kanji runs (発行履歴) carry more meaning than their n-grams alone; katakana words are taken above.
      for (const run of word.match(KANJI_RUN) ?? []) if (run.length >= 2) add(`t:${run}`);
    }
    return vector;
  }
}
