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

/** Lines of "share  name": self time by package, then the top functions, over the samples in each window. */
export function summarizeProfile(path: string, windows: Window[], top = 15): string[] {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  return windows.flatMap((window) => summarizeWindow(profile, window, top));
}

function summarizeWindow(profile: Profile, window: Window, top: number): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const from = (window.fromMs ?? 0) * 1000;
  const to = (window.toMs ?? Infinity) * 1000;
  let at = 0; // µs since the profile started
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at >= from && at < to) self.set(id, (self.get(id) ?? 0) + delta);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const idle = [...self].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((a, [, t]) => a + t, 0);
  const busy = total - idle;

  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, time] of self) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') continue;
    const pkg = packageOf(frame.url, frame.functionName);
    const packageName = pkg.startsWith('our code') ? 'our code (dist/)' : pkg;
    byPackage.set(packageName, (byPackage.get(packageName) ?? 0) + time);
    const fn = `${frame.functionName || '(anonymous)'}  ${pkg.startsWith('our code') ? pkg.slice(10, -1) : pkg}:${frame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + time);
  }
  const pct = (t: number) => `${((100 * t) / busy).toFixed(1).padStart(5)} %`;
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    `cpu profile, ${window.label}: ${(total / 1e6).toFixed(1)} s sampled, busy ${(busy / 1e6).toFixed(1)} s (${((100 * busy) / total).toFixed(0)} %); shares of busy time:`,
    '  self time by package:',
    ...sorted(byPackage).map(([name, t]) => `  ${pct(t)}  ${name}`),
    '  self time by function:',
    ...sorted(byFunction).map(([name, t]) => `  ${pct(t)}  ${name}`),
  ];
}
