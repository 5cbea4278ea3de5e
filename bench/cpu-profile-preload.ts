/**
 * Preloaded into a process the benchmarks start (`NODE_OPTIONS=--import <this file>`, since `--cpu-prof` is not
 * allowed in NODE_OPTIONS): profiles the process's CPU from start to exit and writes a `.cpuprofile` into
 * AISEC_BENCH_PROFILE_DIR (read it with bench/cpuprofile-summary.ts).
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.AISEC_BENCH_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  // an in-process inspector session answers synchronously, so the profile is written before the process ends
  process.once('exit', () => {
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(join(dir, `service-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
