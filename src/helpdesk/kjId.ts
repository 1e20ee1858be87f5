/**
 * The 事業所ユーザID: "KJ" followed by 12 letters or digits (14 characters in all), as printed on
 * 国保連合会's 「電子請求登録結果に関するお知らせ」. Users type it in full width, with spaces or hyphens.
 */
export type KjIdCheck = { ok: true; id: string } | { ok: false; problem: string };

// KJ followed by ASCII containing a digit: an attempt at the ID. "KJのパスワード" and "KJ ID" are not.
const KJ_LIKE = /(?:^|[^a-z0-9])(kj(?=[\x21-\x7e ]*\d)[\x21-\x7e ]{3,})/i;

/** True when the text looks like an attempt at typing a KJ ID (starts with KJ followed by characters). */
export function looksLikeKjId(text: string): boolean {
  const match = text.normalize('NFKC').match(KJ_LIKE);
  return match !== null;
}

// The 個人ユーザID starts with "c" (利用状況WEBサイト's TOP page); its length the guides do not give.
const C_ID_LIKE = /^c(?=[0-9a-z]*\d)[0-9a-z]{5,}$/i;

/** True when the whole text is an ID starting with c and holding a digit: the 個人ユーザID typed for "which ID?". */
export function looksLikeCId(text: string): boolean {
  return C_ID_LIKE.test(text.normalize('NFKC').trim());
}

export function checkKjId(text: string): KjIdCheck {
  const match = text.normalize('NFKC').match(KJ_LIKE);
  if (!match) return { ok: false, problem: '「KJ」から始まっていません。事業所ユーザIDは「KJ」と12桁の英数字（合計14桁）です。' };
  const compact = match[1]!.trim().replace(/[\s-]/g, '').toUpperCase();
  const rest = compact.slice(2);
  if (!/^[0-9A-Z]*$/.test(rest)) return { ok: false, problem: '「KJ」のあとに英数字以外の文字が含まれています。' };
  if (rest.length !== 12) {
    return {
      ok: false,
      problem: `「KJ」のあとの英数字が${rest.length}桁です。事業所ユーザIDは「KJ」と12桁の英数字（合計14桁）です。`,
    };
  }
  return { ok: true, id: compact };
}
