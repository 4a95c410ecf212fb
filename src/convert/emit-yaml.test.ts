import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { emitYaml, Todo } from './emit-yaml.js';

describe('emitYaml', () => {
  it('writes a Todo in a list or as a value as comments with the original, and stays valid YAML', () => {
    const text = emitYaml(
      {
        target: 'http://127.0.0.1:8080',
        users: [
          {
            name: 'U',
            flow: [{ get: '/a' }, new Todo('a custom function', 'def f(self):\n    pass', 12), { get: '/b' }],
            think: new Todo('a wait_time function', 'wait_time = custom()', 4),
          },
        ],
      },
      ['converted from locustfile.py'],
    );
    expect(text).toContain('# converted from locustfile.py');
    expect(text).toMatch(/^\s+# TODO\(convert\): a custom function — line 12 of the original:$/m);
    expect(text).toMatch(/^\s+#\s+def f\(self\):$/m);
    expect(text).toMatch(/# TODO\(convert\) \(think\): a wait_time function — line 4/);
    expect(text).not.toContain('__squall_todo_');
    const doc = parse(text) as { users: Array<{ flow: unknown[]; think?: unknown }> };
    expect(doc.users[0]!.flow).toEqual([{ get: '/a' }, { get: '/b' }]);
    expect(doc.users[0]!.think).toBeUndefined();
  });
});
