import { randomGetter } from './flow-random.js';
import { didYouMean, IDENTIFIER } from './flow-shape.js';
import { type Getter, parseTemplate, TemplateError, type VarRef } from './flow-template.js';
import { NOT_FOUND, queryJsonPath } from './json-path.js';

/**
 * The names a flow's templates may use at each point of the flow, tracked while compiling in flow
 * order, so `${id}` before the step that captures `id` is an error before any load starts:
 *
 * - captures (`capture: { …, as: id }`): kept in `ctx.vu.state`, so they outlive the iteration;
 * - feed rows and loop items (`feed: users` → `${row.x}`, `loop … over` → `${item.x}`): slots of
 *   the iteration, numbered here;
 * - `${loop.index}` (innermost loop, 0-based), `${vu.id}`, `${vu.iteration}`, `${vu.scenario}`,
 *   `${vu.user}`, and `${env.NAME}` (checked at run time: env comes with the run).
 */

export const RESERVED_NAMES = ['env', 'vu', 'loop', 'random'] as const;
const VU_FIELDS = ['id', 'iteration', 'scenario', 'user'] as const;

interface Binding {
  slot: number;
  /** What set it, for messages: `feeder 'users'`, `the loop at flow[2]`. */
  origin: string;
  /** Known field names (empty when unknown), to catch `${row.emial}` at compile time. */
  fields: readonly string[];
}

export class FlowScope {
  /** Captured names → where they are captured. */
  private readonly captures = new Map<string, string>();
  /** Names captured by the test's before: flow: readable here, never captured into. */
  private readonly shared = new Set<string>();
  private readonly bindings = new Map<string, Binding>();
  private readonly loopSlots: number[] = [];
  private slots = 0;

  /** Slots an iteration needs. Read after compiling. */
  get slotCount(): number {
    return this.slots;
  }

  hasCapture(name: string): boolean {
    return this.captures.has(name);
  }

  /** A name the before: flow captured: known from the start, read-only (hooks, issue 18). */
  addShared(name: string): void {
    this.shared.add(name);
    this.addCapture(name, 'before:');
  }

  /** The names captured so far (a user's onStart hands its own to the user's flows). */
  captureNames(): string[] {
    return [...this.captures.keys()].filter((n) => !this.shared.has(n));
  }

  /** Why `name` cannot be a capture or binding name, or undefined when it can. */
  nameProblem(name: string, as: 'capture' | 'binding'): string | undefined {
    if (!IDENTIFIER.test(name)) return `'${name}' is not a plain name (letters, digits, _)`;
    if (this.shared.has(name))
      return `'${name}' is captured by before: and shared read-only with every flow; choose another name`;
    if ((RESERVED_NAMES as readonly string[]).includes(name))
      return `'${name}' is reserved (${RESERVED_NAMES.join(', ')})`;
    if (as === 'capture' && this.bindings.has(name)) {
      return `'${name}' already names the rows of ${this.bindings.get(name)!.origin}`;
    }
    if (as === 'binding' && this.captures.has(name))
      return `'${name}' already names a value captured at ${this.captures.get(name)}`;
    return undefined;
  }

  /** Records a capture; the caller has checked nameProblem. */
  addCapture(name: string, where: string): void {
    if (!this.captures.has(name)) this.captures.set(name, where);
  }

  /** Binds `name` to a slot (reusing its slot when already bound), returning the slot. */
  bind(name: string, origin: string, fields: readonly string[]): number {
    const existing = this.bindings.get(name);
    const slot = existing ? existing.slot : this.slots++;
    this.bindings.set(name, { slot, origin, fields });
    return slot;
  }

  /**
   * Runs `body` with `name` bound to a fresh slot (a loop's item), restoring the outer binding
   * after, so an inner loop's `item` shadows an outer one only inside it.
   */
  withBinding<T>(name: string, origin: string, fields: readonly string[], body: (slot: number) => T): T {
    const outer = this.bindings.get(name);
    const slot = this.slots++;
    this.bindings.set(name, { slot, origin, fields });
    try {
      return body(slot);
    } finally {
      if (outer) this.bindings.set(name, outer);
      else this.bindings.delete(name);
    }
  }

  /** Runs `body` inside a loop whose index lives at the returned slot. */
  withLoop<T>(body: (indexSlot: number) => T): T {
    const slot = this.slots++;
    this.loopSlots.push(slot);
    try {
      return body(slot);
    } finally {
      this.loopSlots.pop();
    }
  }

  /** A feeder's rows by name, for `${random.pick(feeder)}` (set by the compiler). */
  feederRows: ((name: string) => readonly unknown[] | undefined) | undefined;

  /** The getter of `${ref}`; throws TemplateError when the name is unknown at this point. */
  resolve(ref: VarRef): Getter {
    switch (ref.head) {
      case 'random':
        return randomGetter(ref, (name) => {
          const rows = this.feederRows?.(name);
          if (rows !== undefined) return () => rows;
          const inner = parseTemplate(`\${${name}}`)[0];
          return this.resolve(inner as VarRef);
        });
      case 'env':
        return this.envGetter(ref);
      case 'vu':
        return this.vuGetter(ref);
      case 'loop':
        return this.loopGetter(ref);
    }
    const binding = this.bindings.get(ref.head);
    if (binding) return this.bindingGetter(ref, binding);
    if (this.captures.has(ref.head)) return captureGetter(ref);
    const known = [...this.captures.keys(), ...this.bindings.keys(), ...RESERVED_NAMES];
    const hint = didYouMean(ref.head, known);
    throw new TemplateError(
      `\${${ref.source}}: no earlier step sets '${ref.head}'${hint ? ` — ${hint}` : ''}`,
      `a variable comes from an earlier capture: { …, as: name }, a feed step (\${row.field}), a loop over ` +
        `a feeder (\${item.field}), \${loop.index}, \${vu.id}, \${vu.iteration} or \${env.NAME}`,
    );
  }

  private envGetter(ref: VarRef): Getter {
    const [name, ...rest] = ref.path;
    if (name === undefined || rest.length > 0) {
      throw new TemplateError(`\${${ref.source}}: write \${env.NAME}, one variable name after 'env.'`);
    }
    const fallback = ref.fallback;
    return (run) => {
      const value = run.ctx.env[name];
      if (value !== undefined) return value;
      if (fallback !== undefined) return fallback;
      throw new Error(`\${env.${name}} is not set: pass -e ${name}=… or set it in the environment`);
    };
  }

  private vuGetter(ref: VarRef): Getter {
    const field = ref.path[0];
    if (ref.path.length !== 1 || !(VU_FIELDS as readonly string[]).includes(field!)) {
      const hint = field === undefined ? undefined : didYouMean(field, VU_FIELDS);
      throw new TemplateError(
        `\${${ref.source}}: vu has ${VU_FIELDS.map((f) => `vu.${f}`).join(', ')}${hint ? ` — ${hint}` : ''}`,
      );
    }
    switch (field as (typeof VU_FIELDS)[number]) {
      case 'id':
        return (run) => run.ctx.vu.id;
      case 'iteration':
        return (run) => run.ctx.vu.iteration;
      case 'scenario':
        return (run) => run.ctx.vu.scenario;
      case 'user':
        return (run) => run.ctx.vu.user;
    }
  }

  private loopGetter(ref: VarRef): Getter {
    const slot = this.loopSlots.at(-1);
    if (slot === undefined) throw new TemplateError(`\${${ref.source}} is used outside any loop`);
    if (ref.path.length !== 1 || ref.path[0] !== 'index') {
      throw new TemplateError(`\${${ref.source}}: a loop has \${loop.index} (0-based)`);
    }
    return (run) => run.slots[slot];
  }

  private bindingGetter(ref: VarRef, binding: Binding): Getter {
    const field = ref.path[0];
    if (field !== undefined && binding.fields.length > 0 && !binding.fields.includes(field)) {
      const hint = didYouMean(field, binding.fields);
      throw new TemplateError(
        `\${${ref.source}}: the rows of ${binding.origin} have no field '${field}'${hint ? ` — ${hint}` : ''}`,
        `fields: ${binding.fields.join(', ')}`,
      );
    }
    const { slot, origin } = binding;
    const unset = `\${${ref.source}} is not set: ${origin} has not run yet in this iteration`;
    return walk(ref, (run) => run.slots[slot], unset);
  }
}

function captureGetter(ref: VarRef): Getter {
  const name = ref.head;
  // A capture lives in vu.state from an earlier step (or iteration); unset means its step was skipped.
  return walk(
    ref,
    (run) => run.ctx.vu.state[name],
    `\${${ref.source}} is not set: nothing was captured into '${name}' yet`,
  );
}

/** Follows `ref.path` from the base value; every miss throws a message naming the reference. */
function walk(ref: VarRef, base: Getter, unset: string): Getter {
  const path = ref.path;
  return (run) => {
    const value = base(run);
    if (value === undefined) throw new Error(unset);
    if (path.length === 0) return value;
    const found = queryJsonPath(value, path);
    if (found === NOT_FOUND || found === undefined) {
      throw new Error(`\${${ref.source}}: ${ref.head} has no '${path.join('.')}' (it is ${clip(value)})`);
    }
    return found;
  };
}

function clip(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}
