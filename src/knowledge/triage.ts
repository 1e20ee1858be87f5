import type { Facts, FactReader, Reading } from './facts';
import type { Candidate, Router } from './router';
import type { Entry, Topic } from './schema';

/** What to do with a message that answers no question: answer it, ask which entry, or start a topic's triage. */
export type Plan = Reading &
  (
    | { action: 'answer'; answers: Entry[] }
    | { action: 'unsure'; candidates: Entry[] }
    /** `routed`: the router's own answer, when it has one (an overview may open the triage). */
    | { action: 'triage'; topic: Topic; routed?: Entry }
    | { action: 'off-topic' }
  );

export type Fit = 'fits' | 'open' | 'ruled-out';

/**
 * How an entry stands to what the user said (its `when` in the knowledge base): it fits when every
 * fact of one alternative is stated with a listed value, is ruled out when every alternative has a
 * fact stated otherwise, and is open otherwise.
 */
export function fitOf(entry: Entry, facts: Facts): Fit {
  let contradicted = false;
  for (const alternative of entry.when) {
    const stated = Object.entries(alternative).map(([slot, values]) => ({ value: facts[slot as keyof Facts], values }));
    if (stated.every(({ value, values }) => value !== undefined && values.includes(value))) return 'fits';
    contradicted ||= stated.some(({ value, values }) => value !== undefined && !values.includes(value));
  }
  // 発行履歴あり rules 3-1 out, though the user did not say which certificate they meant to install.
  return contradicted ? 'ruled-out' : 'open';
}

/** A message saying this little beyond its topic and facts does not choose a branch by its words (screen labels would). */
const NEARLY_VAGUE = 6;

/**
 * Decides what a message that answers no question asks for, from the router's candidates and the
 * facts the message states. Facts decide between entries that share their words: an entry the facts
 * rule out is dropped (発行履歴はありました → not 「証明書発行の履歴はありません」), one they fit comes
 * first. A message that names only a topic (証明書を入れたい), or whose best entry is one branch of a
 * choice the user has not made (3-1 or 3-2), starts that topic's triage instead of guessing.
 */
export function planFor(text: string, router: Router, reader: FactReader): Plan {
  const reading = reader.read(text);
  const route = router.route(text);
  const ranked = rank(route.candidates, reading.facts);
  const best = ranked[0];
  const topic = reading.topics[0];
  const fits = best !== undefined && fitOf(best.entry, reading.facts) === 'fits';
  // The facts point at an entry the router also found: that is the answer, however the message is worded.
  if (fits && route.decision !== 'off-topic') return { ...reading, action: 'answer', answers: companions(ranked, route.answers) };
  // A pasted error message says what is wrong, however few other words come with it.
  const quoted = route.decision === 'answer' && route.quoted === best?.entry;
  if (quoted) return { ...reading, action: 'answer', answers: companions(ranked, route.answers) };
  if (reading.vague && topic) return { ...reading, action: 'triage', topic, routed: route.decision === 'answer' ? best?.entry : undefined };
  if (route.decision === 'off-topic' || !best) return { ...reading, action: 'off-topic' };
  // "新しいパソコンに証明書を入れたい": little more than the topic, and 3-1 or 3-2 depends on what the triage asks.
  if (best.entry.asksFirst && reading.residual <= NEARLY_VAGUE) return { ...reading, action: 'triage', topic: best.entry.topic };
  const reordered = best.entry !== route.candidates[0]?.entry;
  if (route.decision === 'answer' && !reordered) return { ...reading, action: 'answer', answers: companions(ranked, route.answers) };
  return { ...reading, action: 'unsure', candidates: ranked.map((c) => c.entry) };
}

/** Share of the best score at which an entry the facts fit is put before a best entry they do not. */
const FIT_RATIO = 0.5;

/**
 * The candidates the facts do not rule out, in the router's order, except that an entry the facts
 * fit goes first when it scores close to the best (発行用パスワードが… between section 4 and FAQ Q1):
 * the facts decide between entries that share their words, not against a clear winner.
 */
function rank(candidates: Candidate[], facts: Facts): Candidate[] {
  const kept = candidates.filter((c) => fitOf(c.entry, facts) !== 'ruled-out');
  const [first] = kept;
  if (!first || fitOf(first.entry, facts) === 'fits') return kept;
  const close = kept.find((c) => fitOf(c.entry, facts) === 'fits' && (c.score >= FIT_RATIO * first.score || first !== candidates[0]));
  return close ? [close, ...kept.filter((c) => c !== close)] : kept;
}

/** The best entry, with the router's companion when the facts kept it. */
function companions(ranked: Candidate[], routed: Candidate[]): Entry[] {
  const [best] = ranked;
  if (routed[0]?.entry !== best!.entry) return [best!.entry];
  const kept = routed.filter((a) => ranked.includes(a) && a !== best).map((a) => a.entry);
  return [best!.entry, ...kept.slice(0, 1)];
}
