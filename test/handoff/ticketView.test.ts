import { describe, expect, it } from 'vitest';
import { ticketCard } from '../../src/channels/teams/teamsHelpdesk';
import { renderTicket } from '../../src/channels/slack/slackTicketMessage';
import { emptyFacts } from '../../src/dialogs/triageFacts';
import type { HandoffTicket } from '../../src/handoff/ticket';
import { queueItem, ticketView } from '../../src/handoff/ticketView';
import { cardTexts, buttons } from '../support/server';
import { buttonsOf, sectionTexts } from '../support/fakeSlackApi';

const ticket: HandoffTicket = {
  id: 'HD-0000ABCD',
  status: 'in-progress',
  reason: 'unsolved',
  channel: 'msteams',
  conversation: {},
  userName: '介護 花子',
  agent: '佐藤',
  facts: { ...emptyFacts(), topic: 'certificate', certificatePassword: 'yes', errorMessage: 'E_CERT_*01*', shownEntries: ['cert-install-dx'], feedback: [{ entryId: 'cert-install-dx', solved: false }] },
  summary: '電子証明書: 証明書発行用パスワード: 手元にある — ボットの案内で解決せず',
  transcript: [
    { from: 'user', text: '電子証明書のインストール', at: '2026-11-19T01:00:00.000Z' },
    { from: 'bot', text: 'お手元にありますか？', at: '2026-11-19T01:00:01.000Z' },
  ],
  createdAt: '2026-11-19T01:00:00.000Z',
  takenAt: '2026-11-19T01:05:00.000Z',
  helpdesk: {},
};

describe('one ticket view, laid out by each surface', () => {
  const view = ticketView(ticket);

  it('holds the rows, facts, transcript and actions an agent needs, in Japanese', () => {
    expect(view.title).toBe('ヘルプデスク受付 HD-0000ABCD');
    expect(view.statusLabel).toBe('対応中（佐藤）');
    expect(view.rows.map((r) => [r.label, r.value])).toEqual([
      ['受付番号', 'HD-0000ABCD'],
      ['状態', '対応中（佐藤）'],
      ['担当者', '佐藤'],
      ['利用者', '介護 花子'],
      ['チャネル', 'Teams'],
      ['受付日時', '2026/11/19 10:00'],
      ['対応開始', '2026/11/19 10:05'],
    ]);
    expect(view.facts.map((r) => r.label)).toEqual(['証明書発行用パスワード', 'エラーメッセージ', '案内済みの手順', '解決しましたか？']);
    expect(view.transcript.map((l) => `${l.speaker}: ${l.text}`)).toEqual(['利用者: 電子証明書のインストール', 'ボット: お手元にありますか？']);
    expect(view.actions.map((a) => a.kind)).toEqual(['resolve']);
    expect(ticketView({ ...ticket, status: 'waiting', agent: undefined }).actions.map((a) => a.label)).toEqual(['対応する', '完了']);
    expect(ticketView({ ...ticket, status: 'resolved' }).actions).toEqual([]);
    expect(queueItem(ticket)).toMatchObject({ statusLabel: '対応中（佐藤）', channel: 'Teams', topic: '電子証明書', keyFacts: view.facts.slice(0, 3) });
  });

  it('Teams and Slack show the same rows, facts, lines and buttons, each escaped for its own markup', () => {
    const card = { ...ticketCard(ticket), type: 'message' };
    const teams = cardTexts(card);
    const slack = sectionTexts({ channel: 'C1', ts: '1', ...renderTicket(ticket) } as never).join('\n');
    for (const row of [...view.rows, ...view.facts]) {
      const teamsValue = row.value.replace(/([*_`[\]])/g, '\\$1');
      expect(teams, row.label).toContain(`${row.label}: ${teamsValue}`);
      expect(slack, row.label).toContain(`*${row.label}*\n${row.value}`);
    }
    for (const line of view.transcript) {
      expect(teams).toContain(`${line.speaker}: ${line.text}`);
      expect(slack).toContain(`${line.speaker}: ${line.text}`);
    }
    expect(buttons(card)).toEqual(view.actions.map((a) => a.label));
    expect(buttonsOf({ channel: 'C1', ts: '1', ...renderTicket(ticket) } as never).map((b) => b.label)).toEqual(view.actions.map((a) => a.label));
  });
});
