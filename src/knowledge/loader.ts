import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { z } from 'zod';
import { ANSWER_VALUES, FACT_VALUES } from './factTable';
import { Contact, Entry, FactFile, KnowledgeFile, SynonymFile } from './schema';
import { normalizeText } from './normalize';

export const KNOWLEDGE_DIR = join(__dirname, 'data');
/** Files holding entries, in the order answers are listed when scores tie. */
export const ENTRY_FILES = ['certificate.yaml', 'onboarding.yaml', 'faq.yaml', 'errors.yaml'];

const OffTopicFile = z.strictObject({ examples: z.array(z.string().min(1)).min(1) });

export interface KnowledgeBase {
  entries: Entry[];
  byId: ReadonlyMap<string, Entry>;
  contact: Contact;
  synonyms: SynonymFile['synonyms'];
  facts: FactFile;
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
  const facts = read('facts.yaml', FactFile);
  if (facts) problems.push(...factProblems(facts));
  if (facts && synonyms) problems.push(...polarityClashes(facts, synonyms));

  const byId = new Map<string, Entry>();
  for (const entry of entries) {
    const first = byId.get(entry.id);
    if (first) problems.push(`${fileOf.get(entry)}: entry "${entry.id}", field id: already used in ${fileOf.get(first)}`);
    byId.set(entry.id, entry);
  }
  for (const entry of entries) {
    for (const field of ['related', 'flow'] as const) {
      for (const id of entry[field]) if (!byId.has(id)) problems.push(`${fileOf.get(entry)}: entry "${entry.id}", field ${field}: unknown entry "${id}"`);
    }
  }
  for (const entry of entries) {
    for (const field of ['when', 'unless'] as const) {
      for (const [slot, values] of entry[field].flatMap((alternative) => Object.entries(alternative))) {
        const known: readonly string[] | undefined = FACT_VALUES[slot as keyof typeof FACT_VALUES];
        if (!known) problems.push(`${fileOf.get(entry)}: entry "${entry.id}", field ${field}.${slot}: unknown fact`);
        else for (const value of values) if (!known.includes(value)) problems.push(`${fileOf.get(entry)}: entry "${entry.id}", field ${field}.${slot}: unknown value "${value}"`);
      }
    }
    for (const slot of entry.dependsOn) if (!(slot in FACT_VALUES)) problems.push(`${fileOf.get(entry)}: entry "${entry.id}", field dependsOn: unknown fact "${slot}"`);
  }
  if (problems.length > 0 || !contact || !synonyms || !offTopic || !facts) throw new KnowledgeError(problems);
  return { entries, byId, contact, synonyms, facts, offTopicExamples: offTopic };
}

/**
 * A yes, no or don't-know word that the synonym table rewrites to a word of no such polarity (入らない → インストール)
 * would make every use of that word a polarity: the word belongs in one file or the other.
 */
function polarityClashes(facts: FactFile, synonyms: SynonymFile['synonyms']): string[] {
  const canonicalOf = new Map(synonyms.flatMap((group) => group.variants.map((variant) => [normalizeText(variant), group.canonical] as const)));
  return (['affirm', 'negate', 'unknown'] as const).flatMap((polarity) =>
    facts.polarity[polarity].flatMap((word) => {
      const canonical = canonicalOf.get(normalizeText(word));
      // できへん → できない is the same no.
      const same = canonical !== undefined && facts.polarity[polarity].some((w) => normalizeText(w) === normalizeText(canonical));
      return canonical && !same ? [`facts.yaml: field polarity.${polarity}: "${word}" is a variant of "${canonical}" in synonyms.yaml, so every "${canonical}" would read as ${polarity}`] : [];
    }),
  );
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

/** facts.yaml must define exactly the facts and values the dialogs ask about (facts.ts), no more, no fewer. */
function factProblems(file: FactFile): string[] {
  const problems: string[] = [];
  const check = (section: 'facts' | 'answers', expected: Record<string, readonly string[]>) => {
    const defined = file[section] as Record<string, { values: Record<string, unknown>; replies?: Record<string, unknown>; polarity: Record<string, string | undefined> }>;
    for (const [slot, values] of Object.entries(expected)) {
      const definition = defined[slot];
      if (!definition) {
        problems.push(`facts.yaml: field ${section}.${slot}: missing`);
        continue;
      }
      const have = Object.keys(definition.values);
      for (const value of values) if (!have.includes(value)) problems.push(`facts.yaml: field ${section}.${slot}.values.${value}: missing`);
      for (const value of have) if (!values.includes(value)) problems.push(`facts.yaml: field ${section}.${slot}.values.${value}: not a value of ${slot} (${values.join(', ')})`);
      for (const value of Object.keys(definition.replies ?? {})) if (!values.includes(value)) problems.push(`facts.yaml: field ${section}.${slot}.replies.${value}: not a value of ${slot} (${values.join(', ')})`);
      for (const [polarity, value] of Object.entries(definition.polarity)) {
        if (value !== undefined && !values.includes(value)) problems.push(`facts.yaml: field ${section}.${slot}.polarity.${polarity}: not a value of ${slot}`);
      }
    }
    for (const slot of Object.keys(defined)) if (!(slot in expected)) problems.push(`facts.yaml: field ${section}.${slot}: unknown (known: ${Object.keys(expected).join(', ')})`);
  };
  check('facts', FACT_VALUES);
  check('answers', ANSWER_VALUES);
  const factValues = FACT_VALUES as Record<string, readonly string[]>;
  file.implies.forEach((rule, i) => {
    for (const part of ['if', 'then'] as const) {
      for (const [slot, value] of Object.entries(rule[part])) {
        if (!factValues[slot]?.includes(value)) problems.push(`facts.yaml: field implies[${i}].${part}.${slot}: ${value} is not a value of a fact`);
      }
    }
  });
  for (const slot of file.systems.facts) if (!(slot in factValues)) problems.push(`facts.yaml: field systems.facts: ${slot} is not a fact`);
  return problems;
}
