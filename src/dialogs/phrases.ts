import { labelOf } from '../knowledge/factTable';

/**
 * The bot's own words (not guide content): greetings, questions, menu labels. Guide facts live in
 * src/knowledge/data; nothing here states a step, number or URL.
 */
export const MENU = {
  certificate: '電子証明書のインストール',
  id: 'ID・パスワード',
  error: 'エラーメッセージ',
  gettingStarted: '利用開始までの流れ',
  faq: 'よくある質問',
  human: '担当者に相談',
} as const;

export const YES = 'はい';
export const NO = 'いいえ';
export const OTHER = 'その他';

export const PHRASES = {
  welcome: 'ケアプランデータ連携システム ヘルプデスクのチャットボットです。電子証明書のインストール、KJ・cから始まるIDでのログイン、エラーメッセージなどでお困りのことをお手伝いします。',
  menu: 'ご用件をお選びいただくか、お困りのことをそのまま入力してください。',
  lastAnswer: (date: string, title: string) => `前回（${date}）は「${title}」をご案内しました。もう一度ご覧になる場合は、そのボタンを押してください。`,
  menuAgain: 'ほかにお困りのことがあれば、メニューからお選びいただくか、そのまま入力してください。',
  help: [
    'ご質問を文章で入力するか、表示されたボタンからお選びください。',
    'いつでも次の言葉が使えます：「最初から」（メニューに戻る）、「キャンセル」（中断）、「ヘルプ」（この説明）、「担当者」（ヘルプデスクへのご案内）。',
    'パスワードはチャットに入力しないでください。',
  ],
  cancelled: 'キャンセルしました。またご用件があれば、いつでもメッセージをお送りください。',
  backToQuestion: '先ほどの質問に戻ります。',
  staleClick: 'そのボタンは以前のメッセージのものです。最新の質問にお答えください。',
  staleClickFinished: 'そのボタンの質問は終了しています。ほかにご用件があれば、メッセージをお送りください。',
  notUnderstood: 'すみません、お答えを読み取れませんでした。当てはまるものをお選びいただくか、別の言葉でお答えください。',
  ambiguous: (labels: string[]) => `「${labels.join('」と「')}」のどちらとも取れるお答えでしたので、当てはまるほうをお選びください。`,
  factsTaken: (said: string) => `${said}とのこと、承知しました。`,
  unsure: '次のどれについてのご質問でしょうか。当てはまらない場合は「その他」をお選びください。',
  twoAnswers: 'ご質問に当てはまりそうな案内が2つあります。状況に合うほうをご覧ください。',
  otherChosen: 'お手数ですが、別の言葉で質問していただくか、メニューからお選びください。',
  offTopic: '申し訳ありません。そのご質問には、このチャットでお答えできる情報（電子証明書インストール手順・導入フローのガイド）がありません。',
  solvedQuestion: '解決しましたか？',
  solvedThanks: 'お役に立ててよかったです。ほかにご不明な点があれば、いつでもメッセージをお送りください。',
  secretWarning: 'パスワードなどの秘密の情報は、チャットに入力しないでください。いただいたメッセージは保存・表示せずに破棄しました。パスワードを変更できる場合は、念のため変更をおすすめします。',
  tooManyRetries: 'うまくお答えできず申し訳ありません。ヘルプデスクの連絡先をご案内します。',
  escalation: 'ヘルプデスクにお問い合わせください。',
  escalationUnsolved: '解決できず申し訳ありません。',
  handoffOffer: 'このチャットをヘルプデスクの担当者に引き継ぐこともできます。これまでのやり取りは担当者に伝わります。',
  handoffDeclined: 'かしこまりました。お電話または問い合わせフォームからお問い合わせください。',
  // Certificate dialog
  certPassword: '電子証明書のインストールには「証明書発行用パスワード」が必要です。お手元にありますか？',
  certLogin: '電子請求受付システムに、KJから始まるID（事業所ユーザID）でログインできますか？',
  certLoginNeededForReissue: '証明書発行用パスワードの再発行は、電子請求受付システムにログインして行います。',
  certLoginFailed: 'まず電子請求受付システムにログインできるようにしましょう。ログインできるようになりましたら、もう一度「電子証明書のインストール」をお選びください。',
  certHistory: '電子請求受付システムの「証明書」タブで、介護保険証明書の発行履歴はありましたか？',
  certHistoryHowTo: '発行履歴は次の手順で確認できます。確認できましたら、結果をお選びください。',
  certAfterInstall: 'インストールが終わったら、正しくインストールできたかを次の方法で確認してください。',
  // ID dialog
  idWhich: 'どちらのIDについてのご質問ですか？ IDの形式を確認したい場合は、IDを入力してください（パスワードは入力しないでください）。',
  idStatus: 'どのような状況ですか？',
  idSecurityMail: '電子請求受付システムに「セキュリティ用メールアドレス」を登録していますか？',
  idBothExplained: 'ケアプランデータ連携システムでは、次の2つのIDを使います。',
  kjIdValid: (id: string) => `${id} は事業所ユーザIDの形式（KJ＋12桁の英数字）として正しいです。`,
  kjIdInvalid: (problem: string) => `入力されたIDの形式が正しくないようです。${problem}「電子請求登録結果に関するお知らせ」の書類でご確認ください。`,
  // Error dialog
  errorAsk: '表示されたメッセージを下から選ぶか、メッセージをそのまま貼り付けてください。',
  errorAskAgain: '画面に出た言葉の一部だけでもかまいません。覚えている言葉を入力するか、下から近いものを選んでください。',
  errorUnknown: 'そのメッセージは、ガイドに記載がありませんでした。内容を控えましたので、ヘルプデスクにお問い合わせください。',
  errorNotGiven: 'メッセージがわからない場合は、ヘルプデスクで画面を確認しながらご案内します。',
  // Getting started
  gettingStartedDeeper: '詳しく知りたいステップをお選びください。',
  gettingStartedDone: '大丈夫です',
  // FAQ
  faqAsk: 'どの質問についてお知りになりたいですか？',
  backToMenu: 'メニューに戻る',
} as const;

/** The buttons of the bot's questions, as facts.ts names them (tests and callers refer to them by meaning). */
export const CHOICES = {
  certPassword: { have: labelOf('certificatePassword', 'yes'), missing: labelOf('certificatePassword', 'no') },
  login: { yes: labelOf('kjLogin', 'yes'), no: labelOf('kjLogin', 'no') },
  history: { yes: labelOf('certificateHistory', 'yes'), no: labelOf('certificateHistory', 'no'), unknown: labelOf('certificateHistory', 'unknown'), proxy: labelOf('certificateHistory', 'proxy') },
  idType: { kj: labelOf('idType', 'kj'), c: labelOf('idType', 'c'), unknown: labelOf('idType', 'unknown') },
  idStatus: { lost: labelOf('idStatus', 'lost'), expired: labelOf('idStatus', 'expired'), temporary: labelOf('idStatus', 'temporary') },
  securityMail: { yes: labelOf('securityMail', 'yes'), no: labelOf('securityMail', 'no'), unknown: labelOf('securityMail', 'unknown') },
  handoff: { yes: labelOf('handoff', 'yes'), no: labelOf('handoff', 'no') },
} as const;
