import { lazy, Suspense, type ComponentProps } from 'react';
import type * as Editors from './Editors.tsx';

// The editors validate what is typed with the zod schemas of shared/policy.ts and faults.ts:
// they come in a chunk of their own, so that the page's first script (and the statechart it
// draws) does not wait for zod. The chunk is fetched once the first screen is drawn and the
// page is idle (or a second later at most): the editors are folded away in <details> there, and
// each shows a line in its place until it is in.

/** Resolves when the page has a moment (requestIdleCallback, else the next task). */
const idle = () => new Promise<void>((resolve) => (typeof requestIdleCallback === 'function' ? requestIdleCallback(() => resolve(), { timeout: 1000 }) : setTimeout(resolve, 0)));

let loading: Promise<typeof Editors> | null = null;
/** Loads the editors' chunk (once), when the page is idle. Effects: a dynamic import. */
const loadEditors = () => (loading ??= idle().then(() => import('./Editors.tsx')));

const LazyPolicyEditor = lazy(async () => ({ default: (await loadEditors()).PolicyEditor }));
const LazyFaultPlanEditor = lazy(async () => ({ default: (await loadEditors()).FaultPlanEditor }));

const fallback = <div className="muted small">loading the editor…</div>;

/** Editors.tsx's PolicyEditor, loaded on first use. */
export function PolicyEditor(props: ComponentProps<typeof Editors.PolicyEditor>) {
  return (
    <Suspense fallback={fallback}>
      <LazyPolicyEditor {...props} />
    </Suspense>
  );
}

/** Editors.tsx's FaultPlanEditor, loaded on first use. */
export function FaultPlanEditor(props: ComponentProps<typeof Editors.FaultPlanEditor>) {
  return (
    <Suspense fallback={fallback}>
      <LazyFaultPlanEditor {...props} />
    </Suspense>
  );
}
