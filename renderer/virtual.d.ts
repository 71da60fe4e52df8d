// Modules the UI build makes (vite.config.ts).
declare module 'virtual:statechart-layout' {
  import type { StatechartLayout } from './model/layout.ts';
  /** The machine's graph (as JSON) and its layout, when the UI was built. */
  const prebuilt: { graph: string; layout: StatechartLayout };
  export default prebuilt;
}
