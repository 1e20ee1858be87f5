import type { Activity } from 'botbuilder';

/** Words that work at any step, whether or not a question is waiting. */
export type Command = 'restart' | 'cancel' | 'help' | 'human';

const COMMANDS: Array<[RegExp, Command]> = [
  [/^(最初から|はじめから|初めから|メニュー|めにゅー|トップ|menu|top|start over|restart)$/i, 'restart'],
  [/^(キャンセル|きゃんせる|やめる|やめます|止める|中止|終了|cancel|quit|stop|exit)$/i, 'cancel'],
  [/^(ヘルプ|へるぷ|help|使い方|\?|？)$/i, 'help'],
  // A request for a person, said as such: "担当者", "オペレーターにつないで", "人と話したい". A sentence
  // that only mentions one ("利用申請の担当者氏名には…") is a question, not a request.
  [
    /^(担当者|担当の方|たんとうしゃ|オペレーター?|有人(対応)?|人間|スタッフ|human|operator|agent)(の方)?(と話したい|に相談(したい)?|と相談(したい)?|につないで|に繋いで|に代わって|に替わって|をお願いします?|お願いします?|希望)?(ください|です|します)?$/i,
    'human',
  ],
  [/^(人|人間|担当者|担当の方|スタッフ)(と|に)(話したい|話せますか|相談したい|相談できますか|つないで|繋いで)(ください|です|のですが|んですが)?$/, 'human'],
  [/^(talk|speak) to (a |an )?(human|person|agent|operator)$/i, 'human'],
];

export function commandOf(text: string): Command | undefined {
  const plain = text.normalize('NFKC').trim().replace(/[。．.!！、\s]+$/u, '');
  return COMMANDS.find(([pattern]) => pattern.test(plain))?.[1];
}

/** The prompt a card button belongs to, when the message is a button click. */
export function clickedPromptId(activity: Partial<Activity>): string | undefined {
  const promptId = (activity.value as { promptId?: unknown } | undefined)?.promptId;
  return typeof promptId === 'string' ? promptId : undefined;
}
