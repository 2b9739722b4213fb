import type { DownloadProgress } from './model-download.js';

const units = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

/**
 * One line of a download's progress: bytes so far and of how many, the speed of this
 * run (bytes resumed from disk do not count as speed), and the time left at that speed.
 */
export function formatProgress(progress: DownloadProgress, elapsedMs: number): string {
  const { receivedBytes, totalBytes, resumedFromBytes } = progress;
  const bytesPerSecond = elapsedMs > 0 ? ((receivedBytes - resumedFromBytes) * 1000) / elapsedMs : 0;
  const parts = [
    totalBytes === null ? formatBytes(receivedBytes) : `${formatBytes(receivedBytes)} / ${formatBytes(totalBytes)}`,
  ];
  if (totalBytes !== null && totalBytes > 0) parts.push(`${Math.floor((receivedBytes / totalBytes) * 100)}%`);
  parts.push(`${formatBytes(bytesPerSecond)}/s`);
  if (totalBytes !== null)
    parts.push(`ETA ${formatDuration(bytesPerSecond > 0 ? (totalBytes - receivedBytes) / bytesPerSecond : Infinity)}`);
  return parts.join('  ');
}
