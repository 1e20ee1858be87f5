import type { TriageFacts } from '../../dialogs/triageFacts';
import { factRows } from '../../knowledge/factTable';
import type { HandoffTicket, TranscriptLine } from '../../handoff/ticket';
import { escapeMrkdwn, truncate } from '../../replies/render/blockKit';

// The ticket message the helpdesk sees in Slack: summary, facts, transcript, status and buttons.

export const HANDOFF_TAKE_ACTION = 'handoff-take';
export const HANDOFF_RESOLVE_ACTION = 'handoff-resolve';

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
  status: (ticket: HandoffTicket) => (ticket.status === 'waiting' ? '対応待ち' : ticket.status === 'in-progress' ? `対応中（${ticket.agent ?? '担当者'}）` : '完了'),
  take: '対応する',
  resolve: '完了',
  taken: (agent: string) => `${agent} さんが対応を開始しました。このスレッドへの返信は利用者に届きます。`,
  resolved: (agent: string | undefined) => `${agent ? `${agent} さんが` : ''}対応を完了しました。利用者はボットとの会話に戻りました。このスレッドへの返信はもう利用者に届きません。`,
  fromUser: (text: string) => `利用者: ${text}`,
  fromAgent: (agent: string, text: string) => `担当者 (${agent}): ${text}`,
  refused: (reason: string) => `この操作はできませんでした: ${reason}`,
  notFound: (id: string) => `受付 ${id} が見つかりません。`,
  failed: '処理中にエラーが発生しました。もう一度お試しください。',
  fileNotRelayed: 'ファイルは利用者に転送されません。内容を文章で返信してください。',
};

const CHANNEL_NAMES: Record<string, string> = { slack: 'Slack', msteams: 'Teams', directline: 'Web チャット', webchat: 'Web チャット', console: 'コンソール' };
const SPEAKERS: Record<TranscriptLine['from'], string> = { user: '利用者', bot: 'ボット', agent: '担当者' };

// ---- rendering ------------------------------------------------------------------------------

/** The ticket message: header, summary, status and user, the facts, the transcript, and the buttons its status allows. */
export function renderTicket(ticket: HandoffTicket): { text: string; blocks: Block[] } {
  const status = HELPDESK_SLACK_PHRASES.status(ticket);
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`受付 ${ticket.id}｜${status}`, MAX_HEADER), emoji: false } },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(`*${escapeMrkdwn(ticket.id)}* ${escapeMrkdwn(ticket.summary)}`, MAX_SECTION) } },
  ];
  const fields = [
    field('状態', status),
    ...(ticket.status === 'resolved' && ticket.agent ? [field('担当者', ticket.agent)] : []),
    { type: 'mrkdwn' as const, text: truncate(`*利用者*\n${userLabel(ticket)}`, MAX_FIELD) },
    field('チャネル', CHANNEL_NAMES[ticket.channel] ?? ticket.channel),
    field('受付日時', tokyoTime(ticket.createdAt)),
    ...factFields(ticket.facts),
  ];
  for (let i = 0; i < fields.length; i += MAX_FIELDS) blocks.push({ type: 'section', fields: fields.slice(i, i + MAX_FIELDS) });
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: transcriptText(ticket.transcript) } });
  const buttons: Block[] = [];
  if (ticket.status === 'waiting') buttons.push({ type: 'button', action_id: HANDOFF_TAKE_ACTION, style: 'primary', text: { type: 'plain_text', text: HELPDESK_SLACK_PHRASES.take }, value: ticket.id });
  if (ticket.status !== 'resolved') {
    buttons.push({
      type: 'button',
      action_id: HANDOFF_RESOLVE_ACTION,
      text: { type: 'plain_text', text: HELPDESK_SLACK_PHRASES.resolve },
      value: ticket.id,
      confirm: {
        title: { type: 'plain_text', text: '対応を完了しますか？' },
        text: { type: 'plain_text', text: '利用者はボットとの会話に戻ります。' },
        confirm: { type: 'plain_text', text: '完了する' },
        deny: { type: 'plain_text', text: 'キャンセル' },
      },
    });
  }
  if (buttons.length) blocks.push({ type: 'actions', block_id: `handoff-${ticket.id}`, elements: buttons });
  const text = escapeMrkdwn(`【ヘルプデスク】受付 ${ticket.id}｜${status}: ${ticket.summary}`);
  return { text: truncate(text, MAX_SECTION), blocks };
}

function field(title: string, value: string): { type: 'mrkdwn'; text: string } {
  return { type: 'mrkdwn', text: truncate(`*${escapeMrkdwn(title)}*\n${escapeMrkdwn(value)}`, MAX_FIELD) };
}

/** The user as the helpdesk knows them: a Slack user in this workspace is shown as a mention. */
function userLabel(ticket: HandoffTicket): string {
  if (ticket.channel === 'slack' && /^[UW][A-Z0-9]+$/.test(ticket.userName)) return `<@${ticket.userName}>`;
  return escapeMrkdwn(ticket.userName || '（不明）');
}

function factFields(facts: TriageFacts): Array<{ type: 'mrkdwn'; text: string }> {
  const out: Array<{ type: 'mrkdwn'; text: string }> = [];
  const add = (title: string, value: string | undefined) => {
    if (value) out.push(field(title, value));
  };
  for (const [label, value] of factRows(facts)) add(label, value);
  add('エラーメッセージ', facts.errorMessage);
  add('案内済みの手順', facts.shownEntries?.join(', '));
  add('解決しましたか？', facts.feedback?.map((f) => `${f.entryId}: ${f.solved ? 'はい' : 'いいえ'}`).join(', '));
  add('答えられなかった質問', facts.unanswered?.join(' / '));
  return out;
}

/** The last lines, newest last, as many as fit in one section. */
function transcriptText(transcript: TranscriptLine[]): string {
  const recent = transcript.slice(-TRANSCRIPT_LINES);
  const heading = (shown: number) => `*これまでのやり取り*（直近 ${shown} 件／全 ${transcript.length} 件）`;
  if (recent.length === 0) return '*これまでのやり取り*\n（記録なし）';
  const lines: string[] = [];
  for (const line of [...recent].reverse()) {
    const text = escapeMrkdwn(`${SPEAKERS[line.from]}: ${truncate(line.text.replace(/\s+/g, ' ').trim(), MAX_TRANSCRIPT_LINE)}`);
    if ([heading(lines.length + 1), text, ...lines].join('\n').length > MAX_SECTION) break;
    lines.unshift(text);
  }
  return [heading(lines.length), ...lines].join('\n');
}

function tokyoTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat('ja-JP', { timeZone: 'Asia/Tokyo', dateStyle: 'short', timeStyle: 'short' }).format(date);
}
