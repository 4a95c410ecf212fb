// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are YAML flow templates, not JS ones.
import { describe, expect, it } from 'vitest';
import { formatError, SquallError } from '../errors/index.js';
import { ConfigError } from '../errors/issues.js';
import { createFeeder } from '../feeders/feeders.js';
import { compileFlow, type Step } from './flow.js';
import { parseKeyPath } from './flow-shape.js';

/**
 * Invalid flows: each is refused at compile time, before any load, with SQ_CONFIG_INVALID
 * (exit 2), the file, the exact key path, and the bad value or name in the message.
 */

const where = { file: 'checkout.yaml', path: 'scenarios.main.users[0].flow' };
const P = where.path;
const feeders = {
  users: createFeeder([{ email: 'a@x.io', password: 'pw' }], { name: 'users.csv' }),
  words: createFeeder(['a', 'b'], { name: 'words.json' }),
};

function refusal(steps: unknown): SquallError {
  try {
    compileFlow(steps as Step[], where, feeders);
  } catch (e) {
    expect(e).toBeInstanceOf(SquallError);
    return e as SquallError;
  }
  throw new Error('expected the flow to be refused');
}

interface Case {
  what: string;
  steps: unknown;
  path: string;
  message: RegExp;
  hint?: RegExp;
}

const cases: Case[] = [
  {
    what: 'an unknown step kind, with a did-you-mean',
    steps: [{ gte: '/health' }],
    path: `${P}[0].gte`,
    message: /unknown step 'gte' — did you mean 'get'\?/,
    hint: /steps: get, post, put, patch, delete, head, think, loop, feed/,
  },
  {
    what: 'a misspelt option beside the method',
    steps: [{ post: '/verify', nmae: 'POST /verify' }],
    path: `${P}[0].nmae`,
    message: /unknown key 'nmae' in a post step — did you mean 'name'\?/,
  },
  {
    what: 'a misspelt option inside the method',
    steps: [{ get: { url: '/a', heders: { a: 'b' } } }],
    path: `${P}[0].get.heders`,
    message: /unknown key 'heders' in a get request — did you mean 'headers'\?/,
  },
  {
    what: "Artillery's qs for query",
    steps: [{ get: { url: '/a', qs: { q: 1 } } }],
    path: `${P}[0].get.qs`,
    message: /unknown key 'qs' .* did you mean 'query'\?/,
  },
  {
    what: 'options both inside and beside the method',
    steps: [{ get: { url: '/a' }, name: 'x' }],
    path: `${P}[0].name`,
    message: /'name' sits beside get: \{ … \}/,
  },
  {
    what: 'a request map without url',
    steps: [{ get: { name: 'x' } }],
    path: `${P}[0].get.url`,
    message: /get: \{ … \} needs url/,
  },
  {
    what: 'a URL that is not a path',
    steps: [{ get: 'health' }],
    path: `${P}[0].get`,
    message: /url must be a path starting with \/ .* given "health"/,
    hint: /write \/health/,
  },
  {
    what: 'a bad think duration',
    steps: [{ think: '1x' }],
    path: `${P}[0].think`,
    message: /think must be a duration .* given "1x"/,
  },
  {
    what: 'a think range that ends before it starts',
    steps: [{ think: '3s..1s' }],
    path: `${P}[0].think`,
    message: /think range "3s\.\.1s" ends before it starts/,
  },
  {
    what: 'a negative think',
    steps: [{ think: -1 }],
    path: `${P}[0].think`,
    message: /given -1/,
  },
  {
    what: 'maxDuration without a unit',
    steps: [{ get: '/a', check: { maxDuration: 500 } }],
    path: `${P}[0].check.maxDuration`,
    message: /maxDuration must be a duration with a unit such as 500ms or 2s, given 500/,
  },
  {
    what: 'a bad timeout',
    steps: [{ get: { url: '/a', timeout: 'soon' } }],
    path: `${P}[0].get.timeout`,
    message: /timeout must be a duration with a unit .* given "soon"/,
  },
  {
    what: 'a variable nothing captures',
    steps: [{ get: '/prompts/${id}' }],
    path: `${P}[0].get`,
    message: /\$\{id\}: no earlier step sets 'id'/,
    hint: /capture/,
  },
  {
    what: 'a misspelt captured variable, with a did-you-mean',
    steps: [{ post: '/p', capture: { json: '$.id', as: 'promptId' } }, { get: { url: '/p/${promptID}' } }],
    path: `${P}[1].get.url`,
    message: /no earlier step sets 'promptID' — did you mean 'promptId'\?/,
  },
  {
    what: 'a variable used before the step that captures it',
    steps: [{ get: '/p/${id}' }, { post: '/p', capture: { json: '$.id', as: 'id' } }],
    path: `${P}[0].get`,
    message: /no earlier step sets 'id'/,
  },
  {
    what: "a step's own capture in its URL",
    steps: [{ get: '/p/${id}', capture: { json: '$.id', as: 'id' } }],
    path: `${P}[0].get`,
    message: /no earlier step sets 'id'/,
  },
  {
    what: 'a variable in a JSON leaf, named by its JSON path',
    steps: [{ post: '/p', json: { author: { tags: ['x', '${tag}'] } } }],
    path: `${P}[0].json.author.tags[1]`,
    message: /\$\{tag\}: no earlier step sets 'tag'/,
  },
  {
    what: 'a header value with an unknown variable',
    steps: [{ get: '/p', headers: { 'X-Id': '${vu.itertion}' } }],
    path: `${P}[0].headers.X-Id`,
    message: /vu has vu\.id, vu\.iteration, vu\.scenario, vu\.user — did you mean 'iteration'\?/,
  },
  {
    what: 'an expression in a template',
    steps: [{ get: '/p/${vu.id + 1}' }],
    path: `${P}[0].get`,
    message: /'\$\{vu\.id \+ 1\}' is not a variable reference/,
    hint: /do not compute/,
  },
  {
    what: 'an unclosed template',
    steps: [{ get: '/p', query: { q: '${env.Q' } }],
    path: `${P}[0].query.q`,
    message: /never closed/,
  },
  {
    what: 'an unknown feeder, with a did-you-mean',
    steps: [{ feed: 'usrs' }],
    path: `${P}[0].feed`,
    message: /unknown feeder 'usrs' — did you mean 'users'\?/,
    hint: /feeders: users, words/,
  },
  {
    what: 'a field the feeder does not have',
    steps: [{ feed: 'users' }, { post: '/login', json: { email: '${row.emial}' } }],
    path: `${P}[1].json.email`,
    message: /the rows of feeder 'users' have no field 'emial' — did you mean 'email'\?/,
    hint: /fields: email, password/,
  },
  {
    what: '${row} with no feed step before',
    steps: [{ get: '/u/${row.email}' }],
    path: `${P}[0].get`,
    message: /no earlier step sets 'row'/,
  },
  {
    what: 'a loop item used after its loop',
    steps: [{ loop: [{ get: '/w/${item}' }], over: 'words' }, { get: '/again/${item}' }],
    path: `${P}[1].get`,
    message: /no earlier step sets 'item'/,
  },
  {
    what: '${loop.index} outside a loop',
    steps: [{ get: '/p/${loop.index}' }],
    path: `${P}[0].get`,
    message: /\$\{loop\.index\} is used outside any loop/,
  },
  {
    what: 'json and body together',
    steps: [{ post: '/p', json: {}, body: 'x' }],
    path: `${P}[0].body`,
    message: /json or body, not both/,
  },
  {
    what: 'form and multipart together',
    steps: [{ post: '/p', form: { a: 1 }, multipart: { b: 'x' } }],
    path: `${P}[0].multipart`,
    message: /a request has one body: form or multipart, not both/,
  },
  {
    what: 'a form value that is a map',
    steps: [{ post: '/p', form: { a: { b: 1 } } }],
    path: `${P}[0].form.a`,
    message: /form field a must be text, a number or a boolean/,
  },
  {
    what: 'a misspelt key of a multipart file part',
    steps: [{ post: '/p', multipart: { doc: { file: './x', contenType: 'a/b' } } }],
    path: `${P}[0].multipart.doc.contenType`,
    message: /unknown key 'contenType' in the file part doc — did you mean 'contentType'\?/,
  },
  {
    what: 'a multipart file that is not there',
    steps: [{ post: '/p', multipart: { doc: { file: './no-such-file.bin' } } }],
    path: `${P}[0].multipart.doc.file`,
    message: /multipart file "\.\/no-such-file\.bin" cannot be read \(no such file\)/,
    hint: /relative to the folder of the test file/,
  },
  {
    what: 'a negative redirects',
    steps: [{ get: '/p', redirects: -1 }],
    path: `${P}[0].redirects`,
    message: /redirects must be a whole number, 0 or more, given -1/,
  },
  {
    what: 'a misspelt submitForm key',
    steps: [{ get: '/login' }, { submitForm: { selektor: 'form' } }],
    path: `${P}[1].submitForm.selektor`,
    message: /unknown key 'selektor' in submitForm — did you mean 'selector'\?/,
  },
  {
    what: 'a submitForm option beside it',
    steps: [{ get: '/login' }, { submitForm: {}, name: 'x' }],
    path: `${P}[1].name`,
    message: /'name' sits beside submitForm/,
  },
  {
    what: 'an object as body',
    steps: [{ post: { url: '/p', body: { a: 1 } } }],
    path: `${P}[0].post.body`,
    message: /body is sent as text .* given \{"a":1\}/,
    hint: /write json:/,
  },
  {
    what: "Artillery's expect list",
    steps: [{ get: '/a', expect: [{ statusCode: 200 }] }],
    path: `${P}[0].expect`,
    message: /expect must be a status \(100–599\) or a list of them, given \[\{"statusCode":200\}\]/,
    hint: /check: \{ status: 200 \}/,
  },
  {
    what: "Artillery's statusCode in a check",
    steps: [{ get: '/a', check: { statusCode: 200 } }],
    path: `${P}[0].check.statusCode`,
    message: /unknown key 'statusCode' in check — did you mean 'status'\?/,
  },
  {
    what: 'a status out of range',
    steps: [{ get: '/a', check: { status: 99 } }],
    path: `${P}[0].check.status`,
    message: /check status must be a status .* given 99/,
  },
  {
    what: 'an unsupported JSON path in a check',
    steps: [{ get: '/a', check: { json: { '$..id': { exists: true } } } }],
    path: `${P}[0].check.json["$..id"]`,
    message: /JSON path '\$\.\.id' .* recursive descent '\.\.' is not supported/,
  },
  {
    what: 'a check matcher that is not exists or equals',
    steps: [{ get: '/a', check: { json: { '$.id': { equal: 5 } } } }],
    path: `${P}[0].check.json["$.id"].equal`,
    message: /unknown key 'equal' in the check of \$\.id — did you mean 'equals'\?/,
  },
  {
    what: 'a bare value as a JSON check',
    steps: [{ get: '/a', check: { json: { '$.id': 5 } } }],
    path: `${P}[0].check.json["$.id"]`,
    message: /must be a map, given 5/,
  },
  {
    what: 'a capture without as',
    steps: [{ get: '/a', capture: { json: '$.id' } }],
    path: `${P}[0].capture.as`,
    message: /capture as \(the variable name\) must be a non-empty string, given nothing/,
  },
  {
    what: 'a capture with a bad JSON path',
    steps: [
      {
        get: '/a',
        capture: [
          { json: '$.a', as: 'a' },
          { json: 'id', as: 'id' },
        ],
      },
    ],
    path: `${P}[0].capture[1].json`,
    message: /JSON path 'id' .* starts with '\$'/,
  },
  {
    what: 'a capture into a reserved name',
    steps: [{ get: '/a', capture: { json: '$.env', as: 'env' } }],
    path: `${P}[0].capture.as`,
    message: /capture as: 'env' is reserved/,
  },
  {
    what: 'a capture reading two things',
    steps: [{ get: '/a', capture: { json: '$.a', header: 'b', as: 'x' } }],
    path: `${P}[0].capture`,
    message: /reads one thing; found json and header/,
  },
  {
    what: 'a regexp that does not compile',
    steps: [{ get: '/a', capture: { regexp: 'id=(', as: 'x' } }],
    path: `${P}[0].capture.regexp`,
    message: /capture regexp "id=\(" does not compile/,
  },
  {
    what: 'a loop with neither count nor over',
    steps: [{ loop: [{ get: '/a' }] }],
    path: `${P}[0]`,
    message: /a loop needs count: N or over/,
  },
  {
    what: 'a loop count of zero',
    steps: [{ loop: [{ get: '/a' }], count: 0 }],
    path: `${P}[0].count`,
    message: /count must be a whole number of rounds, 1 or more, or a template giving one .*, given 0/,
  },
  {
    what: 'a loop over an unknown feeder',
    steps: [{ loop: [{ get: '/a' }], over: 'word' }],
    path: `${P}[0].over`,
    message: /loop over 'word': no feeder and no earlier capture has that name — did you mean 'words'\?/,
  },
  {
    what: 'an error deep inside a loop, named by its nested path',
    steps: [{ loop: [{ get: '/a' }, { loop: [{ think: 'x' }], count: 2 }], count: 2 }],
    path: `${P}[0].loop[1].loop[0].think`,
    message: /given "x"/,
  },
  {
    what: 'an empty loop body',
    steps: [{ loop: [], count: 2 }],
    path: `${P}[0].loop`,
    message: /at least one step/,
  },
  {
    what: 'two kinds in one step',
    steps: [{ get: '/a', think: '1s' }],
    path: `${P}[0]`,
    message: /a step does one thing; this one has 'get' and 'think'/,
  },
  {
    what: 'a step written as text',
    steps: ['GET /health'],
    path: `${P}[0]`,
    message: /a step is a map such as \{ get: \/path \}, given "GET \/health"/,
    hint: /write - get: \/health/,
  },
  {
    what: 'an empty flow',
    steps: [],
    path: P,
    message: /a flow needs at least one step/,
  },
  {
    what: 'a flow that is not a list',
    steps: { get: '/a' },
    path: P,
    message: /a flow is a list of steps, given \{"get":"\/a"\}/,
  },
  {
    what: 'an invalid header name',
    steps: [{ get: '/a', headers: { 'Bad Header': 'x' } }],
    path: `${P}[0].headers["Bad Header"]`,
    message: /"Bad Header" is not a valid header name/,
  },
  {
    what: 'a feed per value that does not exist',
    steps: [{ feed: { from: 'users', per: 'user' } }],
    path: `${P}[0].feed.per`,
    message: /per must be iteration .* or vu .* given "user"/,
  },
  {
    what: 'a feed alias that clashes with a capture',
    steps: [{ get: '/a', capture: { json: '$.u', as: 'u' } }, { feed: { from: 'users', as: 'u' } }],
    path: `${P}[1].feed.as`,
    message: /feed as: 'u' already names a value captured at/,
  },
  {
    what: 'a check with nothing in it',
    steps: [{ get: '/a', check: {} }],
    path: `${P}[0].check`,
    message: /check is empty/,
  },
];

describe('compileFlow refuses invalid flows', () => {
  for (const c of cases) {
    it(c.what, () => {
      const e = refusal(c.steps);
      expect(e.code).toBe('SQ_CONFIG_INVALID');
      expect(e.exitCode).toBe(2);
      expect(e.where).toEqual({ file: 'checkout.yaml', path: c.path });
      expect(e.message).toMatch(c.message);
      if (c.hint) expect(e.hint).toMatch(c.hint);
    });
  }

  it('renders for a person with the file, the path and the hint', () => {
    expect(formatError(refusal([{ gte: '/health' }]))).toBe(
      [
        "error SQ_CONFIG_INVALID: unknown step 'gte' — did you mean 'get'?",
        `  --> checkout.yaml (${P}[0].gte)`,
        '  hint: steps: get, post, put, patch, delete, head, think, loop, feed, submitForm, if, ws, send, receive, close',
      ].join('\n'),
    );
  });
});

describe('compileFlow reports every problem at once', () => {
  it('lists one issue per bad step, in flow order, each with its path as segments', () => {
    const e = refusal([
      { gte: '/a' },
      { get: '/ok' },
      { loop: [{ think: 'soon' }], count: 2 },
      { post: '/p', json: { a: '${nope}' } },
    ]);
    expect(e).toBeInstanceOf(ConfigError);
    const issues = (e as ConfigError).issues;
    expect(issues.map((i) => i.where.path)).toEqual([
      `${P}[0].gte`,
      `${P}[2].loop[0].think`,
      `${P}[3].json.a`,
    ]);
    expect(issues[1]!.path).toEqual(['scenarios', 'main', 'users', 0, 'flow', 2, 'loop', 0, 'think']);
    expect(e.message).toMatch(
      /^checkout\.yaml has 3 problems:\n {2}- checkout\.yaml \(.*\[0\]\.gte\): unknown step 'gte'/,
    );
    expect(e.where).toEqual({ file: 'checkout.yaml' });
  });

  it('lists every shape problem of one step, not only the first', () => {
    const e = refusal([{ get: { url: '/a', timeout: 'soon', tags: 5, check: { maxDuration: 1 } } }]);
    expect((e as ConfigError).issues.map((i) => [i.where.path, i.message])).toEqual([
      [`${P}[0].get.timeout`, 'timeout must be a duration with a unit such as 500ms or 2s, given "soon"'],
      [`${P}[0].get.tags`, 'tags must be a map, given 5'],
      [
        `${P}[0].get.check.maxDuration`,
        'maxDuration must be a duration with a unit such as 500ms or 2s, given 1',
      ],
    ]);
  });

  it('counts a check whose json lists no path as empty', () => {
    const e = refusal([{ get: '/a', check: { json: {} } }]);
    expect(e.where).toEqual({ file: 'checkout.yaml', path: `${P}[0].check` });
    expect(e.message).toBe('check is empty');
  });

  it('does not blame later steps for the names a refused step meant to set', () => {
    const e = refusal([
      { post: '/p', nmae: 'x', capture: { json: '$.id', as: 'id' } },
      { feed: { from: 'usrs', as: 'user' } },
      { get: '/p/${id}/${user.email}' },
    ]);
    expect((e as ConfigError).issues.map((i) => i.where.path)).toEqual([`${P}[0].nmae`, `${P}[1].feed.from`]);
  });
});

describe('parseKeyPath', () => {
  it('reads paths as the compiler and the loader write them', () => {
    expect(parseKeyPath('scenarios.s.users[0].flow[12].post.json["odd key"].x')).toEqual([
      'scenarios',
      's',
      'users',
      0,
      'flow',
      12,
      'post',
      'json',
      'odd key',
      'x',
    ]);
    expect(parseKeyPath('check.json["$.id"].equals')).toEqual(['check', 'json', '$.id', 'equals']);
    expect(parseKeyPath('headers.X-Id')).toEqual(['headers', 'X-Id']);
    expect(parseKeyPath('')).toEqual([]);
  });
});

describe('compileFlow accepts', () => {
  const ok = (steps: unknown, f = feeders) =>
    expect(() => compileFlow(steps as Step[], where, f)).not.toThrow();

  it('env variables it cannot know at compile time', () => ok([{ get: '/a/${env.ANYTHING}' }]));
  it('a capture made inside a loop, used after it', () =>
    ok([{ loop: [{ get: '/a', capture: { json: '$.id', as: 'id' } }], count: 1 }, { get: '/b/${id}' }]));
  it('a feed alias reused by a later feed', () =>
    ok([{ feed: 'users' }, { feed: 'users' }, { get: '/u/${row.email}' }]));
  it('any field of a feeder of scalars (fields unknown)', () =>
    ok([{ feed: 'words' }, { get: '/w/${row}' }]));
  it('an absolute URL', () => ok([{ get: 'https://example.com/a' }]));
  it('a URL that starts with a variable', () => ok([{ get: '${env.BASE}/a' }]));
  it('no feeders at all when no step feeds', () => ok([{ get: '/a' }], {} as typeof feeders));
});
