/**
 * Run in a child process (`node --import tsx test/dialogs/escalationStatusProbe.ts` with TZ=…) by
 * escalation.test.ts: for each case in env CASES ([{ now: ISO instant, closures? }]) it builds the real bot
 * with that clock, asks for 担当者に相談 and prints the status line of the contact. Prints one JSON object.
 */
import { say, testBot } from '../support/testBot';

interface ProbeCase {
  now: string;
  closures?: string[];
}

async function main(): Promise<void> {
  const cases = JSON.parse(process.env.CASES ?? '[]') as ProbeCase[];
  const lines: Array<string | null> = [];
  for (const c of cases) {
    const { adapter } = testBot({ now: new Date(c.now), closures: c.closures });
    const replies = await say(adapter, '担当者に相談');
    lines.push(replies.join('\n').split('\n').find((l) => /受付時間(内|外)です/.test(l)) ?? null);
  }
  process.stdout.write(`${JSON.stringify({ tz: process.env.TZ, offset: new Date('2026-11-19T00:00:00Z').getTimezoneOffset(), lines })}\n`);
}

// botbuilder leaves timers behind that would keep the process alive for seconds; the answer is already out.
main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
