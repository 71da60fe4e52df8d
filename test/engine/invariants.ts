import type { JournalEntry } from '../../shared/events.ts';

/**
 * Times the agent reprompted the caller (asked again, or asked whether they are still there)
 * while it held words of theirs that no turn had taken: words recognition gave while the
 * conversation was not the agent speaking (words over the agent's speech are dropped), since
 * the agent last took a caller turn.
 */
export function repromptedHoldingWords(entries: readonly JournalEntry[]): number[] {
  const out: number[] = [];
  let conversation = '';
  let holding = false;
  for (const e of entries) {
    if (e.kind === 'transition' && e.state.startsWith('active.conversation.')) conversation = e.state;
    else if (e.kind === 'input' && e.event.type === 'asr.result' && e.event.text.trim() && !conversation.startsWith('active.conversation.agentSpeaking')) holding = true;
    else if (e.kind === 'command' && e.command.type === 'agent.think' && e.command.input.kind === 'caller') holding = false;
    else if (e.kind === 'command' && e.command.type === 'agent.speak' && e.command.purpose === 'reprompt' && holding) out.push(e.atMs);
  }
  return out;
}
