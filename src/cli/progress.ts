import cliProgress from 'cli-progress';

export interface Progress {
  start(label: string, total: number): void;
  tick(by?: number): void;
  stop(): void;
}

/** A progress bar on a terminal, plain percentage lines elsewhere (CI logs), silent in tests. */
export function progressBar(enabled = true): Progress {
  if (!enabled) return { start() {}, tick() {}, stop() {} };
  if (process.stdout.isTTY) {
    let bar: cliProgress.SingleBar | undefined;
    return {
      start(label, total) {
        bar?.stop();
        bar = new cliProgress.SingleBar(
          { format: `${label.padEnd(22)} [{bar}] {percentage}% {value}/{total}` },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0);
      },
      tick(by = 1) {
        bar?.increment(by);
      },
      stop() {
        bar?.stop();
        bar = undefined;
      },
    };
  }
  let label = '';
  let total = 0;
  let done = 0;
  let lastPct = -1;
  return {
    start(l, t) {
      label = l;
      total = t;
      done = 0;
      lastPct = -1;
    },
    tick(by = 1) {
      done += by;
      const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
      if (pct >= lastPct + 25 || done === total) {
        lastPct = pct;
        console.log(`${label}: ${pct}% (${done}/${total})`);
      }
    },
    stop() {},
  };
}
