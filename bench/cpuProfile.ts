// Summarises a V8 .cpuprofile (node --cpu-prof): where the samples fell, by package and by function.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Part of a profile, in ms after the profile started (about when the process started). */
export interface Window {
  label: string;
  fromMs?: number;
  toMs?: number;
  /** Several stretches instead of one from…to. */
  ranges?: Array<{ fromMs: number; toMs: number }>;
  /** Turns served in the window: each part's main-thread time is then also given per turn. */
  turns?: number;
}

/** "restify", "botbuilder-core", "our code", "node:internal", "(garbage collector)" … from a frame's url. */
export function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  return url.includes('/dist/') ? `our code (${url.slice(url.indexOf('/dist/') + 6)})` : url;
}

const BOT_LOGIC = 'bot logic (ours: router, fact reader, dialogs, replies, middleware, analytics)';
const SOCKET_IO = new Set(['writev', 'writeBuffer', 'writeUtf8String', 'writeLatin1String', 'writeAsciiString', 'readStart', 'readStop', 'shutdown', 'close', 'connect', 'utf8Write', 'latin1Write']);

/**
 * The part of a turn a frame belongs to, for "what costs what": the HTTP and Bot Framework plumbing
 * every bot has (the echo bot too), botbuilder's turn and dialog machinery, our own bot, its state and
 * stores, and garbage collection.
 */
export function partOf(url: string, functionName: string): string {
  const pkg = packageOf(url, functionName);
  if (pkg === '(garbage collector)') return 'garbage collection';
  if (url.endsWith('/bench/echoBot.cjs')) return BOT_LOGIC;
  if (pkg.startsWith('our code')) {
    if (/\/(storage\/|channels\/directline\/conversationStore)/.test(url)) return 'state and stores (LevelDB, our storage code)';
    return /\/(server|channels)\//.test(url) ? 'our HTTP handling (request guards and log, Direct Line channel and stream)' : BOT_LOGIC;
  }
  if (['classic-level', 'abstract-level', 'module-error', 'maybe-combine-errors'].includes(pkg)) return 'state and stores (LevelDB, our storage code)';
  if (/^botbuilder-(core|dialogs|stdlib)|^@microsoft\/recognizers-text|^dependency-graph$/.test(pkg)) return 'botbuilder turn and dialog machinery (turn context, dialog stack, prompts, recognizers)';
  if (['natural', 'js-yaml'].includes(pkg)) return BOT_LOGIC;
  if (pkg === 'zod') return 'our HTTP handling (request guards and log, Direct Line channel and stream)';
  if (pkg === 'node internals' || pkg === 'ws' || /^(restify|find-my-way|spdy|botbuilder$|botframework-|@azure\/|@typespec\/|jsonwebtoken|jose|pino|uuid)/.test(pkg) || (pkg === '(native)' && SOCKET_IO.has(functionName))) return 'HTTP in and out (restify, CloudAdapter, connector client, ws, sockets, logging)';
  return 'other (JSON builtins, microtasks, V8)';
}

/** Lines of "share  name": self time by package, then the top functions, over the samples in each window. */
export function summarizeProfile(path: string, windows: Window[], top = 15): string[] {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  return windows.flatMap((window) => summarizeWindow(profile, window, top));
}

function summarizeWindow(profile: Profile, window: Window, top: number): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const ranges = (window.ranges ?? [{ fromMs: window.fromMs ?? 0, toMs: window.toMs ?? Infinity }]).map((r) => [r.fromMs * 1000, r.toMs * 1000] as const);
  let at = 0; // µs since the profile started
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (ranges.some(([from, to]) => at >= from && at < to)) self.set(id, (self.get(id) ?? 0) + delta);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const idle = [...self].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((a, [, t]) => a + t, 0);
  const busy = total - idle;

  const byPackage = new Map<string, number>();
  const byPart = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, time] of self) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') continue;
    const pkg = packageOf(frame.url, frame.functionName);
    const packageName = pkg.startsWith('our code') ? 'our code (dist/)' : pkg;
    byPackage.set(packageName, (byPackage.get(packageName) ?? 0) + time);
    const part = partOf(frame.url, frame.functionName);
    byPart.set(part, (byPart.get(part) ?? 0) + time);
    const fn = `${frame.functionName || '(anonymous)'}  ${pkg.startsWith('our code') ? pkg.slice(10, -1) : pkg}:${frame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + time);
  }
  const pct = (t: number) => `${((100 * t) / busy).toFixed(1).padStart(5)} %`;
  const perTurn = (t: number) => (window.turns ? `  ${(t / 1000 / window.turns).toFixed(2).padStart(5)} ms per turn` : '');
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    `cpu profile, ${window.label}: ${(total / 1e6).toFixed(1)} s sampled, busy ${(busy / 1e6).toFixed(1)} s (${((100 * busy) / total).toFixed(0)} %${window.turns ? `, ${(busy / 1000 / window.turns).toFixed(2)} ms of the main thread per turn` : ''}); shares of busy time:`,
    '  self time by part of the turn:',
    ...sorted(byPart).map(([name, t]) => `  ${pct(t)}${perTurn(t)}  ${name}`),
    '  self time by package:',
    ...sorted(byPackage).map(([name, t]) => `  ${pct(t)}  ${name}`),
    '  self time by function:',
    ...sorted(byFunction).map(([name, t]) => `  ${pct(t)}  ${name}`),
  ];
}
