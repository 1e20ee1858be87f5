// `npm run bench:turns`: what one of our turns costs inside the process, without HTTP: the bot
// (middleware, state, dialogs) walking the development sets' typed conversations, 32 at a time, on
// each store, for Bot Framework (replies dropped, as the connector's HTTP is not ours) and for Direct
// Line (the conversation's activities stored, and read back after each append as an open socket
// does). Prints CPU per turn (all threads) and the store's work per turn: reads, writes, bytes.
//
// Settings (environment): TURNS_PER_RUN (3000). `npm run bench:turns -- directline` runs only that channel.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ActivityTypes, BotAdapter, MemoryStorage, TurnContext, type Activity, type ResourceResponse, type Storage, type StoreItems } from 'botbuilder';
import { createBot } from '../src/bot/createBot';
import { StorageDirectLineStore } from '../src/channels/directline/conversationStore';
import { DIRECT_LINE_CHANNEL_ID, DirectLineAdapter } from '../src/channels/directline/directLineAdapter';
import { loadKnowledge } from '../src/knowledge/loader';
import { Router } from '../src/knowledge/router';
import { hoursPolicy } from '../src/replies/knowledgeReplies';
import { LevelStorage } from '../src/storage/levelStorage';
import { loadScripts } from './chatClients';

const TURNS = Number(process.env.TURNS_PER_RUN ?? 3000);
const CONCURRENCY = 32;

/** Counts what passes through a Storage. */
class CountingStorage implements Storage {
  /** As the store counted, so that states are saved the same way (see checkedState.ts). */
  readonly writesAllOrNothing?: true;
  reads = 0;
  writes = 0;
  items = 0;
  bytes = 0;
  deletes = 0;

  constructor(readonly inner: Storage) {
    if ((inner as { writesAllOrNothing?: true }).writesAllOrNothing) this.writesAllOrNothing = true;
  }

  read(keys: string[]) {
    this.reads++;
    return this.inner.read(keys);
  }

  write(changes: StoreItems) {
    this.writes++;
    for (const item of Object.values(changes)) {
      this.items++;
      this.bytes += Buffer.byteLength(JSON.stringify(item));
    }
    return this.inner.write(changes);
  }

  delete(keys: string[]) {
    this.deletes++;
    return this.inner.delete(keys);
  }
}

/** Bot Framework without the connector: replies are dropped where CloudAdapter would post them. */
class DroppingAdapter extends BotAdapter {
  async sendActivities(_context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    return activities.map(() => ({ id: '' }));
  }
  async updateActivity(): Promise<void> {}
  async deleteActivity(): Promise<void> {}
  async continueConversation(): Promise<void> {}
  turn(activity: Partial<Activity>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    return this.runMiddleware(new TurnContext(this, activity), logic);
  }
}

const kb = loadKnowledge();
const router = new Router(kb);
const scripts = loadScripts();

type Channel = 'botframework' | 'directline';

async function run(channel: Channel, storage: Storage, turns: number): Promise<string> {
  const counted = new CountingStorage(storage);
  const bot = createBot({ kb, router, storage: counted, hours: hoursPolicy(kb.contact, []) });
  const logic = (context: TurnContext) => bot.bot.run(context);
  let say: (conversation: string, user: string, activity: Partial<Activity>) => Promise<void>;
  let start: (conversation: string, user: string) => Promise<void>;
  if (channel === 'botframework') {
    const adapter = new DroppingAdapter();
    for (const m of bot.middleware) adapter.use(m);
    let seq = 0;
    const full = (conversation: string, user: string, fields: Partial<Activity>): Partial<Activity> => ({
      channelId: 'msteams',
      serviceUrl: 'http://127.0.0.1',
      conversation: { id: conversation, isGroup: false, conversationType: 'personal', name: '' },
      from: { id: user, name: user },
      recipient: { id: 'bot', name: 'bot' },
      id: `activity-${seq++}`,
      timestamp: new Date(),
      locale: 'ja-JP',
      ...fields,
    });
    say = (conversation, user, fields) => adapter.turn(full(conversation, user, fields), logic);
    start = (conversation, user) => say(conversation, user, { type: ActivityTypes.ConversationUpdate, membersAdded: [{ id: user, name: user }] });
  } else {
    const store = new StorageDirectLineStore(counted, undefined, undefined, (id) => [`${DIRECT_LINE_CHANNEL_ID}/conversations/${id}/`]);
    const adapter = new DirectLineAdapter(store, 'http://127.0.0.1');
    for (const m of bot.middleware) adapter.use(m);
    // One socket per conversation, as streaming.ts serves it: on each append it is sent what the
    // append stored when it was up to date, else it reads what is new.
    const watermarks = new Map<string, number>();
    const frame = (id: string, activities: Array<Partial<Activity>>, watermark: number) => {
      JSON.stringify({ activities, watermark: String(watermark) });
      watermarks.set(id, watermark);
    };
    store.onAppended((id, appended) => {
      const watermark = watermarks.get(id) ?? -1;
      if (appended && appended.after === watermark) frame(id, appended.activities, appended.watermark);
      else void store.since(id, watermark).then(({ activities, watermark: last }) => frame(id, activities, last));
    });
    say = async (conversation, user, fields) => {
      await adapter.receive(conversation, { ...fields, from: { id: user, name: user } }, logic);
    };
    start = async (conversation, user) => {
      await store.create(conversation);
      await store.markStarted(conversation);
      await say(conversation, user, { type: ActivityTypes.ConversationUpdate, membersAdded: [{ id: 'user', name: 'user' }] });
    };
  }

  let said = 0;
  let next = 0;
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, user) => {
      while (said < turns) {
        const script = scripts[next++ % scripts.length]!;
        const conversation = `c${next}x${user}`;
        await start(conversation, `user-${user}`);
        for (const text of script.turns) {
          await say(conversation, `user-${user}`, { type: ActivityTypes.Message, text, locale: 'ja-JP' });
          said++;
        }
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  const wall = performance.now() - t0;
  const per = (n: number) => (n / said).toFixed(1);
  return `${((used.user + used.system) / 1000 / said).toFixed(2)} ms CPU per turn (${(wall / said).toFixed(2)} ms wall); the store per turn: ${per(counted.reads)} reads, ${per(counted.writes)} writes of ${per(counted.items)} items, ${(counted.bytes / said / 1024).toFixed(1)} KiB, ${per(counted.deletes)} deletes`;
}

async function main(): Promise<void> {
  const scriptTurns = scripts.reduce((n, s) => n + s.turns.length, 0);
  console.log(`${scripts.length} conversations (${(scriptTurns / scripts.length).toFixed(1)} typed turns each, a welcome turn before), ${CONCURRENCY} at a time, ${TURNS} typed turns per run; Node ${process.version}, ${os.cpus()[0]?.model.trim()}`);
  await run('botframework', new MemoryStorage(), Math.min(TURNS, 1500)); // warm-up
  const only = process.argv[2];
  for (const channel of (['botframework', 'directline'] as const).filter((c) => !only || c === only)) {
    console.log(`${channel}, MemoryStorage: ${await run(channel, new MemoryStorage(), TURNS)}`);
    const dir = mkdtempSync(join(os.tmpdir(), 'turn-cost-'));
    const level = new LevelStorage(dir);
    try {
      console.log(`${channel}, LevelStorage (state on disk): ${await run(channel, level, TURNS)}`);
    } finally {
      await level.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
