import { describe, expect, it } from 'vitest';
import { channels, ipcContract, ipcMethods, validateRequest } from '../../shared/ipc.ts';
import { channels as uiChannels, ipcMethods as uiMethods } from '../../shared/ipcMethods.ts';

// The UI names its bridge's methods from ipcMethods.ts (zod-free); the Node side validates with
// ipc.ts's contract. The compiler holds the two to the same channels (ipcContract `satisfies` a
// map over ipcMethods' keys); this holds them to the same order too, and the names to one each.
describe('the IPC contract and its method names', () => {
  it('ipcContract has exactly the channels of ipcMethods, in the same order', () => {
    expect(Object.keys(ipcContract)).toEqual(Object.keys(ipcMethods));
    expect(channels).toEqual(Object.keys(ipcContract));
    expect(ipcMethods).toBe(uiMethods);
    expect(uiChannels).toBe(channels);
  });

  it('every channel has its own method name, a JavaScript identifier, never onPush', () => {
    const names = Object.values(ipcMethods);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^[a-z][A-Za-z]*$/);
    expect(names).not.toContain('onPush');
  });

  it('every channel still validates its request on the Node side: an unknown key is refused', () => {
    for (const c of channels) {
      const r = validateRequest(c, { notAField: 1 });
      expect(r.ok, c).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('bad_request');
    }
    expect(validateRequest('no.such', {})).toMatchObject({ ok: false, error: { code: 'bad_request' } });
  });
});
