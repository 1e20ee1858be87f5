import type { Topic } from '../knowledge/schema';
import { HANDOFF_REASONS, ROUTER_DECISIONS } from './model';

/** The content type of the Prometheus text exposition format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const TOPICS: readonly Topic[] = ['certificate', 'id', 'error', 'onboarding', 'contact'];

/**
 * A counter family; label values come from closed sets (channels, reasons, decisions, topics), never
 * from message text. Without `initial` it has no labels (one sample, from 0); with it, the label sets
 * listed there start at 0 and others appear when first counted.
 */
export class Counter<L extends string = never> {
  private readonly values = new Map<string, { labels: Record<string, string>; value: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    initial?: Array<Record<L, string>>,
  ) {
    for (const labels of initial ?? [{} as Record<L, string>]) this.inc(labels, 0);
  }

  inc(labels: Record<L, string> = {} as Record<L, string>, by = 1): void {
    const key = JSON.stringify(Object.entries(labels).sort());
    const entry = this.values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    this.values.set(key, entry);
  }

  get(labels: Record<L, string> = {} as Record<L, string>): number {
    return this.values.get(JSON.stringify(Object.entries(labels).sort()))?.value ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.values.values()) lines.push(`${this.name}${labelText(labels)} ${value}`);
    return lines.join('\n');
  }
}

/** The bot's counters since this process started, and a few process figures. */
export class HelpdeskMetrics {
  readonly turns = new Counter<'channel'>('helpdesk_turns_total', 'Activities the bot handled, by channel.', []);
  readonly conversations = new Counter('helpdesk_conversations_total', 'Conversations started with the bot (a message after none was under way).');
  readonly resolved = new Counter('helpdesk_resolved_by_bot_total', 'Conversations the user marked as solved (解決した) after the bot answered.');
  readonly unsolved = new Counter('helpdesk_unsolved_answers_total', 'Answers the user marked as not solved (いいえ).');
  readonly escalations = new Counter<'reason'>('helpdesk_escalations_total', 'Hand-offs to the human helpdesk, by reason.', HANDOFF_REASONS.map((reason) => ({ reason })));
  readonly decisions = new Counter<'decision'>('helpdesk_router_decisions_total', 'Free-text questions by the router decision.', ROUTER_DECISIONS.map((decision) => ({ decision })));
  readonly answers = new Counter<'topic'>('helpdesk_answers_total', 'Guide entries shown, by topic.', TOPICS.map((topic) => ({ topic })));
  readonly questions = new Counter<'kind'>('helpdesk_questions_recorded_total', 'Questions recorded for knowledge upkeep (redacted), by kind.', [{ kind: 'unanswered' }, { kind: 'unsure' }]);
  readonly flushFailures = new Counter('helpdesk_analytics_flush_failures_total', 'Failed writes of analytics to the state store (retried at the next flush).');

  /** The text exposition format 0.0.4. */
  render(): string {
    const families = [this.turns, this.conversations, this.resolved, this.unsolved, this.escalations, this.decisions, this.answers, this.questions, this.flushFailures];
    return `${[...families.map((f) => f.render()), processMetrics()].join('\n')}\n`;
  }
}

const START_TIME_SECONDS = Math.round(Date.now() / 1000 - process.uptime());

function processMetrics(): string {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  const metric = (name: string, type: 'counter' | 'gauge', help: string, value: number) => `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value}`;
  return [
    metric('process_cpu_user_seconds_total', 'counter', 'User CPU time spent in seconds.', cpu.user / 1e6),
    metric('process_cpu_system_seconds_total', 'counter', 'System CPU time spent in seconds.', cpu.system / 1e6),
    metric('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', memory.rss),
    metric('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.', START_TIME_SECONDS),
    metric('nodejs_heap_size_total_bytes', 'gauge', 'Process heap size from Node.js in bytes.', memory.heapTotal),
    metric('nodejs_heap_size_used_bytes', 'gauge', 'Process heap size used from Node.js in bytes.', memory.heapUsed),
  ].join('\n');
}

function labelText(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([name, value]) => `${name}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}

const escapeHelp = (text: string) => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
