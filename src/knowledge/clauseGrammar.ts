/**
 * The grammar of a message as the fact reader needs it: where clauses end, whether a clause asks,
 * conditions and embedded questions, and the screen's or someone's words in quotes. Patterns over the
 * raw text (clauses, quotes) or over the reader's compact text (katakana particles: ハ, ガ, ノカ).
 */

/** A clause that ends in a contrast: what follows is the point. */
export const CONTRAST_END = /(?:けど|けれど|けれども|ですが|ますが|ませんが|のですが|んですが|でしたが|ましたが)[、,]?$/u;
// Sentence ends, and the conjunctions after which a new clause starts ("…ないのですが、どうすれば？"), longest first.
// (Not the ので of なのでしょうか, which still asks, nor of 試してないのでわからない, the reason for not knowing,
// nor of できませんのでございます, the copula.)
// A polite end with no stop after it, as voice input and hurried typing leave it (紛失しました再発行って
// できますか), ends its sentence too, unless what follows goes on with it (ですが, ませんでした, ましたら, ますので).
const CLAUSE_END = /(?<=[。．.!！?？…‥\n])|(?<=(?:でした|ました|です|ます|ません))(?=[^\sかがけねよしのからってとなわもでさやじぞぁぃぇっーん…‥。．.!！?？、,」』）)～〜])|(?<=(?:でした|デシタ|ました|マシタ|です|デス|ます|マス|ません|マセン)[ \u3000]+)|(?<=(?:のですが|んですけど|んですが|けれども|でしたが|ましたが|ませんが|んだけど|けれど|ですが|ますが|けど|ので)[、,]?)(?!しょう|す[かがよね。]|[、,]|わから|分から|ござ)/u;
const ASKING = /(?:[?？]\s*$)|(?:(?:です|ます|でしょう|ません|だろう|でした|ました)かね?[。．]?\s*$)/u;
const HEDGED = /かな[?？]?\s*$/u;
/** A request put as a question: 「お願いできますでしょうか」, 「つないでもらえますか」. */
export const POLITE_REQUEST = /(?:お願い|いただけ|もらえ|くれ)[^。．?？]{0,4}?(?:か|でしょうか)[。．?？]?\s*$/u;
/** A request or a question word ending its clause: 「教えてください」, 「どこにあるの」. */
const REQUEST = /(?:教えて|おしえて|知りたい|しりたい)(?:ください|下さい|ほしい|欲しい|いただけ\S*|もらえ\S*|です)?[。．!！]?\s*$/u;
const QUESTION_WORD = /(?:どこ|何|なに|なん|いつ|どう|どれ|どの|どちら|どっち|誰|なぜ|どんな|どのくらい|どれくらい).*(?:の|か|かしら|っけ)[。．]?\s*$/u;
// 「入れましたら」「できたら」「なかったら」: a condition, not what happened.
export const conditional = (compact: string, end: number) => 'タダ'.includes(compact[end - 1] ?? '') && compact[end] === 'ラ';
/** A condition a question is asked under (…がない場合は, …たら, …なら): what it supposes, not what it tells. */
export const CONDITION = /(?:場合|バアイ|ナラ|ナラバ|トキ|時|タラ|ダラ|レバ)(?:ハ|ニ|デモ|ッテ|ダト)?$/u;
export const LEADS_INTO_QUESTION = /(?:(?:場合|バアイ|ナラ|ナラバ|トキ|時|タラ|ダラ|レバ)[ハニデモ]?|[ハト]|ッテ)$/u;
/**
 * An embedded question of which one, just before: 何のパスワードか, どっちのことか, どれなのか (not
 * 何番だったか, the number itself; not the ド|ノ of パスワード|の).
 */
export const WHICH_QUESTION = /(?:何ノ|ナンノ|(?:(?<!\p{Script=Katakana})|(?<=[ガハヲニデモトノテ]))(?:ドノ|ドッチ|ドチラ|ドレ)).{0,10}?(?:カ|ノカ|ナノカ|ダカ)$/u;
/** Not knowing how, when or why (どうなるのかはわからない, 見方がわからない): said of that question, not of a fact. */
export const HOW_QUESTION = /(?:(?:(?<!カ)ドウ(?!シテモ)|イツ|ナゼ|ナンデ|誰|ダレ|(?:何|ナニ)[ガヲ](?!ナンダカ|何ダカ)).{0,12}?(?:カ|ノカ|ナノカ|ダカ)|(?:バ|タラ)(?:ヨイ|ヨロシイ|イイ)ノ?カ|(?:見方|ミカタ|ヤリ方|ヤリカタ|使イ方|ツカイカタ|調ベ方|探シ方|方法|仕方|シカタ|手順))[ハモガ]?(?:ヨク|全然|マッタク)?$/u;
/**
 * A word followed by か, のか, んだか (not かも, かな, かと思う; but かもわからない), or by …かどうか: an embedded
 * question. So too after the verb's ending (登録して|いるかは不明, 発行して|あるか).
 */
export const EMBEDDED_QUESTION = /^(?:イル|イマス|アル|アリマス|オリマス|ル|イタ)?(?:ノ|ンダ|ン)?カ(?![ナッラケ]|イシャ|モ(?!ワカラ|分カラ|知ラ)|ト思)|^\p{Script=Katakana}{0,4}カドウカ/u;
// Japanese brackets, and the double quotes phones and IMEs type (“…”, ”…”, "…").
const SPOKEN_QUOTE = /「([^「」]{1,300})」(?=\s*(?:と|って)(?:言われ|いわれ|頼まれ|たのまれ|指示され|聞い|きい|言って|いって))/gu;
/** A name in brackets (「電子請求登録結果に関するお知らせ」は手元に…): a document or step, said of like any word, not the screen's message. */
const BRACKETED_NAME = /「([^「」。]{1,60}?)」(?=\s*(?:は|が|を|の|も|に|で|って|とは|という))/gu;
/** How a screen's message ends (…ありません, …切れています, …行えません。), as a name does not. */
const SENTENCE_END = /(?:ます|です|ません|ない|ださい|さい|た|だ)[。．!！]?$/u;
const QUOTED = /「([^「」]{1,300})」|『([^『』]{1,300})』|[“”"]([^“”"]{1,300})[“”"]/gu;
/** Screen words told without brackets, up to the verb saying the screen showed them (…ありません。と表示されます; not と出来). */
const UNBRACKETED_QUOTE = /(?<=(?:^|[。．!！?？\n、,」』])\s*)([^。．!！?？\n、,「」『』]{4,120}?)[。．]?\s*(?=(?:と|って)(?:表示|出(?![来し])|で[たてまる]))/gu;
/** Uncovered words ending in a kanji and a subject particle (残高が): a subject of their own. */
export const OWN_SUBJECT = /\p{Script=Han}[ガハ]$/u;
/** What stands between a situation (代理請求) and the polarity word said of it: は|してなくて, じゃ|ない. */
export const SAID_OF_SITUATION = /^[ハモガヲ]?(?:ジャ|デハ|デ|シテ|シ)?$/u;

/** "Where did I put it…", trailing off (どこにしまったか…): not knowing where, the わからない left unsaid. */
const WHERE_TRAILING_OFF = /((?:どこ|何処)[にへ][^。．!！?？、,]{0,10}?[ただ]か)([…‥.．]+|$)/gu;

/** A message without the request that ends it (…のかくにんをおしえてください): what it names, and whether it asks anything more. */
export function withoutRequest(message: string): string {
  return message.replace(REQUEST, '');
}

/** A request for the way to go about something (手順を, 何から確認すれば, ご案内いただけますか), where a question of whether or which (事業所ごとに要る？) is not. */
export const HOW_REQUEST = /ご案内|ごあんない|手順|てじゅん|流れ|方法|やり方|やりかた|進め方|何から|なにから|どこから|どう(?:すれ|した|やっ|やる|いう手順)/u;

/** Whether a clause asks something ("…どこにありますか？", 「教えてください」, not …かな). */
export function asksIn(clause: string): boolean {
  return (ASKING.test(clause) || REQUEST.test(clause) || QUESTION_WORD.test(clause)) && !HEDGED.test(clause);
}

/**
 * A message cut into its clauses, and the screen's words it quotes taken out ("「」" stands where they
 * were). What the screen said (「…発行済みの介護DX証明書があります。」と表示された) is the system's words, not
 * the user's: it names a situation (期限切れ, 仮パスワード) but states no yes or no. As the answer to the
 * bot's own question (`asked`), though, the screen's words are what the user saw there. A document's name
 * in brackets, and someone's words quoted (所長から「電子証明書を入れておいて」と頼まれた), are the
 * message's own content.
 */
export function clausesOf(message: string, asked: boolean): { clauses: string[]; quotes: string[] } {
  const text = message.replace(WHERE_TRAILING_OFF, '$1わからない$2');
  if (asked) return { clauses: text.split(CLAUSE_END), quotes: [] };
  const bracketed = text
    .replace(BRACKETED_NAME, (quote, name: string) => (SENTENCE_END.test(name) ? quote : name))
    .replace(SPOKEN_QUOTE, '$1')
    .replace(UNBRACKETED_QUOTE, '「$1」');
  const quotes = [...bracketed.matchAll(QUOTED)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
  return { clauses: bracketed.replace(QUOTED, '「」').split(CLAUSE_END), quotes };
}
