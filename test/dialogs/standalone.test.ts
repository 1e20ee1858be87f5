import { ConversationState, MemoryStorage } from 'botbuilder';
import { DialogTurnStatus } from 'botbuilder-dialogs';
import { DialogTestClient } from 'botbuilder-testing';
import { describe, expect, it } from 'vitest';
import { renderReplies } from '../../src/bot/middleware';
import { CHOICES, PHRASES } from '../../src/dialogs/phrases';
import { MainDialog } from '../../src/dialogs/mainDialog';
import { FactReader } from '../../src/knowledge/facts';
import type { TriageFacts } from '../../src/dialogs/triageFacts';
import { hoursPolicy } from '../../src/replies/knowledgeReplies';
import { kb, router } from '../support/testBot';

/** The dialogs on botbuilder-testing's DialogTestClient, without the bot around them, started at the ID triage. */
function idDialogClient() {
  const state = new ConversationState(new MemoryStorage());
  const handoffs: string[] = [];
  const dialog = new MainDialog({
    kb,
    router,
    reader: new FactReader(kb.facts, router.analyzer),
    hours: hoursPolicy(kb.contact, []),
    now: () => new Date('2026-11-19T10:00:00+09:00'),
    facts: state.createProperty<TriageFacts>('triageFacts'),
    openHandoff: async (_context, reason) => {
      handoffs.push(reason);
    },
  });
  return { client: new DialogTestClient('test', dialog, { start: 'id' }, [renderReplies], state), handoffs };
}

/** Sends one message; all the replies of that turn, as text (sendActivity hands back the first). */
async function send(client: DialogTestClient, text: string): Promise<string> {
  const texts: string[] = [];
  for (let reply = await client.sendActivity(text); reply; reply = client.getNextReply()) texts.push(reply.text ?? '');
  return texts.join('\n');
}

describe('the ID triage on DialogTestClient', () => {
  it.each([
    ['registered security mail: the immediate reset', [CHOICES.idType.kj, CHOICES.idStatus.lost, CHOICES.securityMail.yes], /即時/],
    ['no security mail: the postal reissue', [CHOICES.idType.kj, CHOICES.idStatus.lost, CHOICES.securityMail.no], /郵送/],
    ['expired password: FAQ Q2', [CHOICES.idType.kj, CHOICES.idStatus.expired], /Q2\./],
    ['c ID: where the 利用状況WEBサイト shows it', [CHOICES.idType.c], /利用状況WEBサイト/],
  ])('%s, then 解決しましたか？ → はい ends the dialog', async (_name, answers, expected) => {
    const { client } = idDialogClient();
    expect(await send(client, 'start')).toContain(PHRASES.idWhich);
    let last = '';
    for (const answer of answers) last = await send(client, answer);
    expect(last).toMatch(expected);
    expect(last).toContain(PHRASES.solvedQuestion);
    expect(await send(client, 'はい')).toContain(PHRASES.solvedThanks);
    expect(client.dialogTurnResult.status).toBe(DialogTurnStatus.complete);
  });

  it('a first いいえ shows the contact and offers the hand-off; accepting opens it', async () => {
    const { client, handoffs } = idDialogClient();
    let last = '';
    for (const text of ['start', CHOICES.idType.kj, CHOICES.idStatus.expired, 'いいえ']) last = await send(client, text);
    expect(handoffs).toEqual([]);
    expect(last).toContain(PHRASES.handoffOffer);
    await send(client, CHOICES.handoff.yes);
    expect(handoffs).toEqual(['unsolved']);
  });
});
