// js-yaml comes with electron-builder (which reads electron-builder.yml with it); no types ship.
declare module 'js-yaml' {
  export function load(text: string): unknown;
  const yaml: { load: typeof load };
  export default yaml;
}
