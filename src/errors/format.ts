import { redactText } from '../util/redact.js';
import type { SquallError } from './squall-error.js';

/**
 * Renders an error for a person: code and message, then where, then how to fix it. A message may
 * quote a URL, header or command line as given, so the whole text is redacted.
 */
export function formatError(err: SquallError): string {
  const lines = [`error ${err.code}: ${err.message}`];
  const w = err.where;
  if (w?.file) {
    const pos = w.line ? `:${w.line}${w.column ? `:${w.column}` : ''}` : '';
    lines.push(`  --> ${w.file}${pos}${w.path ? ` (${w.path})` : ''}`);
  } else if (w?.flag) {
    lines.push(`  --> flag ${w.flag}`);
  }
  if (err.hint) lines.push(`  hint: ${err.hint}`);
  return redactText(lines.join('\n'));
}
