import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { z } from 'zod';
import { Contact, Entry, KnowledgeFile, SynonymFile } from './schema';

export const KNOWLEDGE_DIR = join(__dirname, 'data');
/** Files holding entries, in the order answers are listed when scores tie. */
export const ENTRY_FILES = ['certificate.yaml', 'onboarding.yaml', 'faq.yaml', 'errors.yaml'];

const OffTopicFile = z.strictObject({ examples: z.array(z.string().min(1)).min(1) });

export interface KnowledgeBase {
  entries: Entry[];
  byId: ReadonlyMap<string, Entry>;
  contact: Contact;
  synonyms: SynonymFile['synonyms'];
  offTopicExamples: string[];
}

export class KnowledgeError extends Error {
  constructor(readonly problems: string[]) {
    super(`knowledge base is invalid:\n  ${problems.join('\n  ')}`);
    this.name = 'KnowledgeError';
  }
}

/** Reads and validates every data file; throws one KnowledgeError listing every problem by file, entry and field. */
export function loadKnowledge(dir = KNOWLEDGE_DIR): KnowledgeBase {
  const problems: string[] = [];
  const read = <T>(file: string, schema: z.ZodType<T>): T | undefined => {
    let raw: unknown;
    try {
      raw = load(readFileSync(join(dir, file), 'utf8'), { filename: file });
    } catch (err) {
      problems.push(`${file}: ${(err as Error).message.split('\n')[0]}`);
      return undefined;
    }
    const result = schema.safeParse(raw);
    if (result.success) return result.data;
    for (const issue of result.error.issues) problems.push(`${file}: ${describeIssue(raw, issue)}`);
    return undefined;
  };

  const fileOf = new Map<Entry, string>();
  const entries = ENTRY_FILES.flatMap((file) => {
    const fileEntries = read(file, KnowledgeFile)?.entries ?? [];
    for (const entry of fileEntries) fileOf.set(entry, file);
    return fileEntries;
  });
  const contact = read('contact.yaml', Contact);
  const synonyms = read('synonyms.yaml', SynonymFile)?.synonyms;
  const offTopic = read('offtopic.yaml', OffTopicFile)?.examples;

  const byId = new Map<string, Entry>();
  for (const entry of entries) {
    const first = byId.get(entry.id);
    if (first) problems.push(`${fileOf.get(entry)}: entry "${entry.id}", field id: already used in ${fileOf.get(first)}`);
    byId.set(entry.id, entry);
  }
  for (const entry of entries) {
    for (const id of entry.related) {
      if (!byId.has(id)) problems.push(`${fileOf.get(entry)}: entry "${entry.id}", field related: unknown entry "${id}"`);
    }
  }
  if (problems.length > 0 || !contact || !synonyms || !offTopic) throw new KnowledgeError(problems);
  return { entries, byId, contact, synonyms, offTopicExamples: offTopic };
}

/** "entry "cert-install-dx" (entries[4]), field steps[2].text: expected string" — what an editor needs to find it. */
function describeIssue(raw: unknown, issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String);
  let where = path.length ? `field ${formatPath(path)}` : 'top level';
  if (path[0] === 'entries' && path.length >= 2) {
    const index = Number(path[1]);
    const id = (raw as { entries?: Array<{ id?: unknown }> })?.entries?.[index]?.id;
    const field = path.slice(2);
    where = `entry ${typeof id === 'string' ? `"${id}" ` : ''}(entries[${index}]), field ${field.length ? formatPath(field) : '(whole entry)'}`;
  }
  return `${where}: ${issue.message}`;
}

function formatPath(path: string[]): string {
  return path.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
