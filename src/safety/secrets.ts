/**
 * Finds passwords and other secrets that users paste into chat, so they are never echoed,
 * stored, logged or forwarded. Pure text rules; errs on the side of treating a value as secret.
 */

const KEYWORD = String.raw`(?:仮\s*)?(?:パスワード|パスワ-ド|パスワド|ぱすわーど|暗証番号|秘密キー|秘密鍵|(?<![a-z])(?:passwords?|passwd|pass|pwd|pw|p/w|secret|token|pin)(?![a-z]))`;
// "パスワードは abc123", "PW: abc123", "pass=abc123", "パスワード「abcdef」", "my password is Tr0ub4dor": after
// an explicit separator, a value (looksLikeValue) or anything quoted; after a bare space, PASSWORD_LIKE.
const KEYWORD_THEN_VALUE = new RegExp(
  String.raw`(${KEYWORD})(\s*(?:は|が|:|=|→|->|を|も|\sis\s|\swas\s)\s*[「『"'(]?\s*|\s*[「『"'(]\s*)([\x21-\x7e]{4,})`,
  'giu',
);
// "暗証番号 4321", "パスワード 12345678": digits after the word are a PIN or password even without a separator.
const KEYWORD_THEN_DIGITS = new RegExp(String.raw`(${KEYWORD})(\s+)(\d{4,})(?![\x21-\x7e])`, 'giu');
// A password-looking token (letters and digits, or symbols) anywhere near such a word.
const PASSWORD_LIKE = /(?<![\x21-\x7e])(?=[\x21-\x7e]*[a-z])(?=[\x21-\x7e]*[0-9!#$%&*+?@^~])[\x21-\x7e]{6,64}(?![\x21-\x7e])/giu;
const NEAR = 20;
/** Sentence punctuation after a word ("again?", "gone,") is not part of it. */
const TRAILING_PUNCTUATION = /[.,!?;:)\]}"'」』。、]+$/u;
const HAS_DIGIT_OR_SYMBOL = /[0-9!#$%&*+?@^~]/;
/**
 * After "PWが", "password is", "password:" an unquoted word of letters only ("expired", "gone",
 * "which", "reissue") is prose; a value has digits or symbols, or mixes case (password rules ask for
 * that). Quoted, anything is a value.
 */
const looksLikeValue = (value: string): boolean => HAS_DIGIT_OR_SYMBOL.test(value) || (/[a-z]/.test(value) && /[A-Z]/.test(value.slice(1)));
const OPENING_QUOTE = /[「『"'(]/;
/** IDs are not secrets: KJ + 12 alphanumerics, the c… personal ID, phone numbers, versions. */
const NOT_SECRET = /^(?:kj[0-9a-z]{12}|c[0-9a-z]{4,14}|0\d{1,4}-\d{1,4}-\d{3,4}|windows\d+|v?\d+(?:\.\d+)+|https?:\/\/\S+)$/i;
const KEYWORD_ANYWHERE = new RegExp(KEYWORD, 'iu');
/** "ID:KJ1312…" typed without spaces is the ID after its label, not one word. */
const ID_LABEL = /^(?:id|user|userid|user-id|uid|login|loginid)[:=]/i;
/** The IDs' names written with brackets or a tilde (事業所ユーザID（KJ～）): a note on which ID, no value. */
const ID_NOTATION = /^(?:id|kj|c|[()[\]~\-.…])+$/i;
/** Near the word パスワード but not given as its value, "KJ0812…" is part of a KJ ID being quoted. */
const PART_OF_KJ_ID = /^kj[0-9a-z]{0,12}$/i;

export const REDACTED = '［伏せ字］';

interface Span {
  start: number;
  end: number;
}

function secretSpans(input: string): { text: string; spans: Span[] } {
  const text = input.normalize('NFKC');
  const spans: Span[] = [];
  for (const m of text.matchAll(KEYWORD_THEN_VALUE)) {
    const value = m[3]!.replace(TRAILING_PUNCTUATION, '');
    if (NOT_SECRET.test(value) || !/[a-z0-9]/i.test(value)) continue;
    if (!OPENING_QUOTE.test(m[2]!) && !looksLikeValue(value)) continue;
    const start = m.index + m[1]!.length + m[2]!.length;
    spans.push({ start, end: start + value.length });
  }
  for (const m of text.matchAll(KEYWORD_THEN_DIGITS)) {
    const start = m.index + m[1]!.length + m[2]!.length;
    spans.push({ start, end: start + m[3]!.length });
  }
  for (const m of text.matchAll(PASSWORD_LIKE)) {
    const token = m[0].replace(TRAILING_PUNCTUATION, '').replace(ID_LABEL, '');
    if (NOT_SECRET.test(token) || PART_OF_KJ_ID.test(token) || ID_NOTATION.test(token) || token.length < 6 || !HAS_DIGIT_OR_SYMBOL.test(token)) continue;
    const around = text.slice(Math.max(0, m.index - NEAR), m.index + m[0].length + NEAR);
    if (KEYWORD_ANYWHERE.test(around.replace(m[0], ' '))) spans.push({ start: m.index, end: m.index + m[0].length });
  }
  return { text, spans };
}

export function containsSecret(text: string): boolean {
  return secretSpans(text).spans.length > 0;
}

/** The text with every secret value replaced, for transcripts and hand-off tickets. */
export function redactSecrets(input: string): string {
  const { text, spans } = secretSpans(input);
  if (spans.length === 0) return input;
  spans.sort((a, b) => b.start - a.start);
  let out = text;
  let lastStart = Infinity;
  for (const { start, end } of spans) {
    if (end > lastStart) continue; // overlapping: already covered
    out = out.slice(0, start) + REDACTED + out.slice(end);
    lastStart = start;
  }
  return out;
}
