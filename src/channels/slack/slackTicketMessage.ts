import type { HandoffTicket } from '../../handoff/ticket';
import { TICKET_VIEW_PHRASES, ticketView, type TicketActionKind, type ViewLine, type ViewRow } from '../../handoff/ticketView';
import { escapeMrkdwn, truncate } from '../../replies/render/blockKit';

// The ticket message the helpdesk sees in Slack: the ticket's view laid out in Block Kit's limits.

export const HANDOFF_TAKE_ACTION = 'handoff-take';
export const HANDOFF_RESOLVE_ACTION = 'handoff-resolve';
const ACTION_IDS: Record<TicketActionKind, string> = { take: HANDOFF_TAKE_ACTION, resolve: HANDOFF_RESOLVE_ACTION };

/** Slack's limits: 3000 characters per section text, 2000 per field, 150 for a header, 10 fields per section. */
const MAX_SECTION = 3000;
const MAX_FIELD = 2000;
const MAX_HEADER = 150;
const MAX_FIELDS = 10;
/** The transcript in the ticket message: the last lines, each cut, all within one section. */
const TRANSCRIPT_LINES = 15;
const MAX_TRANSCRIPT_LINE = 300;

type Block = Record<string, unknown>;

export const HELPDESK_SLACK_PHRASES = {
  taken: (agent: string) => `${agent} さんが対応を開始しました。このスレッドへの返信は利用者に届きます。`,
  resolved: (agent: string | undefined) => `${agent ? `${agent} さんが` : ''}対応を完了しました。利用者はボットとの会話に戻りました。このスレッドへの返信はもう利用者に届きません。`,
  fromUser: (text: string) => `利用者: ${text}`,
  fromAgent: (agent: string, text: string) => `担当者 (${agent}): ${text}`,
  refused: (reason: string) => `この操作はできませんでした: ${reason}`,
  notFound: (id: string) => `受付 ${id} が見つかりません。`,
  failed: '処理中にエラーが発生しました。もう一度お試しください。',
  fileNotRelayed: 'ファイルは利用者に転送されません。内容を文章で返信してください。',
};

// ---- rendering ------------------------------------------------------------------------------

/** The ticket message: header, summary, the rows and facts as fields, the transcript, and the buttons its status allows. */
export function renderTicket(ticket: HandoffTicket): { text: string; blocks: Block[] } {
  const view = ticketView(ticket);
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`${view.title}｜${view.statusLabel}`, MAX_HEADER), emoji: false } },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(`*${escapeMrkdwn(view.id)}* ${escapeMrkdwn(view.summary)}`, MAX_SECTION) } },
  ];
  const fields = [...view.rows, ...view.facts].map((row) => field(row, row.key === 'user' ? userLabel(ticket) : escapeMrkdwn(row.value)));
  for (let i = 0; i < fields.length; i += MAX_FIELDS) blocks.push({ type: 'section', fields: fields.slice(i, i + MAX_FIELDS) });
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: transcriptText(view.transcript) } });
  const buttons: Block[] = view.actions.map((action) => ({
    type: 'button',
    action_id: ACTION_IDS[action.kind],
    text: { type: 'plain_text', text: action.label },
    value: ticket.id,
    ...(action.kind === 'take' ? { style: 'primary' } : {}),
    ...(action.confirm
      ? { confirm: { title: plain(action.confirm.title), text: plain(action.confirm.text), confirm: plain(action.confirm.yes), deny: plain(action.confirm.no) } }
      : {}),
  }));
  if (buttons.length) blocks.push({ type: 'actions', block_id: `handoff-${ticket.id}`, elements: buttons });
  const text = escapeMrkdwn(`【ヘルプデスク】受付 ${ticket.id}｜${view.statusLabel}: ${ticket.summary}`);
  return { text: truncate(text, MAX_SECTION), blocks };
}

const plain = (text: string) => ({ type: 'plain_text', text });

function field(row: ViewRow, value: string): { type: 'mrkdwn'; text: string } {
  return { type: 'mrkdwn', text: truncate(`*${escapeMrkdwn(row.label)}*\n${value}`, MAX_FIELD) };
}

/** The user as the helpdesk knows them: a Slack user in this workspace is shown as a mention. */
function userLabel(ticket: HandoffTicket): string {
  if (ticket.channel === 'slack' && /^[UW][A-Z0-9]+$/.test(ticket.userName)) return `<@${ticket.userName}>`;
  return escapeMrkdwn(ticket.userName || TICKET_VIEW_PHRASES.noName);
}

/** The last lines, newest last, as many as fit in one section. */
function transcriptText(transcript: ViewLine[]): string {
  const recent = transcript.slice(-TRANSCRIPT_LINES);
  const title = `*${TICKET_VIEW_PHRASES.transcriptHeading}*`;
  const heading = (shown: number) => `${title}（直近 ${shown} 件／全 ${transcript.length} 件）`;
  if (recent.length === 0) return `${title}\n${TICKET_VIEW_PHRASES.noTranscript}`;
  const lines: string[] = [];
  for (const line of [...recent].reverse()) {
    const text = escapeMrkdwn(`${line.speaker}: ${truncate(line.text.replace(/\s+/g, ' ').trim(), MAX_TRANSCRIPT_LINE)}`);
    if ([heading(lines.length + 1), text, ...lines].join('\n').length > MAX_SECTION) break;
    lines.unshift(text);
  }
  return [heading(lines.length), ...lines].join('\n');
}
