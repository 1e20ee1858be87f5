import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KNOWLEDGE_DIR, KnowledgeError, loadKnowledge } from '../../src/knowledge/loader';

function brokenCopy(file: string, edit: (text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kb-'));
  cpSync(KNOWLEDGE_DIR, dir, { recursive: true });
  writeFileSync(join(dir, file), edit(readFileSync(join(dir, file), 'utf8')));
  return dir;
}

function problemsOf(dir: string): string {
  try {
    loadKnowledge(dir);
  } catch (err) {
    expect(err).toBeInstanceOf(KnowledgeError);
    return (err as Error).message;
  }
  throw new Error('the broken knowledge base loaded without complaint');
}

describe('loading the knowledge base', () => {
  it('loads and validates the shipped data', () => {
    const kb = loadKnowledge();
    expect(kb.entries.length).toBeGreaterThan(30);
    expect(kb.byId.get('cert-install-dx')?.steps).toHaveLength(13);
  });

  it('names the file, the entry and the field of a malformed value', () => {
    const dir = brokenCopy('certificate.yaml', (t) => t.replace(/^(\s+kind: )procedure$/m, '$1recipe'));
    const message = problemsOf(dir);
    expect(message).toMatch(/certificate\.yaml: entry "cert-overview" \(entries\[0\]\), field kind/);
  });

  it('names a missing required field', () => {
    const dir = brokenCopy('faq.yaml', (t) => t.replace(/^(\s+)question: .*$/m, ''));
    expect(problemsOf(dir)).toMatch(/faq\.yaml: entry "faq-q1" \(entries\[0\]\), field question/);
  });

  it('reports YAML syntax errors with the file name', () => {
    const dir = brokenCopy('errors.yaml', (t) => `${t}\n  - id: [unclosed\n`);
    expect(problemsOf(dir)).toMatch(/^knowledge base is invalid:\n\s+errors\.yaml: /);
  });

  it('reports a link to an entry that does not exist', () => {
    const dir = brokenCopy('onboarding.yaml', (t) => t.replace(/related: \[/, 'related: [no-such-entry, '));
    expect(problemsOf(dir)).toMatch(/onboarding\.yaml: entry "onboarding-overview", field related: unknown entry "no-such-entry"/);
  });

  it('reports an id used twice, naming both files', () => {
    const dir = brokenCopy('faq.yaml', (t) => t.replace(/- id: faq-q1$/m, '- id: cert-overview'));
    expect(problemsOf(dir)).toMatch(/faq\.yaml: entry "cert-overview", field id: already used in certificate\.yaml/);
  });

  it('reports a yes or no word that the synonym table rewrites to a topic\'s word', () => {
    const dir = brokenCopy('facts.yaml', (t) => t.replace(/^(\s+negate: \[)/m, '$1入らない, '));
    expect(problemsOf(dir)).toMatch(/facts\.yaml: field polarity\.negate: "入らない" is a variant of "インストール" in synonyms\.yaml/);
  });

  it('npm run kb:check -- <folder> checks a draft copy: exit 1, naming the file, the entry and the field', () => {
    const dir = brokenCopy('certificate.yaml', (t) => t.replace(/^(\s+kind: )procedure$/m, '$1recipe'));
    let failure: { status: number; stderr: string } | undefined;
    try {
      execFileSync(process.execPath, ['--import', 'tsx', 'src/knowledge/check.ts', dir], { encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      failure = err as { status: number; stderr: string };
    }
    expect(failure?.status).toBe(1);
    expect(failure?.stderr).toMatch(/certificate\.yaml: entry "cert-overview" \(entries\[0\]\), field kind/);
  });

  it('npm run kb:check succeeds on the shipped data without starting the bot', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'src/knowledge/check.ts'], { encoding: 'utf8' });
    expect(out).toMatch(/knowledge base OK: \d+ entries/);
  });
});
