import { scriptPosition, thrownFromScript } from '../engine/script-location.js';

/** Why an error reached the process rather than the flow that caused it. */
export type StrayKind = 'uncaught' | 'unhandled-rejection';

const WHAT: Record<StrayKind, string> = {
  uncaught: 'a callback outside the flow threw (setTimeout, an event handler)',
  'unhandled-rejection': 'a promise nobody awaited rejected',
};

/** The error in one line, with the test file's line when its stack goes through the file. */
export function describeScriptError(e: unknown, file: string): string {
  const text = e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e);
  const pos = scriptPosition(e, file);
  return `${text.split('\n')[0]!.slice(0, 300)}${pos ? ` (${file}:${pos.line}:${pos.column})` : ''}`;
}

/**
 * While a test file's code runs, an error it throws in a timer or leaves in a rejected promise
 * reaches the process, not the flow, and Node would die with it: the whole run lost. Such an
 * error is handed to `onError` as a message instead, and the run goes on. An Error whose stack
 * never passes through the test file is squall's own, and still crashes as before: hiding a
 * bug as a script error would be worse. Returns the function that removes the handlers.
 */
export function catchStrayScriptErrors(
  file: string,
  onError: (message: string, kind: StrayKind) => void,
): () => void {
  const fromScript = (e: unknown) => !(e instanceof Error) || thrownFromScript(e, file);
  const onException = (e: unknown) => {
    if (!fromScript(e)) {
      // Without our handler, the same throw crashes the way it always did.
      dispose();
      process.nextTick(() => {
        throw e;
      });
      return;
    }
    onError(`${WHAT.uncaught}: ${describeScriptError(e, file)}`, 'uncaught');
  };
  // A rejection nobody awaited comes from the script: squall awaits its own promises, and a
  // flow's un-awaited call into squall (http.get without await) has only squall's frames.
  const onRejection = (reason: unknown) => {
    onError(`${WHAT['unhandled-rejection']}: ${describeScriptError(reason, file)}`, 'unhandled-rejection');
  };
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  function dispose(): void {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  }
  return dispose;
}
