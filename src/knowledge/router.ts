import { Analyzer, type TermVector } from './analyzer';
import type { KnowledgeBase } from './loader';
import type { Entry } from './schema';
import { SoftmaxModel, type SparseVector } from './softmax';

export interface Candidate {
  entry: Entry;
  /** Probability the question is about this entry (0–1). */
  score: number;
}

export type Decision = 'answer' | 'unsure' | 'off-topic';

export interface RouteResult {
  decision: Decision;
  /** Best entries first; at most three; empty when off-topic. */
  candidates: Candidate[];
  /**
   * When answering: the entries to show, the best first, then a related entry that fits almost
   * as well (the message entry and the FAQ that answers it, two install procedures): showing both
   * beats a coin toss between them. Empty unless the decision is 'answer'.
   */
  answers: Candidate[];
  /** An error entry whose own message the text quotes (a distinctive fragment of it): the user pasted it. */
  quoted?: Entry;
}

/** Tuned on the development set (see `npm run bench:retrieval`). */
export interface RouterTuning {
  /** The best entry is answered directly at or above this probability (with a clear lead). */
  answerProbability: number;
  /** Below this the question is off-topic, even if an entry is the most likely class. */
  minProbability: number;
  /** Lead over the next unrelated entry needed to answer directly. */
  minLead: number;
  /** Cosine similarity to the nearest known question below which nothing in the guides is close. */
  minSimilarity: number;
  /** Summed IDF of the known terms below which a text is too vague to answer directly... */
  minEvidence: number;
  /** ...unless it is this close to a known question. */
  sameQuestionSimilarity: number;
  /** Added to an error entry's probability when the text contains one of its distinctive message fragments. */
  fragmentBonus: number;
  /** Share of an entry's score that comes from its single closest example rather than the classifier. */
  nearestWeight: number;
  /** Share that comes from matching the entry's own guide text, which names screens and labels no example mentions. */
  contentWeight: number;
  /** A related runner-up at this share of the best score or more is shown with it. */
  companionRatio: number;
  epochs: number;
  learningRate: number;
  l2: number;
  /** Draws the order examples are visited in (SGD): another seed moves top-1 by about ±0.5 %. */
  seed: number;
}

export const DEFAULT_TUNING: RouterTuning = {
  answerProbability: 0.3,
  minProbability: 0.15,
  minLead: 0.1,
  minSimilarity: 0.12,
  minEvidence: 12,
  sameQuestionSimilarity: 0.8,
  fragmentBonus: 0.5,
  nearestWeight: 0.2,
  contentWeight: 0.15, // more, and the long guide texts, which share most of their words, outvote the examples
  companionRatio: 0.5, // lower, and one answer in ten comes with a second entry; the gain flattens out
  epochs: 12,
  learningRate: 5,
  l2: 1e-6,
  seed: 2,
};

/** How many of the classifier's best classes are compared example by example. */
const CONTENDERS = 8;

/**
 * Routes a question to knowledge entries. A softmax classifier over TF-IDF weighted character
 * n-grams (one class per entry plus an off-topic class) decides which entry, helped by the closest
 * known question and by BM25 against each entry's own guide text (for words no example uses); the
 * similarity to the nearest known question says whether anything in the guides is close at all.
 */
export class Router {
  readonly analyzer: Analyzer;
  readonly entries: readonly Entry[];
  private readonly offTopicClass: number;
  private readonly termIndex = new Map<string, number>();
  private readonly idf: Float32Array;
  private readonly model: SoftmaxModel;
  private readonly examplesByClass: SparseVector[][];
  /** Dense copy of the query being routed, indexed by term; zeroed again after each use. */
  private readonly queryScratch: Float32Array;
  private readonly fragments: Array<{ entry: number; text: string }>;
  private readonly content: ContentIndex;

  constructor(kb: KnowledgeBase, readonly tuning: RouterTuning = DEFAULT_TUNING) {
    this.analyzer = new Analyzer(kb.synonyms);
    this.entries = kb.entries;
    this.offTopicClass = kb.entries.length;
    this.fragments = distinctiveFragments(kb.entries, this.analyzer);
    this.content = new ContentIndex(kb.entries.map((entry) => this.analyzer.features(guideText(entry))));

    const documents: Array<{ cls: number; terms: TermVector; text: string }> = [];
    kb.entries.forEach((entry, cls) => {
      for (const text of learnableTexts(entry)) documents.push({ cls, terms: this.analyzer.features(text), text });
    });
    for (const text of kb.offTopicExamples) documents.push({ cls: this.offTopicClass, terms: this.analyzer.features(text), text });

    const documentFrequency: number[] = [];
    for (const { terms } of documents) {
      for (const term of terms.keys()) {
        let index = this.termIndex.get(term);
        if (index === undefined) this.termIndex.set(term, (index = documentFrequency.length));
        documentFrequency[index] = (documentFrequency[index] ?? 0) + 1;
      }
    }
    this.idf = Float32Array.from(documentFrequency, (df) => Math.log((documents.length + 1) / (df + 0.5)));

    const samples = documents.map(({ cls, terms, text }) => ({ x: this.vectorize(terms), y: cls, key: `${cls}:${text}` }));
    this.examplesByClass = Array.from({ length: this.offTopicClass + 1 }, () => []);
    for (const { x, y } of samples) this.examplesByClass[y]!.push(x);
    this.queryScratch = new Float32Array(documentFrequency.length);
    this.model = new SoftmaxModel(documentFrequency.length, kb.entries.length + 1);
    this.model.train(samples, { epochs: tuning.epochs, learningRate: tuning.learningRate, l2: tuning.l2, seed: tuning.seed });
  }

  route(text: string): RouteResult {
    const features = this.analyzer.features(text);
    const x = this.vectorize(features);
    if (x.terms.length === 0) return { decision: 'off-topic', candidates: [], answers: [] };

    const probabilities = this.model.probabilities(x, new Float64Array(this.entries.length + 1));
    // Only the classifier's likeliest classes can win, so only their examples are compared.
    const contenders = Array.from(probabilities.keys()).sort((a, b) => probabilities[b]! - probabilities[a]!).slice(0, CONTENDERS);
    const nearest = this.nearestByClass(x, contenders);
    const content = this.content.scores(features);
    const { nearestWeight, contentWeight } = this.tuning;
    // The guide text says which entry, not whether the question is about the guides at all: that
    // stays with the classifier, so the off-topic class keeps its probability's share of the weight.
    const offTopicProbability = probabilities[this.offTopicClass]!;
    for (let cls = 0; cls < probabilities.length; cls++) {
      const fromContent = cls === this.offTopicClass ? offTopicProbability : (1 - offTopicProbability) * content[cls]!;
      probabilities[cls] = (1 - nearestWeight - contentWeight) * probabilities[cls]! + nearestWeight * (nearest.get(cls) ?? 0) + contentWeight * fromContent;
    }
    const compact = this.analyzer.canonicalize(text).replace(/ /g, '');
    let quoted: Entry | undefined;
    for (const { entry, text: fragment } of this.fragments) {
      if (!quotes(compact, fragment)) continue;
      probabilities[entry]! += this.tuning.fragmentBonus;
      quoted ??= this.entries[entry];
    }
    const ranked = Array.from(probabilities, (score, cls) => ({ cls, score })).sort((a, b) => b.score - a.score);
    const candidates = ranked
      .filter(({ cls }) => cls !== this.offTopicClass)
      .slice(0, 3)
      .map(({ cls, score }) => ({ entry: this.entries[cls]!, score: Math.min(1, score) }));
    const closestQuestion = Math.max(0, ...[...nearest].filter(([cls]) => cls !== this.offTopicClass).map(([, sim]) => sim));
    const offTopic = ranked[0]!.cls === this.offTopicClass || closestQuestion < this.tuning.minSimilarity;
    if (offTopic) return { decision: 'off-topic', candidates: [], answers: [] };
    let decision = this.decide(candidates);
    // A word or two ("証明書", "わからない") is a topic, not a question: offer choices instead of guessing.
    const vague = this.evidence(x) < this.tuning.minEvidence && closestQuestion < this.tuning.sameQuestionSimilarity;
    if (decision === 'answer' && vague) decision = 'unsure';
    if (decision !== 'answer') return { decision, candidates, answers: [] };
    const [best, runnerUp] = candidates as [Candidate, ...Candidate[]];
    const companion = runnerUp && areRelated(best.entry, runnerUp.entry) && runnerUp.score >= this.tuning.companionRatio * best.score;
    return { decision, candidates, answers: companion ? [best, runnerUp] : [best], quoted };
  }

  private decide(candidates: Candidate[]): Decision {
    const [best, ...rest] = candidates;
    const { minProbability, answerProbability, minLead } = this.tuning;
    if (!best || best.score < minProbability) return 'off-topic';
    const rival = rest.find((c) => !areRelated(best.entry, c.entry));
    if (best.score >= answerProbability && (!rival || best.score - rival.score >= minLead)) return 'answer';
    return 'unsure';
  }

  /** For each of the given classes, the cosine similarity of its closest example question. */
  private nearestByClass(x: SparseVector, classes: number[]): Map<number, number> {
    const query = this.queryScratch;
    for (let n = 0; n < x.terms.length; n++) query[x.terms[n]!] = x.values[n]!;
    const best = new Map<number, number>();
    for (const cls of classes) {
      let max = 0;
      for (const example of this.examplesByClass[cls]!) {
        let dot = 0;
        for (let n = 0; n < example.terms.length; n++) dot += query[example.terms[n]!]! * example.values[n]!;
        if (dot > max) max = dot;
      }
      best.set(cls, max);
    }
    for (const term of x.terms) query[term] = 0;
    return best;
  }

  /** How much the text says: the summed IDF of its known terms (a rare term says more than a common one). */
  evidence(x: SparseVector): number {
    let sum = 0;
    for (const term of x.terms) sum += this.idf[term]!;
    return sum;
  }

  /** TF-IDF with sublinear term frequency, unit length; unknown terms dropped. */
  private vectorize(terms: TermVector): SparseVector {
    const indices: number[] = [];
    const values: number[] = [];
    for (const [term, tf] of terms) {
      const index = this.termIndex.get(term);
      if (index === undefined || this.idf[index]! <= 0) continue;
      indices.push(index);
      values.push((1 + Math.log(tf)) * this.idf[index]!);
    }
    const norm = Math.hypot(...values) || 1;
    return { terms: Int32Array.from(indices), values: Float32Array.from(values, (v) => v / norm) };
  }
}

/** What the router learns an entry from: its title, its examples, and for FAQ and errors the printed question or message. */
function learnableTexts(entry: Entry): string[] {
  const texts = [entry.title, ...entry.examples];
  if (entry.kind === 'faq') texts.push(entry.question);
  if (entry.kind === 'error') texts.push(entry.message);
  return texts;
}

/** What the entry itself says, as the guide prints it: the text a step's screen labels are found in. */
function guideText(entry: Entry): string {
  const texts = [entry.title, entry.summary ?? '', ...entry.steps.flatMap((step) => [step.text, ...step.notes]), ...entry.notes, ...Object.values(entry.cases)];
  if (entry.kind === 'faq') texts.push(entry.question, entry.answer);
  if (entry.kind === 'error') texts.push(entry.message, entry.answer);
  return texts.join('\n');
}

/** BM25's usual constants: term frequency saturates quickly, long documents are damped but not flattened. */
const BM25_K1 = 1.2;
const BM25_B = 0.75;

/**
 * Okapi BM25 of a query against each entry's own text, with IDF counted across entries. Scores
 * are relative (the best entry gets 1): the guide text is long and shares most words with its
 * neighbours, so only which entry matches best is worth much, not by how much.
 */
class ContentIndex {
  private readonly postings = new Map<string, { entries: Int32Array; weights: Float32Array }>();
  /** One score per entry plus the off-topic class (always 0); reused by every query. */
  private readonly scratch: Float64Array;

  constructor(documents: TermVector[]) {
    const lengths = documents.map((terms) => [...terms.values()].reduce((sum, tf) => sum + tf, 0));
    const averageLength = lengths.reduce((sum, length) => sum + length, 0) / documents.length;
    const lists = new Map<string, Array<[entry: number, tf: number]>>();
    documents.forEach((terms, entry) => {
      for (const [term, tf] of terms) {
        let list = lists.get(term);
        if (!list) lists.set(term, (list = []));
        list.push([entry, tf]);
      }
    });
    for (const [term, list] of lists) {
      const idf = Math.log(1 + (documents.length - list.length + 0.5) / (list.length + 0.5));
      const weight = ([entry, tf]: [number, number]) => (idf * tf * (BM25_K1 + 1)) / (tf + BM25_K1 * (1 - BM25_B + (BM25_B * lengths[entry]!) / averageLength));
      this.postings.set(term, { entries: Int32Array.from(list, ([entry]) => entry), weights: Float32Array.from(list, weight) });
    }
    this.scratch = new Float64Array(documents.length + 1);
  }

  /** Relative BM25 score of each entry (0–1), valid until the next call. */
  scores(query: TermVector): Float64Array {
    const scores = this.scratch.fill(0);
    for (const term of query.keys()) {
      const posting = this.postings.get(term);
      if (!posting) continue;
      for (let n = 0; n < posting.entries.length; n++) scores[posting.entries[n]!]! += posting.weights[n]!;
    }
    let best = 0;
    for (const score of scores) best = Math.max(best, score);
    if (best > 0) for (let i = 0; i < scores.length; i++) scores[i]! /= best;
    return scores;
  }
}

/**
 * Error-message fragments that identify one entry when pasted: long enough, and rare in the
 * other entries' examples (a generic fragment such as 期限切れ would pull every expiry question).
 */
function distinctiveFragments(entries: Entry[], analyzer: Analyzer): Array<{ entry: number; text: string }> {
  const compact = (text: string) => analyzer.canonicalize(text).replace(/ /g, '');
  const examplesOf = entries.map((entry) => learnableTexts(entry).map(compact));
  const fragments: Array<{ entry: number; text: string }> = [];
  entries.forEach((entry, index) => {
    if (entry.kind !== 'error') return;
    for (const text of new Set([entry.message, ...entry.patterns].map(compact))) {
      if (text.length < 4) continue;
      const elsewhere = examplesOf.reduce((n, examples, other) => (other === index ? n : n + examples.filter((e) => e.includes(text)).length), 0);
      if (elsewhere <= 2) fragments.push({ entry: index, text });
    }
  });
  return fragments;
}

/**
 * The text holds the fragment as the screen's words: not continued into the user's own past tense
 * (履歴はありません|でした tells what the user found, 履歴はありません。と表示 what the screen said).
 */
function quotes(compact: string, fragment: string): boolean {
  for (let at = compact.indexOf(fragment); at >= 0; at = compact.indexOf(fragment, at + 1)) {
    if (!NARRATED_PAST.test(compact.slice(at + fragment.length))) return true;
  }
  return false;
}
const NARRATED_PAST = /^デシ/;

function areRelated(a: Entry, b: Entry): boolean {
  return a.related.includes(b.id) || b.related.includes(a.id);
}
