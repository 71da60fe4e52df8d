import { describe, expect, it } from 'vitest';
import { tickPath } from '../../renderer/components/Timeline.tsx';

describe('the machine lane as one path', () => {
  it('draws a stroke per distinct half pixel, in the order given', () => {
    expect(tickPath([10, 20.2, 30.76], 5, 16)).toBe('M10 5v16M20 5v16M31 5v16');
  });
  it('drops strokes that land on the same half pixel: a thousand transitions in one pixel are one stroke', () => {
    const xs = Array.from({ length: 1000 }, (_, i) => 100 + i / 10_000);
    expect(tickPath(xs, 0, 10)).toBe('M100 0v10');
    expect(tickPath([100, 100.5, 100.6], 0, 10)).toBe('M100 0v10M100.5 0v10');
  });
  it('is empty with no transitions', () => {
    expect(tickPath([], 0, 10)).toBe('');
  });
});
