/**
 * The channel-neutral reply: dialogs build one of these, each channel renders it
 * (console text, Adaptive Card, Block Kit). No SDK types here.
 */
export interface ReplyChoice {
  label: string;
  /** What a click sends back; the label when absent. */
  value?: string;
}

export interface ReplyStep {
  text: string;
  notes: string[];
}

export interface ContactBlock {
  name: string;
  phone: string;
  hoursText: string;
  /** "ただいま受付時間内です" or when the line next opens, computed in Asia/Tokyo. */
  status: string;
  open: boolean;
  supportSiteUrl: string;
  inquiryForm: string;
}

export interface Reply {
  title?: string;
  /** Paragraphs, shown before the steps. */
  text?: string[];
  /** Numbered guide steps. */
  steps?: ReplyStep[];
  /** ※ notes for the whole answer. */
  notes?: string[];
  /** "電子証明書インストール手順 3-1 介護DX証明書のインストール (1/10)". */
  source?: string;
  contact?: ContactBlock;
  choices?: ReplyChoice[];
  /** Identifies the question the choices answer, so a click on an old card is recognised. */
  promptId?: string;
}

export const choiceValue = (choice: ReplyChoice) => choice.value ?? choice.label;

/** Plain-text rendering: the console channel and every channel's notification fallback. */
export function replyToPlainText(reply: Reply, { withChoices = true } = {}): string {
  const lines: string[] = [];
  if (reply.title) lines.push(`【${reply.title}】`);
  lines.push(...(reply.text ?? []));
  reply.steps?.forEach((step, i) => {
    lines.push(`${i + 1}. ${step.text}`);
    for (const note of step.notes) lines.push(`   ※${note.replace(/^※/, '')}`);
  });
  for (const note of reply.notes ?? []) lines.push(`※${note.replace(/^※/, '')}`);
  if (reply.contact) lines.push(...contactLines(reply.contact));
  if (reply.source) lines.push(`出典: ${reply.source}`);
  if (withChoices && reply.choices?.length) lines.push(reply.choices.map((c, i) => `[${i + 1}] ${c.label}`).join('  '));
  return lines.join('\n');
}

/** The notification preview of a reply, and the line a hand-off transcript keeps of it: title and lead text. */
export function replySummary(reply: Reply): string {
  const lead = [reply.title && `【${reply.title}】`, ...(reply.text ?? [])].filter(Boolean).join(' ');
  return (lead || replyToPlainText(reply, { withChoices: false })).slice(0, 300);
}

export function contactLines(contact: ContactBlock): string[] {
  return [contact.name, `電話 ${contact.phone}　${contact.hoursText}`, contact.status, `${contact.inquiryForm}（${contact.supportSiteUrl}）`];
}
