import type { Topic } from '../knowledge/schema';

/**
 * What the dialogs learned about the user's problem. Kept in conversation state so a human
 * agent taking over sees it without asking again. Never holds a secret: free text is redacted first.
 */
export interface TriageFacts {
  topic?: Topic;
  /** 介護保険証明書の発行履歴 */
  certificateHistory?: 'あり' | 'なし' | 'わからない' | '代理請求';
  /** 証明書発行用パスワード at hand? */
  certificatePassword?: 'あり' | 'わからない';
  /** Can the user log in to 電子請求受付システム with the KJ ID? */
  kjLogin?: 'できる' | 'できない';
  idType?: '事業所ユーザID（KJ）' | '個人ユーザID（c）' | 'わからない';
  idStatus?: 'ID・パスワード不明' | 'パスワード有効期限切れ・仮パスワード';
  securityMail?: '登録済' | '未登録' | 'わからない';
  /** The error message as the user gave it, redacted. */
  errorMessage?: string;
  /** Guide entries already shown, in order. */
  shownEntries: string[];
  /** 解決しましたか？ answers. */
  feedback: Array<{ entryId: string; solved: boolean }>;
  /** Questions the bot could not answer, redacted. */
  unanswered: string[];
}

/**
 * Kept per user (user state), not per conversation: the last guide entry answered, so that a user who
 * comes back in another chat can open it with one click. An entry id and a time only.
 */
export interface LastAnswer {
  entryId: string;
  /** ISO time it was shown. */
  at: string;
}

export const emptyFacts = (): TriageFacts => ({ shownEntries: [], feedback: [], unanswered: [] });
