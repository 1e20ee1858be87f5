import type { Activity, TestAdapter } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { CHOICES, MENU, NO, PHRASES } from '../../src/dialogs/phrases';
import { HANDOFF_PHRASES, HandoffRefusedError } from '../../src/handoff/handoffService';
import type { HandoffTicket } from '../../src/handoff/ticket';
import { TicketNotFoundError } from '../../src/handoff/ticketStore';
import { REDACTED } from '../../src/safety/secrets';
import { asksLast, choiceLine, contact, play, SOLVED } from '../dialogs/conversation';
import { kb, say, sayActivities, storageText, testBot } from '../support/testBot';

type Bot = ReturnType<typeof testBot>;

/** The fixed clock of testBot(): Thursday 19 Nov 2026, 10:00 JST, the line is open. */
const NOW_ISO = new Date('2026-11-19T10:00:00+09:00').toISOString();
/** A Japan wall-clock time as an instant. */
const jst = (wall: string): Date => new Date(`${wall}:00+09:00`);

const OPENED = /担当者におつなぎします（受付番号 (HD-[0-9A-F]{8})）/;
const HANDOFF_CHOICES = [CHOICES.handoff.yes, CHOICES.handoff.no] as const;
const CERT_QUESTION = '介護DX証明書のインストール方法を教えてください';

/** The ticket number the bot told the user in these replies. */
function announcedId(replies: string[]): string {
  const match = OPENED.exec(replies.join('\n'));
  expect(match, `the bot announces a ticket number:\n${replies.join('\n-----\n')}`).not.toBeNull();
  return match![1]!;
}

/** The only ticket of this bot (fails if there is none or more than one). */
async function onlyTicket(bot: Bot): Promise<HandoffTicket> {
  const tickets = await bot.handoff.tickets.list();
  expect(tickets, 'exactly one ticket').toHaveLength(1);
  return tickets[0]!;
}

/** Everything sent to the user outside a turn (proactive messages), as text, removed from the queue. */
function proactive(adapter: TestAdapter): Array<Partial<Activity>> {
  return adapter.activeQueue.splice(0);
}

/** 電子証明書のインストール → 手元にある → ログインできる → 発行履歴なし: the 3-1 answer and 解決しましたか？ */
async function certificateWalk(bot: Bot): Promise<void> {
  await play(
    [
      [MENU.certificate, PHRASES.certPassword],
      [CHOICES.certPassword.have, PHRASES.certLogin],
      [CHOICES.login.yes, PHRASES.certHistory],
      [CHOICES.history.no, asksLast(SOLVED, ['はい', 'いいえ'])],
    ],
    bot,
  );
}

/** Opens a ticket by asking for 担当者 and returns it. */
async function handedOff(bot: Bot, text = '担当者'): Promise<HandoffTicket> {
  const id = announcedId(await say(bot.adapter, text));
  const ticket = await bot.handoff.tickets.get(id);
  expect(ticket).toBeDefined();
  return ticket!;
}

describe('opening a ticket', () => {
  it('「担当者」 typed in the middle of a dialog opens a waiting ticket and tells the user its number, the wait and the contact', async () => {
    const bot = testBot();
    await play([[MENU.certificate, PHRASES.certPassword], [CHOICES.certPassword.have, PHRASES.certLogin]], bot);
    const activities = await sayActivities(bot.adapter, '担当者');
    const texts = activities.filter((a) => a.type === 'message').map((a) => a.text ?? '');
    const id = announcedId(texts);
    const all = texts.join('\n');
    expect(all).toContain(HANDOFF_PHRASES.opened(id));
    expect(all).toContain(HANDOFF_PHRASES.openNow);
    expect(all).not.toContain(HANDOFF_PHRASES.closedNow);
    expect(all).toContain(kb.contact.phone);
    expect(all).toContain(kb.contact.hoursText);
    expect(all).toContain('ただいま電話受付時間内です。');
    // The dialog that was waiting is not asked again.
    expect(all).not.toContain(PHRASES.certLogin);

    const ticket = await onlyTicket(bot);
    expect(ticket).toMatchObject({
      id,
      status: 'waiting',
      reason: 'requested',
      channel: 'test',
      userName: 'User1',
      createdAt: NOW_ISO,
      conversation: { channelId: 'test', conversation: { id: 'Convo1' }, user: { id: 'user1' } },
      facts: { topic: 'certificate', certificatePassword: 'yes' },
      helpdesk: {},
    });
    expect(ticket.takenAt).toBeUndefined();
    expect(ticket.agent).toBeUndefined();
    expect(ticket.summary).toBe('電子証明書: 証明書発行用パスワード: 手元にある — 担当者との会話を希望');

    // The standard hand-off event for contact-centre platforms comes with it.
    const event = activities.find((a) => a.type === 'event');
    expect(event).toMatchObject({ name: 'handoff.initiate', value: { ticketId: id, summary: ticket.summary, facts: ticket.facts } });
  });

  it('「担当者」 as the very first message opens one too', async () => {
    const bot = testBot();
    const ticket = await handedOff(bot);
    expect(ticket).toMatchObject({ status: 'waiting', reason: 'requested' });
    expect(ticket.summary).toBe('詳細未確認 — 担当者との会話を希望');
  });

  it('other ways of asking for a person (「オペレーターにつないでください」, 「人と話したい」) open one', async () => {
    for (const text of ['オペレーターにつないでください', '人と話したい']) {
      const bot = testBot();
      await say(bot.adapter, 'こんにちは');
      const ticket = await handedOff(bot, text);
      expect(ticket.reason, text).toBe('requested');
    }
  });

  it("the menu's 担当者に相談 (typed, or its number 6) opens a waiting ticket", async () => {
    for (const choice of [MENU.human, '6']) {
      const bot = testBot();
      await play([['こんにちは', PHRASES.welcome]], bot);
      const ticket = await handedOff(bot, choice);
      expect(ticket).toMatchObject({ status: 'waiting', reason: 'requested', channel: 'test' });
    }
  });

  it('a first いいえ to 解決しましたか？ shows the contact and offers a hand-off; no ticket yet', async () => {
    const bot = testBot();
    await certificateWalk(bot);
    await play([[NO, PHRASES.escalationUnsolved, PHRASES.escalation, contact, asksLast(PHRASES.handoffOffer, HANDOFF_CHOICES), { not: OPENED }]], bot);
    expect(await bot.handoff.tickets.list()).toEqual([]);
  });

  it('担当者に引き継ぐ then opens a ticket (reason unsolved) with the facts the dialogs collected', async () => {
    const bot = testBot();
    await certificateWalk(bot);
    await say(bot.adapter, NO);
    const replies = await say(bot.adapter, CHOICES.handoff.yes);
    const id = announcedId(replies);
    const ticket = await onlyTicket(bot);
    expect(ticket.id).toBe(id);
    expect(ticket).toMatchObject({ status: 'waiting', reason: 'unsolved' });
    expect(ticket.facts).toEqual({
      topic: 'certificate',
      certificatePassword: 'yes',
      kjLogin: 'yes',
      certificateHistory: 'no',
      shownEntries: ['cert-install-dx', 'cert-verify'],
      feedback: [{ entryId: 'cert-install-dx', solved: false }],
      unanswered: [],
    });
    expect(ticket.summary).toBe('電子証明書: 証明書発行用パスワード: 手元にある／電子請求受付システムへのログイン: ログインできる／介護保険証明書の発行履歴: 発行履歴なし — ボットの案内で解決せず');
  });

  it('the offer also accepts its number: 1 = 担当者に引き継ぐ', async () => {
    const bot = testBot();
    await say(bot.adapter, CERT_QUESTION);
    await say(bot.adapter, NO);
    announcedId(await say(bot.adapter, '1'));
    expect((await onlyTicket(bot)).reason).toBe('unsolved');
  });

  it('自分で問い合わせる opens no ticket, and the next message gets a normal answer', async () => {
    const bot = testBot();
    await certificateWalk(bot);
    await say(bot.adapter, NO);
    await play([[CHOICES.handoff.no, PHRASES.handoffDeclined, { not: OPENED }]], bot);
    expect(await bot.handoff.tickets.list()).toEqual([]);
    await play([[MENU.certificate, PHRASES.certPassword, { not: HANDOFF_PHRASES.waiting }]], bot);
  });

  it('a second いいえ in the same conversation opens a ticket directly, without the offer', async () => {
    const bot = testBot();
    await say(bot.adapter, CERT_QUESTION);
    await say(bot.adapter, NO);
    await say(bot.adapter, CHOICES.handoff.no);
    expect(await bot.handoff.tickets.list()).toEqual([]);

    await play([[CERT_QUESTION, asksLast(SOLVED, ['はい', 'いいえ'])]], bot);
    const replies = await say(bot.adapter, NO);
    announcedId(replies);
    expect(replies.join('\n')).not.toContain(PHRASES.handoffOffer);
    expect(replies.join('\n')).not.toContain(choiceLine(HANDOFF_CHOICES));
    const ticket = await onlyTicket(bot);
    expect(ticket.reason).toBe('unsolved');
    expect(ticket.facts.feedback.filter((f) => !f.solved)).toHaveLength(2);
  });

  it('an unknown error message opens a ticket (reason unknown-error) with facts.errorMessage', async () => {
    const bot = testBot();
    const pasted = 'ERR-9999 想定外の状態が発生しました (0x8004)';
    await play([[MENU.error, PHRASES.errorAsk]], bot);
    const replies = await say(bot.adapter, pasted);
    expect(replies.join('\n')).toContain(PHRASES.errorUnknown);
    announcedId(replies);
    const ticket = await onlyTicket(bot);
    expect(ticket).toMatchObject({ status: 'waiting', reason: 'unknown-error', facts: { topic: 'error', errorMessage: pasted } });
    expect(ticket.summary).toBe(`エラーメッセージ: エラー「${pasted}」 — ガイドにないエラーメッセージ`);
  });

  it('three answers that fit no button open a ticket (reason retries)', async () => {
    const bot = testBot();
    await play(
      [
        [MENU.certificate, PHRASES.certPassword],
        ['xyz', PHRASES.notUnderstood, { not: OPENED }],
        ['abc', PHRASES.notUnderstood, { not: OPENED }],
        ['qqq', PHRASES.tooManyRetries, OPENED],
      ],
      bot,
    );
    expect((await onlyTicket(bot)).reason).toBe('retries');
  });

  it('the ticket holds a transcript of user and bot lines, in order, up to the hand-off request', async () => {
    const bot = testBot();
    await play([[MENU.certificate], [CHOICES.certPassword.missing], [CHOICES.login.yes]], bot);
    const ticket = await handedOff(bot);
    const { transcript } = ticket;
    expect(transcript.every((l) => l.at === NOW_ISO)).toBe(true);
    expect(new Set(transcript.map((l) => l.from))).toEqual(new Set(['user', 'bot']));
    const users = transcript.filter((l) => l.from === 'user').map((l) => l.text);
    expect(users).toEqual([MENU.certificate, CHOICES.certPassword.missing, CHOICES.login.yes, '担当者']);
    // Each user line is followed by the bot's answer to it.
    const at = (text: string) => transcript.findIndex((l) => l.from === 'user' && l.text === text);
    expect(transcript[at(MENU.certificate) + 1]).toMatchObject({ from: 'bot', text: expect.stringContaining(PHRASES.certPassword) });
    expect(transcript.slice(at(CHOICES.certPassword.missing) + 1, at(CHOICES.login.yes)).map((l) => l.text).join('\n')).toContain(PHRASES.certLogin);
    expect(transcript.at(-1)).toMatchObject({ from: 'user', text: '担当者' });
    expect(ticket.facts).toMatchObject({ certificatePassword: 'no', kjLogin: 'yes', shownEntries: ['cert-password-reissue'] });
  });

  it('every hand-off opens a new ticket: after one is resolved, 担当者 again gives another number', async () => {
    const bot = testBot();
    const first = await handedOff(bot);
    await bot.handoff.resolve(first.id, '佐藤');
    proactive(bot.adapter);
    const second = await handedOff(bot);
    expect(second.id).not.toBe(first.id);
    expect((await bot.handoff.tickets.list('waiting')).map((t) => t.id)).toEqual([second.id]);
  });
});

describe('secrets never reach the ticket', () => {
  it('a password pasted during the dialogs is in no ticket field, hand-off event or stored state', async () => {
    const bot = testBot();
    const secrets = ['abc12345', 'Zx9kq77!', '4321'];
    await play(
      [
        [MENU.certificate, PHRASES.certPassword],
        [`パスワードは ${secrets[0]} です`, PHRASES.secretWarning, PHRASES.certPassword],
        [CHOICES.certPassword.have, PHRASES.certLogin],
        [`ログインできません。PW: ${secrets[1]}`, PHRASES.secretWarning],
        [`暗証番号 ${secrets[2]}`, PHRASES.secretWarning],
      ],
      bot,
    );
    const activities = await sayActivities(bot.adapter, '担当者');
    const ticket = await onlyTicket(bot);
    const json = JSON.stringify(ticket);
    const event = JSON.stringify(activities.find((a) => a.type === 'event'));
    for (const secret of secrets) {
      expect(json).not.toContain(secret);
      expect(event).not.toContain(secret);
      expect(storageText(bot.storage)).not.toContain(secret);
    }
    // The dropped messages leave no user line at all (not even a redacted one).
    expect(ticket.transcript.filter((l) => l.from === 'user').map((l) => l.text)).toEqual([MENU.certificate, CHOICES.certPassword.have, '担当者']);
  });

  it('a password in a pasted error message is not kept as facts.errorMessage', async () => {
    const bot = testBot();
    await say(bot.adapter, MENU.error);
    await play([['ログインエラー パスワード「Qw3rty99」が違います', PHRASES.secretWarning]], bot);
    await say(bot.adapter, '担当者');
    const ticket = await onlyTicket(bot);
    expect(JSON.stringify(ticket)).not.toContain('Qw3rty99');
  });

  it('a password sent while the ticket waits is not added to it; the user is warned', async () => {
    const bot = testBot();
    const { id } = await handedOff(bot);
    const before = (await bot.handoff.tickets.get(id))!.transcript.length;
    const replies = await say(bot.adapter, 'パスワードは Secret123 です');
    expect(replies).toContain(PHRASES.secretWarning);
    expect(replies.join('\n')).not.toContain('Secret123');
    const ticket = (await bot.handoff.tickets.get(id))!;
    expect(ticket.transcript).toHaveLength(before);
    expect(JSON.stringify(ticket)).not.toContain('Secret123');
  });

  it("an agent's message with a password is redacted in the transcript and in what the user receives", async () => {
    const bot = testBot();
    const { id } = await handedOff(bot);
    await bot.handoff.take(id, '佐藤');
    proactive(bot.adapter);
    const ticket = await bot.handoff.fromAgent(id, '佐藤', '仮パスワードは Tmp12345 です');
    expect(JSON.stringify(ticket)).not.toContain('Tmp12345');
    expect(ticket.transcript.at(-1)).toMatchObject({ from: 'agent', text: `仮パスワードは ${REDACTED} です` });
    const sent = proactive(bot.adapter).map((a) => a.text ?? '');
    expect(sent).toEqual([HANDOFF_PHRASES.fromAgent('佐藤', `仮パスワードは ${REDACTED} です`)]);
  });
});

describe('outside business hours', () => {
  it('on a Saturday the user is told 受付時間外, when the line reopens, and the phone number', async () => {
    const bot = testBot({ now: jst('2026-11-21T10:00') });
    const replies = await say(bot.adapter, '担当者');
    const all = replies.join('\n');
    announcedId(replies);
    expect(all).toContain(HANDOFF_PHRASES.closedNow);
    expect(all).not.toContain(HANDOFF_PHRASES.openNow);
    expect(all).toContain('受付時間外');
    // Monday 23 Nov is 勤労感謝の日: the line reopens on Tuesday.
    expect(all).toContain('次の受付開始は11月24日(火) 9:00');
    expect(all).toContain(kb.contact.phone);
    expect(all).toContain(kb.contact.hoursText);
    // The ticket is still opened, for the helpdesk to pick up in order.
    expect(await onlyTicket(bot)).toMatchObject({ status: 'waiting', createdAt: jst('2026-11-21T10:00').toISOString() });
  });

  it('a weekday after 17:00 names the next morning', async () => {
    const bot = testBot({ now: jst('2026-11-19T17:30') });
    const all = (await say(bot.adapter, MENU.human)).join('\n');
    expect(all).toContain(HANDOFF_PHRASES.closedNow);
    expect(all).toContain('次の受付開始は11月20日(金) 9:00');
  });
});

describe('while a ticket is open', () => {
  it('waiting: a message gets 「担当者に伝えました」 only, no dialog reply, and is added to the transcript', async () => {
    const bot = testBot();
    const { id, transcript } = await handedOff(bot);
    for (const text of ['まだですか？', MENU.certificate, '最初から', '担当者']) {
      const replies = await say(bot.adapter, text);
      expect(replies, text).toEqual([HANDOFF_PHRASES.waiting]);
    }
    const after = (await bot.handoff.tickets.get(id))!;
    expect(after.status).toBe('waiting');
    expect(after.transcript.slice(transcript.length)).toEqual(
      ['まだですか？', MENU.certificate, '最初から', '担当者'].map((text) => ({ from: 'user', text, at: NOW_ISO })),
    );
    // Still one ticket: asking for 担当者 again did not open another.
    expect(await bot.handoff.tickets.list()).toHaveLength(1);
  });

  it('キャンセル takes the user back to the bot: the ticket is resolved and the next message gets a normal answer', async () => {
    const bot = testBot();
    const { id } = await handedOff(bot);
    expect(await say(bot.adapter, 'キャンセル')).toEqual([HANDOFF_PHRASES.cancelledByUser]);
    expect((await bot.handoff.tickets.get(id))!.status).toBe('resolved');
    expect((await say(bot.adapter, '介護DX証明書のインストール方法を教えてください')).join('\n')).toContain('【介護DX証明書のインストール】');
  });

  it('take: the user is told proactively 「担当者（…）が対応します」; the ticket is in-progress with the agent', async () => {
    const bot = testBot();
    const { id } = await handedOff(bot);
    const taken = await bot.handoff.take(id, '山田');
    expect(taken).toMatchObject({ id, status: 'in-progress', agent: '山田', takenAt: NOW_ISO });
    expect(await bot.handoff.tickets.get(id)).toEqual(taken);
    const sent = proactive(bot.adapter);
    expect(sent.map((a) => a.text)).toEqual([HANDOFF_PHRASES.taken('山田')]);
    expect(sent[0]).toMatchObject({ type: 'message', conversation: { id: 'Convo1' }, recipient: { id: 'user1' } });
  });

  it('in progress: the user\'s messages go to the transcript and get no reply at all', async () => {
    const bot = testBot();
    const { id } = await handedOff(bot);
    await bot.handoff.take(id, '山田');
    proactive(bot.adapter);
    expect(await say(bot.adapter, '証明書のインポートで止まります')).toEqual([]);
    expect(await say(bot.adapter, MENU.faq)).toEqual([]);
    const ticket = (await bot.handoff.tickets.get(id))!;
    expect(ticket.transcript.slice(-2)).toEqual([
      { from: 'user', text: '証明書のインポートで止まります', at: NOW_ISO },
      { from: 'user', text: MENU.faq, at: NOW_ISO },
    ]);
  });

  it("fromAgent relays the agent's text to the user and records it", async () => {
    const bot = testBot();
    const { id } = await handedOff(bot);
    await bot.handoff.take(id, '山田');
    proactive(bot.adapter);
    const ticket = await bot.handoff.fromAgent(id, '山田', '画面のどこで止まりますか？');
    expect(proactive(bot.adapter).map((a) => a.text)).toEqual([HANDOFF_PHRASES.fromAgent('山田', '画面のどこで止まりますか？')]);
    expect(ticket.transcript.at(-1)).toEqual({ from: 'agent', text: '画面のどこで止まりますか？', at: NOW_ISO });
    expect(await bot.handoff.tickets.get(id)).toEqual(ticket);
  });

  it('resolve: the user is told the bot is back, and the next message gets a normal answer', async () => {
    const bot = testBot();
    const { id } = await handedOff(bot);
    await bot.handoff.take(id, '山田');
    await bot.handoff.fromAgent(id, '山田', '解決しました。');
    proactive(bot.adapter);
    const resolved = await bot.handoff.resolve(id);
    expect(resolved).toMatchObject({ status: 'resolved', resolvedAt: NOW_ISO, agent: '山田' });
    expect(proactive(bot.adapter).map((a) => a.text)).toEqual([HANDOFF_PHRASES.resolved]);

    const lines = resolved.transcript.length;
    await play([[MENU.certificate, PHRASES.certPassword, { not: HANDOFF_PHRASES.waiting }]], bot);
    // That message is the bot's again: it is not added to the closed ticket.
    expect((await bot.handoff.tickets.get(id))!.transcript).toHaveLength(lines);
  });

  it('resolve of a waiting ticket (nobody took it) records the resolving agent', async () => {
    const bot = testBot();
    const { id } = await handedOff(bot);
    const resolved = await bot.handoff.resolve(id, '鈴木');
    expect(resolved).toMatchObject({ status: 'resolved', agent: '鈴木', resolvedAt: NOW_ISO });
    expect(resolved.takenAt).toBeUndefined();
    expect(proactive(bot.adapter).map((a) => a.text)).toEqual([HANDOFF_PHRASES.resolved]);
    expect((await say(bot.adapter, MENU.certificate)).join('\n')).toContain(PHRASES.certPassword);
  });
});

describe('refused agent actions', () => {
  it('a second take is refused (HandoffRefusedError naming the agent who has it); nothing changes, nothing is sent', async () => {
    const bot = testBot();
    const { id } = await handedOff(bot);
    const taken = await bot.handoff.take(id, '山田');
    proactive(bot.adapter);
    const err = await bot.handoff.take(id, '佐藤').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HandoffRefusedError);
    expect((err as Error).message).toContain(id);
    expect((err as Error).message).toContain('山田');
    expect(await bot.handoff.tickets.get(id)).toEqual(taken);
    expect(proactive(bot.adapter)).toEqual([]);
  });

  it('fromAgent before take is refused; the user receives nothing and the transcript is unchanged', async () => {
    const bot = testBot();
    const ticket = await handedOff(bot);
    proactive(bot.adapter);
    await expect(bot.handoff.fromAgent(ticket.id, '山田', 'こんにちは')).rejects.toBeInstanceOf(HandoffRefusedError);
    expect(proactive(bot.adapter)).toEqual([]);
    expect(await bot.handoff.tickets.get(ticket.id)).toEqual(ticket);
  });

  it('after resolve: take, fromAgent and resolve are all refused', async () => {
    const bot = testBot();
    const { id } = await handedOff(bot);
    const resolved = await bot.handoff.resolve(id, '山田');
    proactive(bot.adapter);
    await expect(bot.handoff.take(id, '佐藤')).rejects.toBeInstanceOf(HandoffRefusedError);
    await expect(bot.handoff.fromAgent(id, '山田', 'まだいますか')).rejects.toBeInstanceOf(HandoffRefusedError);
    await expect(bot.handoff.resolve(id, '山田')).rejects.toBeInstanceOf(HandoffRefusedError);
    expect(await bot.handoff.tickets.get(id)).toEqual(resolved);
    expect(proactive(bot.adapter)).toEqual([]);
  });

  it('an unknown ticket id is TicketNotFoundError for take, fromAgent and resolve', async () => {
    const bot = testBot();
    await expect(bot.handoff.take('HD-00000000', '山田')).rejects.toBeInstanceOf(TicketNotFoundError);
    await expect(bot.handoff.fromAgent('HD-00000000', '山田', 'x')).rejects.toBeInstanceOf(TicketNotFoundError);
    await expect(bot.handoff.resolve('HD-00000000')).rejects.toBeInstanceOf(TicketNotFoundError);
  });
});
