import type { FactReader, Reading } from './facts';
import type { Facts, FactSlot } from './factTable';
import type { Candidate, RouteResult, Router } from './router';
import type { Entry, Topic } from './schema';

/** What to do with a message that answers no question: answer it, ask which entry, or start a topic's triage. */
export type Plan = Reading &
  (
    /** `quoted`: the message pastes the entry's error message; `next`: the step after those the user says are done. */
    | { action: 'answer'; answers: Entry[]; quoted?: boolean; next?: boolean }
    | { action: 'unsure'; candidates: Entry[] }
    /** `routed`: the router's own answer, when it has one (an overview may open the triage). */
    | { action: 'triage'; topic: Topic; routed?: Entry }
    | { action: 'off-topic' }
  );

export type Fit = 'fits' | 'open' | 'ruled-out';

/**
 * How an entry stands to what the user said (its `when` in the knowledge base): it fits when every
 * fact of one alternative is stated with a listed value, is ruled out when every alternative has a
 * fact stated otherwise or one of its `unless` is stated wholly, and is open otherwise. `partly`:
 * some fact of an alternative is stated and none against it (the situation told in part).
 */
export function fitOf(entry: Entry, facts: Facts, how: 'wholly' | 'partly' = 'wholly'): Fit {
  if (entry.unless.some((alternative) => holds(alternative, facts))) return 'ruled-out';
  let contradicted = false;
  for (const alternative of entry.when) {
    const stated = Object.entries(alternative).map(([slot, values]) => ({ value: facts[slot as keyof Facts], values }));
    const meets = ({ value, values }: (typeof stated)[number]) => value !== undefined && values.includes(value);
    if (how === 'wholly' ? stated.every(meets) : stated.some(meets) && !stated.some((s) => s.value !== undefined && !meets(s))) return 'fits';
    contradicted ||= stated.some(({ value, values }) => value !== undefined && !values.includes(value));
  }
  // 発行履歴あり rules 3-1 out, though the user did not say which certificate they meant to install.
  return contradicted ? 'ruled-out' : 'open';
}

/** Every fact of one alternative of an entry's `when` or `unless` is stated with a listed value. */
function holds(alternative: Record<string, string[]>, facts: Facts): boolean {
  return Object.entries(alternative).every(([slot, values]) => values.includes(facts[slot as keyof Facts] ?? ''));
}

/** A message saying this little beyond its topic and facts does not choose a branch by its words (screen labels would). */
const NEARLY_VAGUE = 6;
/** The router's score below which its answer yields to the triage of a topic the message names. */
const SURE = 0.5;
/** Scores this close are a tie. */
const TIE = 0.005;
/** How much an unsure message may say beyond its topic and still start the triage rather than offer buttons. */
const UNSURE_RESIDUAL = 20;

/**
 * Decides what a message that answers no question asks for, from the router's candidates and the
 * facts the message states. Facts decide between entries that share their words: an entry the facts
 * rule out is dropped (発行履歴はありました → not 「証明書発行の履歴はありません」), one they fit comes
 * first. A message that names only a topic (証明書を入れたい), or whose best entry is one branch of a
 * choice the user has not made (3-1 or 3-2), starts that topic's triage instead of guessing.
 */
export function planFor(typed: string, router: Router, reader: FactReader): Plan {
  const text = reader.spelt(typed);
  const told = reader.read(text);
  const progress = reader.progress(text);
  const next = progress && nextInFlow(progress, router);
  if (next) return { ...told, action: 'answer', answers: [next], next: true };
  // A question asked under a condition (発行履歴がない場合、どの証明書を入れれば？) is answered for the
  // case it supposes, whatever the user's own case is; only what the message tells is kept.
  const supposes = Object.keys(told.supposed).some((slot) => told.facts[slot as FactSlot] === undefined);
  const reading = supposes ? { ...told, facts: { ...told.supposed, ...told.facts } } : told;
  const plan = decide(reading, framingAside(router.route(text), told, reader.helpdeskIn(text)), router, reader, supposes);
  return { ...plan, facts: told.facts };
}

/**
 * The contact entry for a message that does not ask for the helpdesk: the helpdesk named beside a topic
 * is how the user came here (国保連に電話したらヘルプデスクに聞いてくださいと言われまして、証明書の入れ方を…;
 * 介護ソフトのサポート窓口の者です), the route without it; a phone call that names no helpdesk is someone
 * else's (利用者さんのご家族から苦情の電話があって), nothing of this system.
 */
function framingAside(route: RouteResult, told: Reading, helpdesk: 'asked' | 'named' | undefined): RouteResult {
  if (route.candidates[0]?.entry.topic !== 'contact' || helpdesk === 'asked') return route;
  if (!told.topics.some((topic) => topic !== 'contact')) return helpdesk ? route : { decision: 'off-topic', candidates: [], answers: [] };
  const kept = (c: Candidate) => c.entry.topic !== 'contact';
  const answers = route.answers.filter(kept);
  return { ...route, decision: route.decision === 'off-topic' || answers.length > 0 ? route.decision : 'unsure', candidates: route.candidates.filter(kept), answers };
}

function decide(reading: Reading, route: RouteResult, router: Router, reader: FactReader, supposes: boolean): Plan {
  const plan = planOf(reading, route, router, reader);
  // KJのパスワードを忘れました: the reset's steps differ by what the user has not said (セキュリティ用
  // メールアドレス), so its triage asks that first and answers with their case. Not a question about a
  // case supposed (もし忘れた場合は？), which is not the user's to be asked about.
  const first = plan.action === 'answer' && !plan.quoted ? plan.answers[0] : undefined;
  if (!supposes && first && fitOf(first, reading.facts) === 'fits' && first.dependsOn.some((slot) => reading.facts[slot as FactSlot] === undefined)) {
    return { ...reading, action: 'triage', topic: first.topic, routed: first };
  }
  // 証明書を入れたいけど、発行用パスワードの紙がない: the section is on the way to the install the message
  // names; the triage shows it and goes on (not 通知書をなくしました, which asks for that section alone).
  if (!supposes && first?.onTheWay && fitOf(first, reading.facts) === 'fits' && reading.namedTopics.includes(first.topic)) return { ...reading, action: 'triage', topic: first.topic, routed: first };
  // 住民票の証明書, マイナンバーカードの電子証明書: another system's words start none of this one's triage.
  if (plan.action !== 'triage' || !reading.elsewhere) return plan;
  const [best] = route.candidates;
  return route.decision === 'answer' && best ? { ...reading, action: 'answer', answers: [best.entry] } : { ...reading, action: 'off-topic' };
}

function planOf(reading: Reading, route: RouteResult, router: Router, reader: FactReader): Plan {
  const ranked = rank(route.candidates, reading);
  const best = ranked[0];
  const topic = reading.topics[0];
  const stated = Object.keys(reading.facts) as FactSlot[];
  // Facts that topic's triage asks about (the KJ login is the certificate's too).
  const toldOf = (entryTopic: Topic) => stated.some((slot) => reader.askedBy(entryTopic, slot));
  // Not the error's triage (which message?) but the one that makes the choice the router's entry is a
  // branch of, when the message names its topic too (…期限が切れてるって表示されて: the ID's).
  const choosing = topic === 'error' && best?.entry.asksFirst && route.decision !== 'off-topic' && reading.topics.includes(best.entry.topic) ? best.entry.topic : topic;
  // A pasted error message says what is wrong, however few other words come with it, and whatever
  // else the message tells (「…インストールができません。」とあるけど、パスワード覚えてない).
  const pasted = route.decision === 'answer' ? ranked.find((c) => c.entry === route.quoted) : undefined;
  if (pasted) return { ...reading, action: 'answer', answers: companions([pasted, ...ranked.filter((c) => c !== pasted)], route.answers), quoted: true };
  // Not knowing which ID (どっちのIDかわからない): that topic's question explains the choice and asks it,
  // whatever entry the words are near (電子請求用のID確認, 2種類の違い).
  const unsureWhich = stated.find((slot) => reader.isChoice(slot) && reading.facts[slot] === 'unknown');
  if (unsureWhich) return { ...reading, action: 'triage', topic: reader.topicOf(unsureWhich) };
  // An error entry answers what the screen said, or a situation told in the entry's own words. Facts
  // alone (発行履歴はありませんでした, 仮パスワードが届いた) name no error: the entry they lead to does,
  // or the triage that finds it.
  const led = ledTo(router.entries, reading.facts);
  if (best?.entry.kind === 'error' && !reading.topics.includes('error') && !reader.sharesContent(reading, errorWords(best.entry))) {
    if (led) return { ...reading, action: 'answer', answers: [led] };
    const opened = router.entries.find((entry) => entry.kind !== 'error' && entry.asksFirst && fitOf(entry, reading.facts, 'partly') === 'fits');
    if (opened) return { ...reading, action: 'triage', topic: opened.topic };
    // 証明書を入れたいです。発行用パスワードの紙はあります: the topic's questions, not an error nobody saw.
    if (topic) return { ...reading, action: 'triage', topic };
  }
  // (Not an error entry the message names no error of: facts alone name no message the user saw.)
  const fits = best !== undefined && fitOf(best.entry, reading.facts) === 'fits' && (best.entry.kind !== 'error' || reading.topics.includes('error'));
  // The facts point at an entry the router also found: that is the answer, however the message is worded.
  if (fits && route.decision !== 'off-topic') return { ...reading, action: 'answer', answers: companions(ranked, route.answers) };
  // The router cannot tell which entry, or the facts rule its choice out (代理請求はしてなくて), and the
  // facts lead to one entry (証明書タブは空っぽでした → 3-1): that one.
  const routed = route.candidates[0]?.entry;
  const routedRuledOut = route.decision === 'answer' && routed !== undefined && fitOf(routed, reading.facts) === 'ruled-out';
  // So too when the router found only the topic's whole flow (・証明書インストール ・履歴なし ・KJログインOK).
  if (led && (route.decision === 'unsure' || routedRuledOut || (routed?.overview && routed.topic === led.topic))) return { ...reading, action: 'answer', answers: [led] };
  // A FAQ the message does not ask, in a message about its topic (事業所を新しく開設したので、証明書をPCに
  // いれたいです: not whether each office needs one): the topic's questions, not the FAQ's answer.
  // So too when it asks only how to go about the topic, the FAQ's words said beside it (通所介護事業所で
  // ございます。電子証明書を入れたいのですがご案内いただけますでしょうか: not whether each office needs one).
  const asksOther = !reading.asks || (reading.asksHow && best !== undefined && !reader.sharesContent(reading, best.entry.title));
  if (best?.entry.kind === 'faq' && asksOther && topic === best.entry.topic && reading.namedTopics.includes(topic)) return { ...reading, action: 'triage', topic };
  // The facts rule the router's choice out and lead nowhere yet (通知書は手元にございます。…次に何を
  // 確認すれば; 発行用パスワードは所持しておりますが…ログインできておりません): the topic's questions go on
  // from what the message told.
  if (routedRuledOut && topic && (reading.namedTopics.includes(topic) || toldOf(topic))) return { ...reading, action: 'triage', topic };
  // "操作の途中でエラーメッセージが表示されて止まってしまいました": an error, but not which. The router's
  // guess at an error entry is no answer while the message shares nothing with that error's own words.
  if (topic === 'error' && best?.entry.kind === 'error') {
    if (!reader.sharesContent(reading, errorWords(best.entry))) return { ...reading, action: 'triage', topic };
    // The screen's words, and the router's own choice (データ送るときに有効期限切れって出る): that error, however few other words.
    if (route.decision === 'answer' && best.entry === route.candidates[0]?.entry && best.score >= SURE && !reading.elsewhere) return { ...reading, action: 'answer', answers: companions(ranked, route.answers) };
  }
  // The router's entry is the whole flow of a topic the message does not name, found on words topics
  // share (何から始めれば: the certificate's steps or the whole onboarding): the topic the message names.
  // So too for a step whose title names none of the message's topics, when the message names its topic by
  // what it is about and its request asks nothing more: the step was found on the background (介護ソフトの
  // 業者さんから電子証明書を入れてと言われました。やり方は？: not 介護ソフトの確認; but 証明書を入れるパソコンは
  // Windows11じゃないとだめですか asks of the PC). Not an error, nor the helpdesk asked for.
  const foundAside =
    best !== undefined && best.entry.kind !== 'error' && best.entry.topic !== 'contact' && topic !== undefined && reading.subjects.includes(topic) && reading.requestResidual <= NEARLY_VAGUE && !reader.read(best.entry.title).topics.some((t) => reading.topics.includes(t));
  if (topic && best && route.decision !== 'off-topic' && (best.entry.overview || foundAside) && !reading.topics.includes(best.entry.topic)) return { ...reading, action: 'triage', topic };
  // So too for any entry of a topic the message does not name first, when it names its own and tells its
  // facts (証明書を入れたい。「電子請求登録結果に関するお知らせ」は手元に: the letter is also the KJ ID's;
  // 証明書を入れたいんですが…KJのIDで入れなくなって: the certificate's triage, which then goes to the ID's).
  // So too for an entry of its own topic the facts do not lead to, when the message asks nothing of it
  // (証明書インストールしたいです。発行用パスワードの紙はちゃんとあります: not the install check).
  const otherThanAsked = best !== undefined && (best.entry.topic !== topic || (!reading.asks && fitOf(best.entry, reading.facts) !== 'fits'));
  if (topic && best && best.entry.kind !== 'error' && otherThanAsked && reading.namedTopics.includes(topic) && toldOf(topic)) return { ...reading, action: 'triage', topic };
  // The router is no surer than even odds of its entry, and the message names a topic in so many
  // words (事務長に言われて証明書の件を担当してるんですけど…): the topic's questions find the section
  // better than the guess. (Not when it offers two related entries, which share the odds; not an error,
  // whose triage asks for the message the user may have given.)
  if (topic && best && route.decision === 'answer' && route.answers.length === 1 && best.score < SURE && reading.namedTopics.includes(topic) && best.entry.kind !== 'error') return { ...reading, action: 'triage', topic };
  // A question in a topic's words alone that the router is sure of, and that no triage question
  // decides (介護DX証明書と介護保険証明書ってどう違うんですか): its answer. So too a situation told in
  // part of that entry's facts (パスワードの期限が切れてるって表示されてログインできない). Not a request
  // about the topic that tells only which of its kinds (事業所ユーザIDについて教えていただけますか): the
  // triage goes on from there. Nor a request the router answers with two entries (インストールしたいのですが、
  // 手順を教えていただけますか: the check and the whole flow), sure of neither.
  const settled = best !== undefined && route.decision === 'answer' && best.entry === routed && best.entry.topic === topic && best.score >= SURE && !best.entry.overview && !best.entry.asksFirst;
  const fitsPartly = settled && fitOf(best.entry, reading.facts, 'partly') === 'fits';
  if (reading.vague && topic && settled && (fitsPartly || (reading.asks && !toldOf(topic) && route.answers.length === 1))) return { ...reading, action: 'answer', answers: companions(ranked, route.answers) };
  if (reading.vague && choosing) return { ...reading, action: 'triage', topic: choosing, routed: route.decision === 'answer' ? best?.entry : undefined };
  // "新しいパソコンに証明書を入れたい", "IDを忘れました": the best entry is one branch of a choice the
  // triage makes (3-1 or 3-2; which ID) and the message does not make it: the triage asks. So too
  // when the message tells part of the entry's situation (IDもパスワードもわからない), or the triage's
  // earlier answers (通知書あり、KJでログインできてます), but not the branch.
  // So too when the router offers two branches of that choice at once (3-2 and 3-1).
  // (Or offers one with a companion, and the other branch scores as high as that companion: a tie the order of the two decides.)
  const branchOf = (c: Candidate) => c.entry.asksFirst && c.entry.topic === best?.entry.topic;
  const weakest = route.answers.at(-1)?.score ?? Infinity;
  const branches = route.answers.length > 1 && (route.answers.every(branchOf) || route.candidates.some((c) => c.entry !== best?.entry && branchOf(c) && c.score >= weakest - TIE));
  // So too for a step of another topic's flow that points to this topic's guide (導入フロー's 電子証明書
  // インストール), unless the message names that flow (導入フローの5番、電子証明書インストールのところ).
  const flow = best?.entry.asksFirst ? router.entries.find((e) => e.flow.includes(best.entry.id)) : undefined;
  const stepOfUnnamedFlow = flow !== undefined && flow.topic !== best!.entry.topic && !reading.topics.includes(flow.topic);
  // (The router's companion of that topic, when the message shares its words, is what the step's words
  // meant: 入っているか確認する方法 → the check.)
  const meant = stepOfUnnamedFlow ? route.answers.find((c) => c.entry !== best!.entry && c.entry.topic === best!.entry.topic && !c.entry.asksFirst && reader.sharesContent(reading, c.entry.title)) : undefined;
  if (meant && route.decision === 'answer') return { ...reading, action: 'answer', answers: [meant.entry] };
  if (best?.entry.asksFirst && route.decision !== 'off-topic' && (reading.residual <= NEARLY_VAGUE || branches || stepOfUnnamedFlow || toldOf(best.entry.topic) || fitOf(best.entry, reading.facts, 'partly') === 'fits')) {
    return { ...reading, action: 'triage', topic: choosing ?? best.entry.topic };
  }
  // A question the router is sure of, in the topic the message names, that the facts leave open and no
  // triage question decides (履歴あるかわかんない。見方は？): its answer; the facts are kept.
  if (reading.asks && settled && !led && best.entry.topic === topic && fitOf(best.entry, reading.facts) === 'open') return { ...reading, action: 'answer', answers: companions(ranked, route.answers) };
  // Little beyond a topic and facts that fit no entry ("お知らせは手元にあります。証明書を入れたい"):
  // the topic's triage, which skips what the facts already answer.
  if (topic && reading.residual <= NEARLY_VAGUE && stated.length > 0) return { ...reading, action: 'triage', topic, routed: route.decision === 'answer' ? best?.entry : undefined };
  // The router cannot tell which entry, but the message names its topic (お世話になっております。
  // 証明書をインストールしたいのですが…), in so many words or with little else: the triage's questions
  // find the entry better than a guess.
  if (topic && route.decision === 'unsure' && (reading.residual <= UNSURE_RESIDUAL || reading.namedTopics.includes(topic))) return { ...reading, action: 'triage', topic };
  // The router knows no entry for it, but the message names a topic of this system in so many words,
  // and nothing of another (パソコンを新しくしたので、証明書を入れ直すように言われました): its triage, not a
  // refusal. (メール alone, a fact's word, names no topic here: Outlookでメールが送れない.)
  if (topic && reading.namedTopics.includes(topic) && route.decision === 'off-topic' && !reading.elsewhere) return { ...reading, action: 'triage', topic };
  if (route.decision === 'off-topic' || !best) return { ...reading, action: 'off-topic' };
  const reordered = best.entry !== route.candidates[0]?.entry;
  if (route.decision === 'answer' && !reordered) return { ...reading, action: 'answer', answers: companions(ranked, route.answers) };
  return { ...reading, action: 'unsure', candidates: ranked.map((c) => c.entry) };
}

/**
 * The step a user who tells what they have done asks for next: the one they name (次は利用申請ですか？),
 * else the one after the last step done (PC環境と介護ソフトの確認は済みました。次は？).
 */
function nextInFlow({ done, next }: { done: string; next: string }, router: Router): Entry | undefined {
  const flowOf = (entry: Entry) => router.entries.find((e) => e.flow.includes(entry.id));
  const [named] = router.route(next).candidates;
  if (named && named.score >= SURE && flowOf(named.entry)) return named.entry;
  const route = router.route(done);
  const [best] = route.candidates;
  // The steps done among the router's near candidates (証明書のインストールまで終わった: 3-1 or 3-2 first, the flow's step after).
  const near = route.decision === 'off-topic' ? [] : route.candidates.filter((c) => c.score >= best!.score / 2 && flowOf(c.entry));
  const flow = near[0] && flowOf(near[0].entry)!.flow;
  if (!flow) return undefined;
  const last = Math.max(...near.map((c) => flow.indexOf(c.entry.id)));
  const id = flow[last + 1];
  return id === undefined ? undefined : router.entries.find((e) => e.id === id);
}

/** Share of the best score at which an entry the facts fit is put before a best entry they do not. */
const FIT_RATIO = 0.7;

/**
 * The candidates the facts do not rule out, in the router's order, except that an entry the facts
 * fit goes first when it scores close to the best (発行用パスワードが… between section 4 and FAQ Q1):
 * the facts decide between entries that share their words, not against a clear winner.
 */
function rank(candidates: Candidate[], reading: Reading): Candidate[] {
  const { facts } = reading;
  const kept = candidates.filter((c) => fitOf(c.entry, facts) !== 'ruled-out');
  const [first] = kept;
  if (!first) return kept;
  // An error entry answers a message the user saw; "発行履歴はありませんでした" states a fact, not a message.
  const sawNoMessage = first.entry.topic === 'error' && !reading.topics.includes('error');
  if (fitOf(first.entry, facts) === 'fits' && !sawNoMessage) return kept;
  // A message the user saw, and an error entry for it: the facts do not override it.
  if (first.entry.topic === 'error' && reading.topics.includes('error')) return kept;
  // Nor do they put an error entry first: facts alone name no message the user saw.
  // Nor need it score close when the facts tell its whole situation, of the best entry's own topic
  // (電子請求のIDとパス、前任者しか知らなくて: the KJ ID lost, the reset, not where the ID is shown).
  const toldWhole = (c: Candidate) => c.entry.topic === first.entry.topic && c.entry.when.some((alternative) => Object.keys(alternative).length > 1 && holds(alternative, facts));
  const close = kept.find((c) => c !== first && fitOf(c.entry, facts) === 'fits' && (c.entry.topic !== 'error' || reading.topics.includes('error')) && (c.score >= FIT_RATIO * first.score || first !== candidates[0] || (sawNoMessage && c.entry.topic !== 'error') || toldWhole(c)));
  return close ? [close, ...kept.filter((c) => c !== close)] : kept;
}

/** The one entry that facts alone lead to (発行履歴なし → 3-1), if one: never an error, which is a message the user saw. */
function ledTo(entries: readonly Entry[], facts: Facts): Entry | undefined {
  const led = entries.filter((entry) => entry.kind !== 'error' && fitOf(entry, facts) === 'fits');
  return led.length === 1 ? led[0] : undefined;
}

/** What an error entry's screen says, in its own words. */
function errorWords(entry: Entry): string {
  return [entry.title, entry.kind === 'error' ? entry.message : '', ...(entry.kind === 'error' ? entry.patterns : [])].join(' ');
}

/** The best entry, with the router's companion when the facts kept it. */
function companions(ranked: Candidate[], routed: Candidate[]): Entry[] {
  const [best] = ranked;
  if (routed[0]?.entry !== best!.entry) return [best!.entry];
  const kept = routed.filter((a) => ranked.includes(a) && a !== best).map((a) => a.entry);
  return [best!.entry, ...kept.slice(0, 1)];
}
