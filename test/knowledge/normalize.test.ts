import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/knowledge/analyzer';
import { loadKnowledge } from '../../src/knowledge/loader';
import { normalizeText, MAX_QUERY_CHARS } from '../../src/knowledge/normalize';

describe('normalizeText treats spelling variants as the same text', () => {
  it.each([
    ['half-width katakana', 'ﾊﾟｽﾜｰﾄﾞ', 'パスワード'],
    ['full-width letters and digits', 'ＫＪ０１２３', 'kj0123'],
    ['upper and lower case', 'Windows11', 'WINDOWS11'],
    ['hiragana for katakana', 'いんすとーる', 'インストール'],
    ['long vowel kept or dropped', 'ユーザーID', 'ユーザID'],
    ['dash typed as a long vowel', 'インスト－ル', 'インストール'],
    ['ヴ and ブ', 'ヴィザード', 'ビザード'],
    ['punctuation and spaces', '証明書、インストール！？', '証明書 インストール'],
    ['HTML tags', '<b>証明書</b>', '証明書'],
    ['written word by word', 'KJ の パスワード わすれた', 'KJのパスワードわすれた'],
  ])('%s', (_name, a, b) => {
    expect(normalizeText(a)).toBe(normalizeText(b));
  });

  it('keeps a space between phrases where no particle stands alone (a pause, not word-by-word writing)', () => {
    expect(normalizeText('証明書のインストール　パスワードの紙はある')).toBe(normalizeText('証明書のインストール、パスワードの紙はある'));
    expect(normalizeText('please person')).toBe('please person');
  });

  it('keeps the work bounded on huge input', () => {
    expect(normalizeText('あ'.repeat(100_000)).length).toBeLessThanOrEqual(MAX_QUERY_CHARS);
  });

  it('turns emoji, control characters and whitespace into nothing', () => {
    expect(normalizeText('🙂🎉 \u0000\u0007\t\n ')).toBe('');
  });
});

describe('synonyms: words clerks use for the same thing meet in one canonical word', () => {
  const analyzer = new Analyzer(loadKnowledge().synonyms);
  it.each([
    ['PW', 'パスワード'],
    ['password', 'パスワード'],
    ['DL', 'ダウンロード'],
    ['電子証明書', '証明書'],
    ['certificate', '証明書'],
    ['メアド', 'メールアドレス'],
    ['忘れた', 'わからない'],
    ['紛失', 'わからん'],
    ['login', 'ログイン'],
    ['expired', '期限切れ'],
    ['install', 'インストール'],
  ])('%s = %s', (variant, canonical) => {
    expect(analyzer.canonicalize(variant)).toBe(analyzer.canonicalize(canonical));
  });

  it('does not rewrite a Latin word inside a longer word', () => {
    expect(analyzer.canonicalize('passport')).toBe('passport');
  });

  it('does not break フリーパス into パスワード', () => {
    expect(analyzer.canonicalize('フリーパス')).not.toContain(analyzer.canonicalize('パスワード'));
  });
});
