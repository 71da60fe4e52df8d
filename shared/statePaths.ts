/**
 * Turns an XState state value ({ active: { conversation: 'thinking', ... } }) into the dotted
 * paths of its active leaves, in document order: ["active.conversation.thinking", ...]. Pure.
 */
export function leafPaths(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix ? `${prefix}.${value}` : value];
  if (value && typeof value === 'object') {
    const out: string[] = [];
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (child && typeof child === 'object' && Object.keys(child).length === 0) out.push(path);
      else out.push(...leafPaths(child, path));
    }
    return out;
  }
  return prefix ? [prefix] : [];
}
