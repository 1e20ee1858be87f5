import { describe, expect, it } from 'vitest';
import { seen } from '../support/conversationEvaluation';
import { say, storedState, testBot } from '../support/testBot';

/** A conversation typed turn by turn: what each turn showed (entries by id, questions asked). */
async function chat(...turns: string[]) {
  const bot = testBot();
  await say(bot.adapter, 'こんにちは');
  const shown = [];
  for (const text of turns) shown.push(seen(await say(bot.adapter, text)));
  return { bot, shown };
}

describe('facts told along the way', () => {
  it('a correction after the answer gives the answer that fits now', async () => {
    const { shown } = await chat('新しいパソコンに証明書入れたいです。発行履歴はなかったです', 'あ、すみません、やっぱり履歴ありました');
    expect(shown[0]!.entries[0]).toBe('cert-install-dx');
    expect(shown[1]!.entries[0]).toBe('cert-install-hoken');
  });

  it('the ID type told after the answer takes the ID triage to that ID', async () => {
    const { shown } = await chat('KJのIDのパスワードを忘れてしまいました', 'あ、すみません、IDはcから始まるほうでした');
    expect(shown[1]!.entries).toContain('onboarding-c-id');
  });

  it('an expired password told at the login question means the login fails: the FAQ for it, no question again', async () => {
    const { bot, shown } = await chat('証明書インストールしたいです', 'はい、あります', 'ログインしようとしたら期限切れって出ます');
    expect(shown[2]!.entries).toContain('faq-q2');
    const { triageFacts } = (await storedState(bot)) as { triageFacts: Record<string, unknown> };
    expect(triageFacts).toMatchObject({ certificatePassword: 'yes', idStatus: 'expired', kjLogin: 'no' });
  });

  it('a question asked with a fact in it is answered, and the same question comes back', async () => {
    const { shown } = await chat('証明書を入れたい', '1', '電子請求受付システムってどれのこと？国保連のサイト？');
    expect(shown[2]!.asked).toContain('kjLogin');
    expect(shown[2]!.replies.join('\n')).toContain('先ほどの質問に戻ります');
  });
});
