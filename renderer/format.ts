/**
 * `3.98 s` under a minute, `12:03.4` above. Rounds to the shown precision before splitting
 * minutes from seconds, so a time never reads `49:60.0` or `60.00 s`. Pure.
 */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const a = Math.abs(ms);
  const centis = Math.round(a / 10);
  if (centis < 6000) return `${ms < 0 && centis > 0 ? '-' : ''}${(centis / 100).toFixed(2)} s`;
  const tenths = Math.round(a / 100);
  const m = Math.floor(tenths / 600);
  const s = (tenths % 600) / 10;
  return `${ms < 0 ? '-' : ''}${m}:${s.toFixed(1).padStart(4, '0')}`;
}

/** The short name of a dotted state path, without the machine's wrapper states. Pure. */
export const shortState = (path: string) => path.replace(/^active\.conversation\./, '').replace(/^active\.callerMonitor\./, 'caller:');

/** `caller_frustration` → `caller frustration`. Pure. */
export const words = (s: string) => s.replaceAll('_', ' ');
