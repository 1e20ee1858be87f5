// `npm run kb:check [-- <folder>]`: validates the knowledge base (the shipped one, or a draft copy
// being edited) without starting the bot.
import { KNOWLEDGE_DIR, KnowledgeError, loadKnowledge } from './loader';

try {
  const kb = loadKnowledge(process.argv[2] ?? KNOWLEDGE_DIR);
  const examples = kb.entries.reduce((n, e) => n + e.examples.length, 0);
  const steps = kb.entries.reduce((n, e) => n + e.steps.length, 0);
  console.log(`knowledge base OK: ${kb.entries.length} entries, ${steps} steps, ${examples} example questions, ${kb.synonyms.length} synonym groups`);
} catch (err) {
  console.error(err instanceof KnowledgeError ? err.message : err);
  process.exit(1);
}
