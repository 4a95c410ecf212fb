// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are squall's YAML templates, not JS ones.
// biome-ignore-all lint/suspicious/noThenProperty: `then` is the key of squall's if: step.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { convertLocust } from './locust.js';
import { ConvertError } from './types.js';

type Doc = {
  target?: string;
  vus?: number;
  duration?: string;
  before?: Step[];
  users: Array<{
    name: string;
    weight?: number;
    think?: string;
    onStart?: Step[];
    onStop?: Step[];
    flow?: Step[];
    tasks?: Array<{ name: string; weight: number; flow: Step[] }>;
  }>;
};
type Step = Record<string, unknown>;

const convert = (py: string) => {
  const c = convertLocust(py, 'locustfile.py');
  return { ...c, doc: parse(c.text) as Doc };
};

/** A locustfile with one user whose class body is `body` (indented by the caller's 4 spaces). */
const user = (body: string, head = '') =>
  `${head}from locust import HttpUser, task, between, constant, constant_pacing\n\nclass U(HttpUser):\n${body}`;

const FIXTURES = ['locust-store.py', 'locust-api.py'].map((f) => ({
  name: f,
  text: readFileSync(new URL(`../../test/fixtures/convert/${f}`, import.meta.url), 'utf8'),
}));

/**
 * The user classes, their weights and their @task weights, read from the Python source by lines
 * (independently of the parser), so the expectations come from the locustfile itself.
 */
function declared(py: string) {
  const out: Array<{ name: string; weight: number; tasks: Record<string, number> }> = [];
  const lines = py.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const cls = /^class (\w+)\((?:Fast)?HttpUser\):/.exec(lines[i]!);
    if (cls) out.push({ name: cls[1]!, weight: 1, tasks: {} });
    const cur = out.at(-1);
    if (!cur) continue;
    const w = /^ {4}weight = (\d+)/.exec(lines[i]!);
    if (w) cur.weight = Number(w[1]);
    const t = /^ {4}@task(?:\((\d+)\))?/.exec(lines[i]!);
    if (t) cur.tasks[/def (\w+)/.exec(lines[i + 1]!)![1]!] = Number(t[1] ?? 1);
    const dict = /^ {4}tasks = \{(.*)\}/.exec(lines[i]!);
    if (dict)
      for (const pair of dict[1]!.split(',')) {
        const [k, v] = pair.split(':').map((s) => s.trim());
        cur.tasks[k!] = Number(v);
      }
  }
  return out;
}

describe('convertLocust: the fixtures', () => {
  for (const f of FIXTURES) {
    it(`${f.name}: every user class and task, with the weights the locustfile gives`, () => {
      const c = convert(f.text);
      expect(c.source).toBe('locust');
      expect(c.format).toBe('yaml');
      const want = declared(f.text);
      expect(want.length).toBeGreaterThanOrEqual(2);
      expect(c.doc.users.map((u) => u.name)).toEqual(want.map((u) => u.name));
      for (const [i, u] of want.entries()) {
        const got = c.doc.users[i]!;
        expect(got.weight).toBe(u.weight);
        expect(Object.fromEntries(got.tasks!.map((t) => [t.name, t.weight]))).toEqual(u.tasks);
      }
      expect(c.doc.vus).toBe(10);
      expect(c.doc.duration).toBe('1m');
      expect(c.text).toMatch(/^# .*--vus N and -d DURATION/m);
      expect(c.translated.some((t) => /10 VUs for 1m/.test(t))).toBe(true);
    });
  }

  it('locust-store.py: the form login, the catch_response expectations, the loop and the capture', () => {
    const { doc, todos } = convert(FIXTURES[0]!.text);
    expect(todos).toEqual([]);
    const [shopper, admin] = doc.users;
    expect(shopper!.think).toBe('1s..3s');
    expect(shopper!.onStart).toEqual([{ post: '/login', form: { username: 'shopper', password: 'secret' } }]);
    expect(shopper!.onStop).toEqual([{ post: '/logout' }]);
    const task = (name: string) => shopper!.tasks!.find((t) => t.name === name)!.flow;
    expect(task('search')[0]).toMatchObject({
      get: '/search',
      query: { q: "${random.pick('lamp','chair','kettle')}" },
      expect: { bodyContains: 'results' },
    });
    expect(task('checkout')).toEqual([
      { post: '/cart', json: { product: '${random.int(1,500)}', quantity: 1 }, expect: { status: 201 } },
      { loop: [{ get: '/cart', name: '/cart (review)' }], count: 2 },
      { post: '/checkout', json: { payment: 'card' }, headers: { 'X-Request-Source': 'locust' } },
    ]);
    expect(task('browse')[0]).toEqual({
      get: "/category/${random.pick('books','games','music','garden')}",
      name: '/category/[name]',
    });
    expect(admin!.think).toBe('2s');
    expect(admin!.onStart![0]).toMatchObject({ capture: { json: '$.token', as: 'token' } });
    expect(admin!.tasks![0]!.flow[0]).toEqual({
      get: '/admin/orders',
      headers: { Authorization: 'Bearer ${token}' },
    });
  });

  it('locust-api.py: before from test_start, the if on a capture, and TODOs for the rest', () => {
    const { doc, todos, text } = convert(FIXTURES[1]!.text);
    expect(doc.target).toBe('http://api.example.test');
    expect(doc.before).toEqual([{ post: '/admin/reset', json: { seed: 42 } }]);
    const mobile = doc.users[0]!;
    expect(mobile.think).toBe('0.5s..2s');
    expect(mobile.onStart![0]!.capture).toEqual([
      { json: '$.access_token', as: 'token' },
      { json: '$.plan', as: 'plan' },
    ]);
    const create = mobile.tasks!.find((t) => t.name === 'create_order')!.flow;
    expect(create[0]!.expect).toEqual({ status: [200, 201] });
    expect(create[1]).toMatchObject({ if: "${plan} == 'premium'" });
    const list = mobile.tasks!.find((t) => t.name === 'list_orders')!.flow;
    expect(list[0]!.expect).toEqual({ status: 200, json: { '$.items': { exists: true } } });
    // logging.info is left, with its line in the original.
    const lines = FIXTURES[1]!.text.split('\n');
    expect(todos.map((t) => lines[t.line - 1]!.trim())).toEqual(['logging.info("order created")']);
    // The session headers set in on_start go into every request of that user.
    const integrator = doc.users[1]!;
    expect(integrator.onStart).toBeUndefined();
    for (const t of integrator.tasks!) expect(t.flow[0]!.headers).toEqual({ 'X-Api-Key': 'integration-key' });
    expect(text).toMatch(
      /# TODO\(convert\): a call of logging\.info\(\).* — line \d+ of the original:\n\s+#\s+logging\.info/,
    );
  });
});

describe('convertLocust: each construct', () => {
  it("a literal ${ in a string or f-string stays literal: squall's $${ escape", () => {
    const { text } = convert(
      'from locust import HttpUser, task\n\nclass U(HttpUser):\n    @task\n    def t(self):\n        self.client.get("/a?q=${HOME}")\n        n = 1\n        self.client.get(f"/b/{n}?q=${{PATH}}")\n',
    );
    expect(text).toContain('$${HOME}');
    expect(text).toContain('$${PATH}');
    expect(text).not.toMatch(/[^$]\$\{(HOME|PATH)\}/);
  });

  it('wait_time: between → a range, constant → a fixed think, constant_pacing → a TODO', () => {
    expect(
      convert(
        user('    wait_time = between(0.5, 2)\n    @task\n    def a(self):\n        self.client.get("/")\n'),
      ).doc.users[0]!.think,
    ).toBe('0.5s..2s');
    expect(
      convert(
        user('    wait_time = constant(3)\n    @task\n    def a(self):\n        self.client.get("/")\n'),
      ).doc.users[0]!.think,
    ).toBe('3s');
    const pacing = convert(
      user('    wait_time = constant_pacing(5)\n    @task\n    def a(self):\n        self.client.get("/")\n'),
    );
    expect(pacing.doc.users[0]!.think).toBeUndefined();
    expect(pacing.text).toMatch(/TODO\(convert\) \(think\): constant_pacing.* — line 4 /);
    expect(pacing.todos).toEqual([expect.objectContaining({ line: 4 })]);
  });

  it('tasks = {fn: w} with module-level functions and methods; @task without a weight is 1', () => {
    const { doc } = convert(
      'from locust import HttpUser, task\n\ndef index(user):\n    user.client.get("/")\n\nclass U(HttpUser):\n    fixed_count = 2\n    def about(self):\n        self.client.get("/about")\n    tasks = {index: 3, about: 1}\n',
    );
    expect(doc.users[0]!.weight).toBe(2);
    expect(doc.users[0]!.tasks).toEqual([
      { name: 'index', weight: 3, flow: [{ get: '/' }] },
      { name: 'about', weight: 1, flow: [{ get: '/about' }] },
    ]);
  });

  it('client calls: request(), params, data as text, timeout, allow_redirects, files as multipart', () => {
    const { doc } = convert(
      user(
        [
          '    @task',
          '    def a(self):',
          '        self.client.request("PUT", "/x", data="raw", timeout=5, allow_redirects=False)',
          '        self.client.post("/up", data={"title": "t"}, files={"doc": ("r.pdf", open("r.pdf", "rb"), "application/pdf")})',
          '        self.client.delete(f"/items/{random.randint(1, 9)}", params={"force": True})',
          '',
        ].join('\n'),
      ),
    );
    expect(doc.users[0]!.tasks![0]!.flow).toEqual([
      { put: '/x', body: 'raw', timeout: '5s', redirects: 0 },
      {
        post: '/up',
        multipart: { title: 't', doc: { file: 'r.pdf', filename: 'r.pdf', contentType: 'application/pdf' } },
      },
      { delete: '/items/${random.int(1,9)}', query: { force: true } },
    ]);
  });

  it('a loop over a module-level list, self.x set to a value, elif chains, time.sleep, inlined helpers', () => {
    const { doc } = convert(
      user(
        [
          '    def on_start(self):',
          '        self.region = "eu"',
          '        r = self.client.get("/me")',
          '        self.role = r.json()["user"]["role"]',
          '    def ping(self):',
          '        self.client.get("/ping")',
          '    @task',
          '    def a(self):',
          '        for sku in SKUS:',
          '            self.client.get(f"/{self.region}/sku/{sku}")',
          '        if self.role == "admin" and self.role is not None:',
          '            self.ping()',
          '        elif not self.role:',
          '            time.sleep(1.5)',
          '        else:',
          '            pass',
          '',
        ].join('\n'),
        'SKUS = ["a1", "b2"]\n',
      ),
    );
    const u = doc.users[0]!;
    expect(u.onStart).toEqual([{ get: '/me', capture: { json: '$.user.role', as: 'role' } }]);
    expect(u.tasks![0]!.flow).toEqual([
      { loop: [{ get: '/eu/sku/${sku}' }], over: ['a1', 'b2'], as: 'sku' },
      {
        if: "${role} == 'admin' and ${role}",
        then: [{ get: '/ping' }],
        else: [{ if: 'not ${role}', then: [{ think: '1.5s' }], else: [] }],
      },
    ]);
  });

  it('headers set on the session in on_start go into every later request; elsewhere they are a TODO', () => {
    const c = convert(
      user(
        [
          '    def on_start(self):',
          '        self.client.get("/warmup")',
          '        r = self.client.post("/login", json={"u": "a"})',
          '        self.client.headers["Authorization"] = f"Bearer {r.json()[\'token\']}"',
          '    @task',
          '    def a(self):',
          '        self.client.get("/a", headers={"X-B": "b"})',
          '        self.client.headers.update({"X-Late": "1"})',
          '',
        ].join('\n'),
      ),
    );
    const u = c.doc.users[0]!;
    expect(u.onStart).toEqual([{ get: '/warmup' }, { post: '/login', json: { u: 'a' } }]);
    // A value computed from the response in place is not something a header can hold: a TODO.
    expect(c.todos.map((t) => t.line)).toEqual([7, 11]);
    const d = convert(
      user(
        [
          '    def on_start(self):',
          '        r = self.client.post("/login", json={"u": "a"})',
          '        self.token = r.json()["token"]',
          '        self.client.headers["Authorization"] = f"Bearer {self.token}"',
          '    @task',
          '    def a(self):',
          '        self.client.get("/a", headers={"X-B": "b"})',
          '    def on_stop(self):',
          '        self.client.post("/logout")',
          '',
        ].join('\n'),
      ),
    );
    const v = d.doc.users[0]!;
    expect(v.onStart).toEqual([
      { post: '/login', json: { u: 'a' }, capture: { json: '$.token', as: 'token' } },
    ]);
    expect(v.tasks![0]!.flow).toEqual([
      { get: '/a', headers: { Authorization: 'Bearer ${token}', 'X-B': 'b' } },
    ]);
    expect(v.onStop).toEqual([{ post: '/logout', headers: { Authorization: 'Bearer ${token}' } }]);
    expect(d.todos).toEqual([]);
  });

  it('catch_response in the success form (if status == N: success(), else: failure()) and inline TaskSets', () => {
    const c = convert(
      user(
        [
          '    @task',
          '    def a(self):',
          '        with self.client.delete("/i/1", catch_response=True) as r:',
          '            if r.status_code in [204, 404]:',
          '                r.success()',
          '            else:',
          '                r.failure("not deleted")',
          '    @task(2)',
          '    class Browse(TaskSet):',
          '        @task',
          '        def index(self):',
          '            self.client.get("/")',
          '',
        ].join('\n'),
      ),
    );
    const tasks = c.doc.users[0]!.tasks!;
    expect(tasks[0]!.flow).toEqual([{ delete: '/i/1', expect: { status: [204, 404] } }]);
    expect(tasks[1]).toMatchObject({ name: 'Browse', weight: 2 });
    expect(tasks[1]!.flow).toBeUndefined();
    expect(c.todos).toEqual([expect.objectContaining({ line: 12 })]);
    expect(c.text).toMatch(/# TODO\(convert\) \(flow\): Browse is a TaskSet/);
  });

  it('abstract base classes are merged into their subclasses and not emitted', () => {
    const { doc } = convert(
      'from locust import HttpUser, task, between\n\nclass Base(HttpUser):\n    abstract = True\n    wait_time = between(1, 2)\n    @task(2)\n    def home(self):\n        self.client.get("/")\n\nclass Reader(Base):\n    @task\n    def read(self):\n        self.client.get("/read")\n',
    );
    expect(doc.users.map((u) => u.name)).toEqual(['Reader']);
    expect(doc.users[0]!.think).toBe('1s..2s');
    expect(doc.users[0]!.tasks!.map((t) => [t.name, t.weight])).toEqual([
      ['home', 2],
      ['read', 1],
    ]);
  });

  it('what it cannot translate becomes a TODO with the original code and line: TaskSets, shapes, other Python', () => {
    const py = [
      'from locust import HttpUser, TaskSet, LoadTestShape, task',
      '',
      'class Browse(TaskSet):',
      '    @task',
      '    def index(self):',
      '        self.client.get("/")',
      '',
      'class U(HttpUser):',
      '    tasks = [Browse]',
      '    @task',
      '    def a(self):',
      '        data = compute(self)',
      '        self.client.post("/x", json=data)',
      '',
      'class Shape(LoadTestShape):',
      '    def tick(self):',
      '        return (10, 1)',
      '',
    ].join('\n');
    const c = convert(py);
    expect(c.todos.map((t) => t.line)).toEqual([3, 12, 13, 15]);
    expect(c.text).toMatch(
      /# TODO\(convert\) \(flow\): Browse is a TaskSet.* — line 3 of the original:\n\s+#\s+class Browse\(TaskSet\):/,
    );
    expect(c.text).toMatch(/# TODO\(convert\) \(stages\): a LoadTestShape/);
    expect(c.text).toMatch(/#\s+self\.client\.post\("\/x", json=data\)/);
    expect(c.doc.users[0]!.tasks!.map((t) => t.name)).toEqual(['a', 'Browse']);
  });

  it('a file that is not valid Python is a ConvertError naming its line', () => {
    const py =
      'from locust import HttpUser, task\n\nclass U(HttpUser):\n    @task\n    def a(self:\n        self.client.get("/")\n';
    let err: unknown;
    try {
      convertLocust(py, 'broken.py');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConvertError);
    const line = (err as ConvertError).line!;
    expect(line).toBeGreaterThanOrEqual(5);
    expect(line).toBeLessThanOrEqual(6);
    expect((err as Error).message).toMatch(new RegExp(`^broken\\.py:${line}: Python syntax error`));
  });

  it('a Python file without a user class is a ConvertError', () => {
    expect(() => convertLocust('import os\nprint(os.name)\n', 'plain.py')).toThrow(
      /no class deriving from HttpUser/,
    );
  });
});

describe('docs/coming-from.md', () => {
  it("shows locust-api.py and the converter's real output for it", () => {
    const doc = readFileSync(new URL('../../docs/coming-from.md', import.meta.url), 'utf8');
    const section = doc.split('### A Locust file')[1]!.split('### ')[0]!;
    const blocks = [...section.matchAll(/```(python|yaml)\n([\s\S]*?)```/g)].map((m) => m[2]!);
    const fixture = FIXTURES[1]!;
    expect(blocks[0]).toBe(fixture.text);
    expect(blocks[1]!.trimEnd()).toBe(convertLocust(fixture.text, fixture.name).text.trimEnd());
  });
});
