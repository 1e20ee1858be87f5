import PorterStemmer from 'natural/lib/natural/stemmers/porter_stemmer';

/** Longer input is cut before any work, so a 100 kB paste costs the same as a long question. */
export const MAX_QUERY_CHARS = 1000;

// Katakana followed by a long-vowel mark or a dash typed in its place: ユーザー / ユーザ / ユーザ－ all become ユーザ.
const LONG_VOWEL_AFTER_KATAKANA = /([\u30A1-\u30FA])[\u30FC\u2010-\u2015\u2212\uFF70~\u301C-]+/gu;
const VU: Record<string, string> = { ァ: 'バ', ィ: 'ビ', ゥ: 'ブ', ェ: 'ベ', ォ: 'ボ' };
const TAGS = /<[^>]{0,200}>/g;
// NFKC already made half-width kana full width, so hiragana → katakana is a fixed code-point shift.
// (natural's Japanese converter does this too, but with a dozen extra passes: 4× slower here.)
const HIRAGANA = /[\u3041-\u3096\u309D\u309E]/g;
const toKatakana = (c: string) => String.fromCharCode(c.charCodeAt(0) + 0x60);
// Everything that is not a letter, digit or Japanese script separates words.
const SEPARATORS = /[^\p{L}\p{N}\u30FC]+/gu;

const JAPANESE = '\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Han}\\u30FC';
// A particle or copula standing alone between spaces (KJ の パスワード, じぶん で でんわ します) marks text
// written word by word, as learners of Japanese and some phone keyboards write it. (Half-width katakana
// phrases, ﾅｼ ﾃﾞｼﾀ ﾂｷﾞﾊ?, are spaced like commas: they stay apart.)
const SPACED_PARTICLE = new RegExp(`(?:^|[ \u3000])(?:(?:の|を|が|は|に|で|と|も|へ|って|から|まで|です|ます)(?=[ \u3000])|(?:ない|ません|です|ます)(?=[ \u3000。、.,!?！？]|$))`, 'u');
// Humble and formal forms read as the plain polite ones (所持しております → 所持しています, ございません →
// ありません, いたしかねる → しかねる, 存じ上げません → 知りません), so every word list is written once.
// For reading what a message says (facts.ts), on normalised text; the router's n-grams do without it,
// since ございます read as あります only brings it nearer the error entries quoting あります.
const HONORIFIC_FORMS: Array<[RegExp, string]> = [
  // でございます is the copula です; ございます alone is あります.
  [/デゴザイマス/g, 'デス'],
  [/デゴザイマシタ/g, 'デシタ'],
  [/ゴザイマ(?=[スセシ])/g, 'アリマ'],
  [/(?:イタ|(?<![一合極招誘])致)シ(?=[マテタカオ])/g, 'シ'],
  [/存ジ(?:上ゲ)?マセン/g, '知リマセン'],
  [/存ジ(?:上ゲ)?テオ/g, '知ッテオ'],
  [/存ジ上ゲル/g, '知ル'],
  [/存ジ上ゲテ/g, '知ッテ'],
  [/存ジマス/g, '思イマス'],
  [/拝見シ/g, '見'],
  [/(?<=ウマク)マイリ/g, 'イキ'],
  [/(?<=^|[テデガハモニ ])オリ(?=マ[スセシ])/g, 'イ'],
  [/(?<=^|[テデガハモニ ])オル(?=[ノンヨ]|$| )/g, 'イル'],
];
export const foldHonorifics = (text: string) => HONORIFIC_FORMS.reduce((out, [form, plain]) => out.replace(form, plain), text);
// In text written word by word, a space after a polite end ends the sentence (つうちしょ は あります　でんしせいきゅう
// の…), unless a particle goes on with it (でき ます か, あり ます けど).
const SPACED_SENTENCE_END = /(でした|ました|です|ます|ません)[ \u3000]+(?!(?:か|が|けど|けれど|ね|よ|から|ので|し|のに|わ|な)(?:[ \u3000。、.,!?！？]|$))(?=\S)/gu;
const SPACE_BESIDE_JAPANESE = new RegExp(`(?<=[${JAPANESE}])[ \u3000]+|[ \u3000]+(?=[${JAPANESE}])`, 'gu');

/**
 * Text written word by word (しょうめいしょ いれたい。KJ の ID ログイン できない です) joined as Japanese is
 * written, so its words read as they would unspaced; elsewhere a space between phrases is a pause and stays.
 */
export function unspaced(text: string): string {
  return SPACED_PARTICLE.test(text) ? text.replace(SPACED_SENTENCE_END, '$1。').replace(SPACE_BESIDE_JAPANESE, '') : text;
}

/**
 * The one normalisation applied to knowledge and queries alike: word-by-word spacing joined, NFKC (width, compatibility forms),
 * lower case, hiragana → katakana, long-vowel variants folded, ヴァ → バ, HTML tags and punctuation
 * → single spaces. The result keeps word boundaries only where the text had them.
 */
export function normalizeText(input: string): string {
  const text = unspaced(input.slice(0, MAX_QUERY_CHARS * 2).replace(TAGS, ' ').normalize('NFKC')).toLowerCase();
  return text
    .replace(HIRAGANA, toKatakana)
    .replace(/ヴ([ァィゥェォ]?)/g, (_, small: string) => VU[small] ?? 'ブ')
    .replace(LONG_VOWEL_AFTER_KATAKANA, '$1')
    .replace(/\u30FC/g, '')
    .replace(SEPARATORS, ' ')
    .trim()
    .slice(0, MAX_QUERY_CHARS);
}

/** Porter stem for Latin words, so "installing" and "install" meet. */
export function stemLatin(word: string): string {
  return /^[a-z]+$/.test(word) && word.length > 3 ? PorterStemmer.stem(word) : word;
}
