// The peer of load_driver: the same chained workload (workflows of `steps`
// no-op steps, each step enqueued by the one before) on graphile-worker, a
// plain PostgreSQL job queue, against the database of DATABASE_URL.
//   node chain.js [--workflows=3000] [--steps=3] [--in-flight=500] [--idle=30]
//                 [--warmup=5000] [--concurrency=16]
// Prints one JSON line: tasks/s of the load phase, and the step-to-step
// latency (from enqueueing a step to its handler starting) at idle and
// under load.
"use strict";
const { run, Logger } = require("graphile-worker");

const options = { workflows: 3000, steps: 3, "in-flight": 500, idle: 30, warmup: 5000, concurrency: 16 };
for (const arg of process.argv.slice(2)) {
  const match = /^--([a-z-]+)=(\d+)$/.exec(arg);
  if (!match || !(match[1] in options)) throw new Error(`unknown argument ${arg}`);
  options[match[1]] = Number(match[2]);
}

function percentile(values, p) {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

async function main() {
  let ended = 0;
  let waiters = [];
  const gaps = { warmup: [], idle: [], load: [] };
  const notify = () => {
    const ready = waiters.filter((w) => ended >= w.count);
    waiters = waiters.filter((w) => ended < w.count);
    for (const w of ready) w.resolve();
  };
  const waitFor = (count) =>
    ended >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }));

  const runner = await run({
    connectionString: process.env.DATABASE_URL,
    concurrency: options.concurrency,
    noHandleSignals: true,
    pollInterval: 1000, // new jobs arrive by LISTEN/NOTIFY; this only catches what that missed
    logger: new Logger(() => () => {}),
    taskList: {
      step: async (payload, helpers) => {
        if (payload.step > 0) gaps[payload.phase].push(Date.now() - payload.enqueuedAt);
        if (payload.step + 1 < options.steps) {
          await helpers.addJob("step", { ...payload, step: payload.step + 1, enqueuedAt: Date.now() });
        } else {
          ++ended;
          notify();
        }
      },
    },
  });
  const submit = (phase) => runner.addJob("step", { phase, step: 0, enqueuedAt: Date.now() });
  const closedLoop = async (phase, count, base) => {
    const pending = [];
    for (let i = 0; i < count; ++i) {
      if (i >= options["in-flight"]) await waitFor(base + i - options["in-flight"] + 1);
      pending.push(submit(phase));
    }
    await Promise.all(pending);
    await waitFor(base + count);
  };

  await closedLoop("warmup", options.warmup, 0);
  for (let i = 0; i < options.idle; ++i) {
    await submit("idle");
    await waitFor(options.warmup + i + 1);
  }
  const base = options.warmup + options.idle;
  const start = process.hrtime.bigint();
  await closedLoop("load", options.workflows, base);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await runner.stop();

  const report = (values) => ({
    p50: percentile(values, 0.5),
    p99: percentile(values, 0.99),
    p999: percentile(values, 0.999),
    count: values.length,
  });
  console.log(
    JSON.stringify({
      peer: "graphile-worker",
      workflows: options.workflows,
      steps: options.steps,
      inFlight: options["in-flight"],
      concurrency: options.concurrency,
      seconds,
      workflowsPerSecond: options.workflows / seconds,
      tasksPerSecond: (options.workflows * options.steps) / seconds,
      idleStepToStepMs: report(gaps.idle),
      loadStepToStepMs: report(gaps.load),
    }),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
