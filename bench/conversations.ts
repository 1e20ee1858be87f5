// `npm run bench:conversations`: how the bot does with staff who type. Every opening, typed answer and
// whole conversation of the sets is played through the real bot (TestAdapter, as in `npm test`); the
// facts are scored on the fact reader's reading of each opening. Targets in the README.
import { basename } from 'node:path';
import { FactReader } from '../src/knowledge/facts';
import { planFor } from '../src/knowledge/triage';
import {
  CONVERSATION_DEV_PATHS,
  CONVERSATION_HOLDOUT_PATHS,
  LABELLED_FACTS,
  loadConversationSet,
  playAnswer,
  playConversation,
  playOpening,
  scoreFacts,
  type AnswerResult,
  type ConversationResult,
  type ConversationSet,
  type OpeningResult,
} from '../test/support/conversationEvaluation';
import { HOLDOUT_PATHS, loadDevSet, loadQuestionSet, percent, scoreRouting, type QuestionSet } from '../test/support/routingEvaluation';
import { kb, router } from '../test/support/testBot';

const reader = new FactReader(kb.facts, router.analyzer);
// Misses are printed for the development sets only: the held-out set is scored, never read for tuning.
const showMisses = process.argv.includes('--misses');
const devOnly = process.argv.includes('--dev');
// `--only conversations-o`: the sets whose file name holds that text.
const only = process.argv[process.argv.indexOf('--only') + 1];
const chosen = (path: string) => !process.argv.includes('--only') || basename(path).includes(only ?? '');

async function reportConversations(name: string, set: ConversationSet, showMisses: boolean) {
  console.log(`${name}: ${set.openings.length} openings, ${set.answers.length} typed answers, ${set.conversations.length} conversations`);
  const openings: OpeningResult[] = [];
  for (const o of set.openings) openings.push(await playOpening(o));
  const openingsRight = openings.filter((r) => r.right).length;
  console.log(`  openings that start the right question or answer: ${percent(openingsRight, openings.length)} (${openingsRight}/${openings.length})`);

  // The reader's own reading: the facts the bot takes from a message, before any dialog adds its own.
  const scores = scoreFacts(set.openings.map((opening) => ({ opening, facts: reader.read(opening.text).facts })));
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const slot of LABELLED_FACTS) {
    const s = scores.get(slot)!;
    tp += s.truePositive;
    fp += s.falsePositive;
    fn += s.falseNegative;
    console.log(`    ${slot.padEnd(20)} precision ${percent(s.truePositive, s.truePositive + s.falsePositive).padStart(7)}   recall ${percent(s.truePositive, s.truePositive + s.falseNegative).padStart(7)}   (${s.truePositive} right, ${s.falsePositive} wrong, ${s.falseNegative} missed)`);
  }
  console.log(`  facts: precision ${percent(tp, tp + fp)}, recall ${percent(tp, tp + fn)}`);

  const answers: AnswerResult[] = [];
  for (const a of set.answers) answers.push(await playAnswer(a));
  const byKind = (kind: (means: string) => boolean) => answers.filter((r) => [r.answer.means].flat().every(kind));
  const choices = byKind((m) => m !== 'question' && m !== 'unclear');
  const asides = answers.filter((r) => !choices.includes(r));
  const rightOf = (rs: typeof answers) => rs.filter((r) => r.right).length;
  console.log(`  typed answers understood: ${percent(rightOf(answers), answers.length)} (${rightOf(answers)}/${answers.length}; choices ${rightOf(choices)}/${choices.length}, own questions and unclear answers ${rightOf(asides)}/${asides.length})`);

  const chats: ConversationResult[] = [];
  for (const c of set.conversations) chats.push(await playConversation(c));
  const solved = chats.filter((c) => c.solved);
  const questions = solved.reduce((n, c) => n + c.questions, 0);
  console.log(`  conversations reaching the right guide entry: ${percent(solved.length, chats.length)} (${solved.length}/${chats.length}), ${(questions / Math.max(1, solved.length)).toFixed(2)} questions per solved conversation`);

  if (showMisses) {
    for (const r of openings) if (!r.right) console.log(`  miss opening: ${r.opening.text}  expect ${JSON.stringify(r.opening.expect)}  got ${r.got}`);
    for (const { opening, facts } of set.openings.map((opening) => ({ opening, facts: reader.read(opening.text).facts }))) {
      const wrong = LABELLED_FACTS.filter((slot) => facts[slot] !== opening.facts[slot]);
      if (wrong.length) console.log(`  miss facts: ${opening.text}  ${wrong.map((s) => `${s}: said ${opening.facts[s] ?? '-'}, read ${facts[s] ?? '-'}`).join('; ')}`);
    }
    for (const r of answers) if (!r.right) console.log(`  miss answer [${r.answer.question}] ${r.answer.text}  means ${r.answer.means}  got ${r.got}`);
    for (const c of chats) if (!c.solved) console.log(`  miss chat: ${c.conversation.turns.join(' / ')}  expect ${c.conversation.expect}  shown ${c.shown.join(', ') || '-'}`);
  }
}

/** Single questions as the first message: the router alone, and what the bot does after the facts have had their say. */
function reportRouting(name: string, set: QuestionSet) {
  const s = scoreRouting(router, set);
  let answered = 0;
  let triaged = 0;
  for (const { q, expect } of set.questions) {
    const plan = planFor(q, router, reader);
    if (plan.action === 'answer' && expect.includes(plan.answers[0]!.id)) answered++;
    else if (plan.action === 'triage' && expect.some((id) => kb.byId.get(id)!.topic === plan.topic)) triaged++;
  }
  const n = s.questions;
  console.log(`${name}: ${n} questions: router top-1 ${percent(s.top1, n)}, answered right ${percent(s.answeredRight, n)}; through the bot: answered right ${percent(answered, n)}, plus ${percent(triaged, n)} into the right topic's triage (${percent(answered + triaged, n)} in all)`);
}

async function main() {
  for (const path of CONVERSATION_DEV_PATHS.filter(chosen)) await reportConversations(`dev ${basename(path)}`, loadConversationSet(path), showMisses);
  reportRouting('routing, dev sets', loadDevSet());
  if (devOnly) return;
  for (const path of CONVERSATION_HOLDOUT_PATHS.filter(chosen)) await reportConversations(`held-out ${basename(path)} (never tuned on)`, loadConversationSet(path), false);
  for (const path of HOLDOUT_PATHS) reportRouting(`routing, held-out ${basename(path)}`, loadQuestionSet(path));
}

void main();
