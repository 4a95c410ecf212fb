/**
 * JSON text safe to place inside a `<script type="application/json">` element. The HTML parser
 * ends a script at the first `</script` and treats `<!--` specially whatever the type, so `<`
 * (with `>` and `&` for good measure) is written as a JSON escape: a request named `</script>`
 * stays data. U+2028 and U+2029 are escaped too, as older JavaScript parsers end lines there.
 * JSON.parse reads the escapes back to the same characters.
 */
export function jsonForScript(value: unknown): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
