// `npm run kb:check`: validates the knowledge base without starting the bot.
import { loadKnowledge, KnowledgeError } from './loader';

try {
  const kb = loadKnowledge();
  const examples = kb.entries.reduce((n, e) => n + e.examples.length, 0);
  const steps = kb.entries.reduce((n, e) => n + e.steps.length, 0);
  console.log(`knowledge base OK: ${kb.entries.length} entries, ${steps} steps, ${examples} example questions, ${kb.synonyms.length} synonym groups`);
} catch (err) {
  console.error(err instanceof KnowledgeError ? err.message : err);
  process.exit(1);
}
