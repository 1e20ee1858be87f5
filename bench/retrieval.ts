// `npm run bench:retrieval`: routing quality and speed, printed as figures (targets in the README).
import { basename } from 'node:path';
import { loadKnowledge, type KnowledgeBase } from '../src/knowledge/loader';
import { Router } from '../src/knowledge/router';
import { HOLDOUT_PATHS, loadDevSet, loadQuestionSet, percent, scoreRouting, type QuestionSet } from '../test/support/routingEvaluation';

const ms = (ns: bigint) => Number(ns) / 1e6;
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

function latency(router: Router, queries: string[], rounds: number) {
  for (const q of queries) router.route(q); // warm-up
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const q of queries) {
      const start = process.hrtime.bigint();
      router.route(q);
      samples.push(ms(process.hrtime.bigint() - start));
    }
  }
  samples.sort((a, b) => a - b);
  return `p50 ${quantile(samples, 0.5).toFixed(3)} ms, p99 ${quantile(samples, 0.99).toFixed(3)} ms (${samples.length} queries)`;
}

/** Ten copies of every entry, each example perturbed differently, so the index really has 10× the terms. */
function tenfold(kb: KnowledgeBase): KnowledgeBase {
  const filler = Array.from('あいうえおかきくけこさしすせそたちつてとなにぬねの');
  const entries = kb.entries.flatMap((entry) =>
    Array.from({ length: 10 }, (_, copy) => ({
      ...entry,
      id: `${entry.id}-x${copy}`,
      related: [],
      examples: entry.examples.map((ex, i) => `${ex}${filler[(copy * 7 + i) % filler.length]}${filler[(copy * 3 + i * 5) % filler.length]}${copy}`),
    })),
  );
  return { ...kb, entries, byId: new Map(entries.map((e) => [e.id, e])) };
}

function report(name: string, router: Router, set: QuestionSet, showMisses = false) {
  const s = scoreRouting(router, set);
  console.log(`${name}: ${s.questions} questions, ${s.offTopicQuestions} off-topic`);
  console.log(`  top-1 ${percent(s.top1, s.questions)}   top-3 ${percent(s.top3, s.questions)}   answered right ${percent(s.answeredRight, s.questions)}   unsure with a right button ${percent(s.offeredRight, s.questions)}   wrongly turned away ${percent(s.rejected, s.questions)}`);
  console.log(`  off-topic rejected ${percent(s.offTopicRejected, s.offTopicQuestions)}`);
  if (showMisses) {
    for (const m of s.misses) console.log(`  miss [${m.decision}] ${m.q}  expect ${m.expect.join('|')}  got ${m.got.join(', ')}`);
    for (const l of s.offTopicLeaks) console.log(`  leak [${l.decision}] ${l.q}  got ${l.got}`);
  }
}

const t0 = process.hrtime.bigint();
const kb = loadKnowledge();
const t1 = process.hrtime.bigint();
const router = new Router(kb);
const t2 = process.hrtime.bigint();
global.gc?.();
const memory = process.memoryUsage();
console.log(`knowledge: ${kb.entries.length} entries, ${kb.entries.reduce((n, e) => n + e.examples.length, 0)} examples`);
console.log(`load+validate ${ms(t1 - t0).toFixed(1)} ms, index build ${ms(t2 - t1).toFixed(1)} ms`);
console.log(`after load: heap ${mb(memory.heapUsed)}, RSS ${mb(memory.rss)}${global.gc ? '' : ' (run with --expose-gc for a settled heap)'}`);

const dev = loadDevSet();
report('dev sets', router, dev, process.argv.includes('--misses'));
for (const path of HOLDOUT_PATHS) report(`held-out ${basename(path)} (never tuned on)`, router, loadQuestionSet(path));

const queries = [...dev.questions.map((q) => q.q), ...dev.offTopic];
console.log(`latency, real KB: ${latency(router, queries, 20)}`);
const bigStart = process.hrtime.bigint();
const big = new Router(tenfold(kb));
console.log(`10× synthetic KB: index build ${ms(process.hrtime.bigint() - bigStart).toFixed(1)} ms, latency ${latency(big, queries, 5)}`);
console.log(`latency, 100 kB input: ${latency(router, ['証明書'.repeat(34_000)], 50)}`);
