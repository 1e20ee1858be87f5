'use strict';
// The baseline of `npm run bench` (bench/server.ts): Microsoft's EchoBot sample (BotBuilder-Samples,
// 02.echo-bot) as it stands, plus the ConversationState on MemoryStorage of the state samples (a turn
// count per conversation, saved once per turn). Plain JavaScript so it runs under plain `node`, like
// dist/main.js. Anonymous mode (no MicrosoftAppId), 127.0.0.1 only: for the bench, never to expose.
const restify = require('restify');
const { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication, ConversationState, MemoryStorage, MessageFactory } = require('botbuilder');

class EchoBot extends ActivityHandler {
  constructor(conversationState) {
    super();
    this.conversationState = conversationState;
    this.turnCount = conversationState.createProperty('turnCount');
    this.onMessage(async (context, next) => {
      await this.turnCount.set(context, (await this.turnCount.get(context, 0)) + 1);
      const replyText = `Echo: ${context.activity.text}`;
      await context.sendActivity(MessageFactory.text(replyText, replyText));
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      for (const member of context.activity.membersAdded ?? []) {
        if (member.id !== context.activity.recipient.id) await context.sendActivity(MessageFactory.text('Hello and welcome!', 'Hello and welcome!'));
      }
      await next();
    });
  }

  async run(context) {
    await super.run(context);
    await this.conversationState.saveChanges(context, false);
  }
}

const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
adapter.onTurnError = async (context, error) => {
  console.error(`[onTurnError] ${error}`);
  await context.sendActivity('The bot encountered an error or bug.');
};
const bot = new EchoBot(new ConversationState(new MemoryStorage()));

const server = restify.createServer({ name: 'bench-echo-bot', handleUncaughtExceptions: false });
server.use(restify.plugins.bodyParser());
server.post('/api/messages', async (req, res) => {
  await adapter.process(req, res, (context) => bot.run(context));
});
server.get('/healthz', async (_req, res) => {
  res.send(200, { status: 'ok' });
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
