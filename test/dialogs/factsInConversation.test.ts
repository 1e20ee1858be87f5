import { describe, expect, it } from 'vitest';
import { seen } from '../support/conversationEvaluation';
import { PHRASES } from '../../src/dialogs/phrases';
import { say, storageText, storedState, testBot } from '../support/testBot';

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

  it('news told for 解決しましたか？ is not a yes: the conversation\'s own triage goes on with it', async () => {
    const { shown } = await chat('証明書を入れたいです、パスワードの紙はないです', 'あ、ありました！引き出しの奥に。電子請求受付システムにもログインできます', 'ありました');
    expect(shown[0]!.entries).toContain('cert-password-reissue');
    expect(shown[1]!.asked).toContain('certHistory');
    expect(shown[2]!.entries[0]).toBe('cert-install-hoken');
  });

  it('a fact of the same topic told at another of its questions counts without the words it needs alone (期限切れ at the security mail)', async () => {
    const { shown } = await chat('ID わからない です', 'KJ', 'きげん きれてる って でる');
    expect(shown[1]!.asked).toContain('securityMail');
    expect(shown[2]!.entries).toContain('faq-q2');
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

  it('a later fact that changes the situation (lost → a temporary password came) ends at the answer for it, not at the question waiting', async () => {
    const { shown } = await chat('ＩＤとパスワードがわからなくなりました', 'ＫＪ０８１２３４５６７８９０　です', 'あ、そういえば昨日国保連から仮パスワードの封筒が届いとりました');
    expect(shown[1]!.asked).toContain('securityMail');
    expect(shown[2]!.entries).toContain('faq-q2');
  });

  it('a question asked with a fact in it is answered, and the same question comes back', async () => {
    const { shown } = await chat('証明書を入れたい', '1', '電子請求受付システムってどれのこと？国保連のサイト？');
    expect(shown[2]!.asked).toContain('kjLogin');
    expect(shown[2]!.replies.join('\n')).toContain('先ほどの質問に戻ります');
  });
});

describe('bad input while a question waits', () => {
  const factsOf = async (bot: ReturnType<typeof testBot>) => ((await storedState(bot)) as { triageFacts: Record<string, unknown> }).triageFacts;

  it('a fact and a password in one message: the warning, nothing of it kept, the same question again', async () => {
    const { bot, shown } = await chat('証明書を入れたい', '履歴はなかったです。ちなみにパスワードは Abc12345! です');
    expect(shown[1]!.replies.join('\n')).toContain(PHRASES.secretWarning);
    expect(shown[1]!.asked).toContain('certPassword');
    expect((await factsOf(bot)).certificateHistory).toBeUndefined();
    expect(storageText(bot.storage)).not.toContain('Abc12345!');
  });

  it('emoji only, or a KJ ID where a yes or no is asked: the question again, nothing kept', async () => {
    for (const text of ['🙏🙏', 'KJ0123456789AB']) {
      const { bot, shown } = await chat('証明書を入れたい', text);
      expect(shown[1]!.asked).toContain('certPassword');
      expect((await factsOf(bot)).certificatePassword).toBeUndefined();
    }
  });

  it('the answer to a later question is kept; when it decides the branch, the answer comes at once', async () => {
    const { bot, shown } = await chat('証明書を入れたい', '履歴はなかったです');
    expect(shown[1]!.entries[0]).toBe('cert-install-dx');
    expect(shown.flatMap((turn) => turn.asked)).not.toContain('certHistory');
    expect((await factsOf(bot)).certificateHistory).toBe('no');
  });

  it('the answer to a later question that does not decide the branch: kept, and the first open question comes', async () => {
    const { shown } = await chat('証明書を入れたい', '電子請求受付システムにはKJでログインできます', 'はい、あります', 'なかったです');
    expect(shown[1]!.asked).toContain('certPassword');
    expect(shown.flatMap((turn) => turn.asked)).not.toContain('kjLogin');
    expect(shown[3]!.entries[0]).toBe('cert-install-dx');
  });

  it('a 100 kB answer: the question again, the state intact and small', async () => {
    const { bot, shown } = await chat('証明書を入れたい', 'ある'.repeat(50_000));
    expect(shown[1]!.asked.length).toBeGreaterThan(0);
    expect(storageText(bot.storage).length).toBeLessThan(10_000);
  });
});

describe('the error message asked for, and not known', () => {
  it('「覚えてない」 gets the question once more, asking for any part of it; a second time, the helpdesk', async () => {
    const { shown } = await chat('エラーが出て困っています', 'スクショ撮ってなくて覚えてないです', 'やっぱりわからないです');
    expect(shown[1]!.asked).toContain('errorMessage');
    expect(shown[1]!.replies.join('\n')).toContain(PHRASES.errorAskAgain);
    expect(shown[1]!.replies.join('\n')).not.toContain(PHRASES.errorUnknown);
    // Nothing was kept, so the bot does not say it kept the message.
    expect(shown[2]!.replies.join('\n')).toContain(PHRASES.errorNotGiven);
    expect(shown[2]!.replies.join('\n')).not.toContain(PHRASES.errorUnknown);
  });

  it('a message no longer at hand (スクショしかない, 消えちゃった) is no message: the question once more, no hand-off', async () => {
    for (const reply of ['スクショしかないんやけど', '赤い字で何か…すみません、消えちゃって', 'メッセージは控えておりません']) {
      const { shown } = await chat('エラーが出て困っています', reply);
      expect(shown[1]!.replies.join('\n')).toContain(PHRASES.errorAskAgain);
      expect(shown[1]!.asked).not.toContain('handoff');
    }
  });

  it('a fragment typed from memory that one message alone holds (和暦) is that message', async () => {
    const { shown } = await chat('エラーが出て困っています', '和暦');
    expect(shown[1]!.entries).toContain('error-wareki');
  });

  it('a hesitation is no message: the question once more, no hand-off', async () => {
    const { shown } = await chat('エラーが出て困っています', 'えっとですね');
    expect(shown[1]!.asked).toContain('errorMessage');
    expect(shown[1]!.asked).not.toContain('handoff');
  });

  it('a question of the user\'s own is answered or declined, then the same question', async () => {
    const { shown } = await chat('エラーが出て困っています', 'スクショを送ればいいですか？');
    expect(shown[1]!.replies.join('\n')).toContain(PHRASES.backToQuestion);
    expect(shown[1]!.asked).toContain('errorMessage');
  });

  it('a message the guides do not know is kept for the helpdesk', async () => {
    const { shown } = await chat('エラーが出て困っています', '通信に失敗しました');
    expect(shown[1]!.replies.join('\n')).toContain(PHRASES.errorUnknown);
  });

  it('part of a message, after that, is matched', async () => {
    const { shown } = await chat('エラーが出て困っています', 'よくわからない、赤い字が出てた', '発行申請時の証明書発行用パスワードがないと');
    expect(shown[2]!.entries[0]).toBe('error-install-needs-cert-password');
  });
});

describe('a list of guide steps, answered by typing', () => {
  it('a step named by its place in the list picks that step', async () => {
    const { shown } = await chat('何から始めればいい？', 'さいごのやつ', '３つ目のを見せて');
    expect(shown[1]!.entries).toEqual(['onboarding-start']);
    expect(shown[2]!.entries).toEqual(['onboarding-id']);
  });

  it('part of a step\'s title picks that step', async () => {
    const { shown } = await chat('何から始めればいいですか', 'ID確認のところ詳しく');
    expect(shown[1]!.entries).toContain('onboarding-id');
    expect(shown[1]!.asked).toContain('gettingStartedStep');
  });

  it('a step asked for in the question\'s own words picks it; a question of one\'s own is still answered apart', async () => {
    const named = await chat('開設準備中の事業所です。何から始めたらいいでしょうか', '電子証明書のステップを詳しく知りたいです');
    expect(named.shown[1]!.entries).toEqual(['onboarding-certificate']);
    const asked = await chat('何から始めればいいですか', 'これ全部、最初から順番にやらないといけないのでしょうか');
    expect(asked.shown[1]!.entries).not.toContain('onboarding-pc');
    expect(asked.shown[1]!.asked).toContain('gettingStartedStep');
  });

  it('the steps done, then 次, pick the step after them, not the step named', async () => {
    const { shown } = await chat('何から始めればいいですか', 'ダウンロードまでは済んでいます。その次を');
    expect(shown[1]!.entries).toEqual(['onboarding-certificate']);
    expect(shown[1]!.asked).toContain('gettingStartedStep');
  });

  it('a question the guides do not answer is declined, then the same question', async () => {
    const { shown } = await chat('何から始めればいいですか', 'これ全部でどれくらい日数かかりますか？');
    expect(shown[1]!.replies.join('\n')).toContain(PHRASES.offTopic);
    expect(shown[1]!.replies.join('\n')).toContain(PHRASES.backToQuestion);
    expect(shown[1]!.asked).toContain('gettingStartedStep');
  });
});

describe('the ID triage entered from the certificate triage', () => {
  it('a login told to work after all takes the chat back to the certificate\'s questions', async () => {
    const { shown } = await chat('証明書入れたいです、通知書あり', 'ログインできないです', 'あ、ごめんなさい、別のIDで試してました。KJのIDならログインできました', '発行履歴ありです');
    expect(shown[1]!.asked).toContain('idStatus');
    expect(shown[2]!.asked).toContain('certHistory');
    expect(shown[3]!.entries[0]).toBe('cert-install-hoken');
  });

  it('the KJ ID taken back for the c one takes the chat to the c ID, not the KJ reset; "which one, I don\'t know" keeps the KJ ID', async () => {
    const { shown } = await chat('IDわからん、KJの方', 'あ、ちがう、cから始まるやつだった');
    expect(shown[0]!.asked).toContain('securityMail');
    expect(shown[1]!.entries).toEqual(['onboarding-c-id']);
    const kept = await chat('KJのIDのことです', 'どっちのIDかもわからないし、パスワードもわかりません');
    expect(kept.shown[1]!.asked).toEqual(['securityMail']);
  });

  it('a password notice taken back while the login question waits shows its reissue, and the login question again', async () => {
    const { shown } = await chat('証明書のインストールしたい', '紙はあります', 'あ、ごめんなさい、よく見たら違う書類でした。証明書発行用パスワードの紙はないです');
    expect(shown[2]!.entries).toContain('cert-password-reissue');
    expect(shown[2]!.asked).toContain('kjLogin');
    expect(shown[2]!.asked).not.toContain('idStatus');
  });
});
