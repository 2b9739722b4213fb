import { readFileSync } from 'node:fs';

// Linux reports CPU time in clock ticks; 100 per second on every mainstream kernel build.
const clockTicksPerSecond = 100;

/** User plus system CPU time a process has used so far, in microseconds, from /proc/<pid>/stat. */
export function cpuTimeMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces and parentheses; the fields after its last ')' are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / clockTicksPerSecond;
}

/** Resident memory now (VmRSS) and its peak so far (VmHWM), in bytes, from /proc/<pid>/status. */
export function memoryBytes(pid: number): { readonly rssBytes: number; readonly peakRssBytes: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string): number =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM') };
}
