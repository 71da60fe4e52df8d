import { lazy, Suspense, type ComponentProps } from 'react';
import type * as Editors from './Editors.tsx';

// The editors validate what is typed with the zod schemas of shared/policy.ts and faults.ts:
// they come in a chunk of their own, so that the page's first script (and the statechart it
// draws) does not wait for zod. `preloadEditors` starts the download early, while the page
// waits for the server's first answers; each editor shows a line in its place until it is in.

let loading: Promise<typeof Editors> | null = null;
/** Loads the editors' chunk (once). Effects: a dynamic import. */
export const preloadEditors = () => (loading ??= import('./Editors.tsx'));

const LazyPolicyEditor = lazy(async () => ({ default: (await preloadEditors()).PolicyEditor }));
const LazyFaultPlanEditor = lazy(async () => ({ default: (await preloadEditors()).FaultPlanEditor }));

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
