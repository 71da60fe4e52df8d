import type { JournalEntry } from '../../shared/events.ts';
import type { WaveformSegment } from '../../shared/ipc.ts';

/** Milliseconds of audio per waveform peak. */
export const waveformStepMs = 20;

/** Peaks (0..1) of base64 16-bit PCM, one per `stepMs`. Pure. */
export function pcmPeaks(pcm16Base64: string, sampleRate: number, stepMs = waveformStepMs): number[] {
  const bytes = Buffer.from(pcm16Base64, 'base64');
  const samples = new Int16Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / 2));
  const per = Math.max(1, Math.round((sampleRate * stepMs) / 1000));
  const peaks: number[] = [];
  for (let i = 0; i < samples.length; i += per) {
    let peak = 0;
    const end = Math.min(samples.length, i + per);
    for (let k = i; k < end; k++) peak = Math.max(peak, Math.abs(samples[k]));
    peaks.push(Math.round((peak / 32768) * 1000) / 1000);
  }
  return peaks;
}

/**
 * The journal as the UI reads it: raw caller audio becomes waveform peaks and VAD
 * probabilities are left out (a one-hour call would otherwise send hundreds of megabytes to
 * draw a timeline). Every other entry passes unchanged. Pure.
 */
export function viewJournal(entries: readonly JournalEntry[]): { journal: JournalEntry[]; waveform: WaveformSegment[] } {
  const journal: JournalEntry[] = [];
  const waveform: WaveformSegment[] = [];
  for (const e of entries) {
    if (e.kind === 'input' && e.event.type === 'caller.audio') {
      waveform.push({ startMs: e.event.startMs, endMs: e.event.endMs, peaks: pcmPeaks(e.event.pcm16, e.event.sampleRate), stepMs: waveformStepMs });
      continue;
    }
    if (e.kind === 'input' && e.event.type === 'vad.probability') continue;
    journal.push(e);
  }
  return { journal, waveform };
}
