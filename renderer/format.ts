/** `3.98 s` under a minute, `12:03.4` above. Pure. */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const neg = ms < 0;
  const a = Math.abs(ms);
  if (a < 60_000) return `${neg ? '-' : ''}${(a / 1000).toFixed(2)} s`;
  const m = Math.floor(a / 60_000);
  const s = (a % 60_000) / 1000;
  return `${neg ? '-' : ''}${m}:${s.toFixed(1).padStart(4, '0')}`;
}

/** The short name of a dotted state path, without the machine's wrapper states. Pure. */
export const shortState = (path: string) => path.replace(/^active\.conversation\./, '').replace(/^active\.callerMonitor\./, 'caller:');

/** `caller_frustration` → `caller frustration`. Pure. */
export const words = (s: string) => s.replaceAll('_', ' ');
