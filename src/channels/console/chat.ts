// `npm run chat`: talk to the bot in the terminal, interactively or with piped stdin (one message per line).
import { createInterface } from 'node:readline';
import { MemoryStorage } from 'botbuilder';
import { createBot } from '../../bot/createBot';
import { loadConfig } from '../../config';
import { loadKnowledge } from '../../knowledge/loader';
import { hoursPolicy } from '../../replies/knowledgeReplies';
import { ConsoleAdapter } from './consoleAdapter';

async function main(): Promise<void> {
  const config = loadConfig();
  const kb = loadKnowledge();
  const { bot, middleware } = createBot({ kb, storage: new MemoryStorage(), hours: hoursPolicy(kb.contact, config.HELPDESK_CLOSED_DATES) });
  const interactive = process.stdin.isTTY === true;
  const adapter = new ConsoleAdapter((text) => process.stdout.write(`bot> ${text.replace(/\n/g, '\n     ')}\n\n`));
  for (const m of middleware) adapter.use(m);
  adapter.onTurnError = async (_context, error) => {
    process.stderr.write(`error: ${error.message}\n`);
  };
  const logic = (context: Parameters<typeof bot.run>[0]) => bot.run(context);

  await adapter.open(logic);
  const lines = createInterface({ input: process.stdin, output: interactive ? process.stdout : undefined, terminal: interactive });
  if (interactive) lines.setPrompt('you> ');
  lines.prompt?.();
  // One turn at a time, in order, even when stdin delivers many lines at once.
  for await (const line of lines) {
    if (!interactive) process.stdout.write(`you> ${line}\n`);
    await adapter.receiveLine(line, logic);
    if (interactive) lines.prompt();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
