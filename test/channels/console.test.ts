import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Runs `npm run chat`'s script with piped stdin, as a user would: one message per line. */
function chat(lines: string[]): string {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/channels/console/chat.ts'], {
    input: `${lines.join('\n')}\n`,
    encoding: 'utf8',
    env: { ...process.env, HELPDESK_CLOSED_DATES: '' },
    timeout: 30_000,
  });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

describe('npm run chat (console, piped stdin)', () => {
  it('greets with the menu, and a number picks the matching button', () => {
    const out = chat(['1', '1', '1', '2']);
    expect(out).toMatch(/\[1\] 電子証明書のインストール/);
    expect(out).toMatch(/証明書発行用パスワード」が必要です/);
    expect(out).toMatch(/発行履歴はありましたか/);
    // "2" at the history question = 発行履歴なし → the 3-1 procedure with its 13 steps.
    expect(out).toMatch(/【介護DX証明書のインストール】/);
    expect(out).toMatch(/\n\s+13\. /);
    expect(out).toMatch(/出典: スタートガイド 電子証明書インストール手順 3-1/);
  });

  it('a label picks a choice, free text is answered, and the input ends cleanly', () => {
    const out = chat(['よくある質問', 'Q4 電子証明書は事業所ごとに必要か', 'はい', '介護DX証明書と介護保険証明書の違いを教えて']);
    expect(out).toMatch(/各事業所ごと\(1事業所番号ごと\)/);
    expect(out).toMatch(/お役に立ててよかったです/);
    expect(out).toMatch(/解決しましたか？/);
  });

  it('does not echo a pasted password', () => {
    const out = chat(['パスワードは Zq83!kLm です']);
    expect(out).toMatch(/チャットに入力しないでください/);
    expect(out.split('you>').slice(2).join('')).not.toContain('Zq83!kLm');
  });
});
