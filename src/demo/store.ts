/** The demo API's storage: prompts in a Map, behind a simulated storage latency. */

export interface Prompt {
  id: string;
  title: string;
  text: string;
  tags: string[];
  createdAt: string;
  updatedAt: string;
}

export interface PromptInput {
  title: string;
  text: string;
  tags: string[];
}

export interface Page {
  items: Prompt[];
  total: number;
}

const MAX_TITLE = 200;
const MAX_TAGS = 20;
const MAX_TAG = 50;

/** Checks a parsed request body; returns the input or a message that says what was expected. */
export function validatePromptInput(body: unknown): PromptInput | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return 'request body must be a JSON object like {"title": "…", "text": "…", "tags": ["…"]}';
  }
  const { title, text, tags } = body as Record<string, unknown>;
  if (typeof title !== 'string' || title.trim() === '' || title.length > MAX_TITLE) {
    return `title is required: a non-empty string of at most ${MAX_TITLE} characters`;
  }
  if (typeof text !== 'string' || text.trim() === '') return 'text is required: a non-empty string';
  if (tags === undefined) return { title, text, tags: [] };
  if (!isTagList(tags)) {
    return `tags must be an array of at most ${MAX_TAGS} non-empty strings of at most ${MAX_TAG} characters`;
  }
  return { title, text, tags: [...tags] };
}

function isTagList(tags: unknown): tags is string[] {
  return (
    Array.isArray(tags) &&
    tags.length <= MAX_TAGS &&
    tags.every((t) => typeof t === 'string' && t.trim() !== '' && t.length <= MAX_TAG)
  );
}

/** mulberry32: a tiny seeded generator, so a seeded server draws the same latencies every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface StoreOptions {
  latencyMs: readonly [number, number];
  random: () => number;
  /** Past this many prompts the oldest created one goes, so a long POST-heavy test keeps memory flat. */
  maxPrompts: number;
}

export class PromptStore {
  // Keyed by number so insertion order is id order: ids only grow and updates keep their place.
  readonly #items = new Map<number, Prompt>();
  readonly #options: StoreOptions;
  #nextId = 1;

  constructor(options: StoreOptions) {
    this.#options = options;
    seedPrompts(this.#items);
    this.#nextId = this.#items.size + 1;
  }

  async list(limit: number, offset: number): Promise<Page> {
    await this.#latency();
    const items: Prompt[] = [];
    let index = 0;
    // Walk instead of copying the whole Map: a list request stays cheap however big the store is.
    for (const prompt of this.#items.values()) {
      if (items.length >= limit) break;
      if (index++ >= offset) items.push(prompt);
    }
    return { items, total: this.#items.size };
  }

  async get(id: number): Promise<Prompt | undefined> {
    await this.#latency();
    return this.#items.get(id);
  }

  async create(input: PromptInput): Promise<Prompt> {
    await this.#latency();
    const now = new Date().toISOString();
    const id = this.#nextId++;
    const prompt: Prompt = { id: String(id), ...input, createdAt: now, updatedAt: now };
    this.#evictIfFull();
    this.#items.set(id, prompt);
    return prompt;
  }

  async update(id: number, input: PromptInput): Promise<Prompt | undefined> {
    await this.#latency();
    const old = this.#items.get(id);
    if (!old) return undefined;
    const prompt: Prompt = { ...old, ...input, updatedAt: new Date().toISOString() };
    this.#items.set(id, prompt);
    return prompt;
  }

  async delete(id: number): Promise<boolean> {
    await this.#latency();
    return this.#items.delete(id);
  }

  #evictIfFull(): void {
    if (this.#items.size < this.#options.maxPrompts) return;
    // Keep the seeded prompts when possible: examples and tests read /prompts/1 and friends.
    for (const id of this.#items.keys()) {
      if (id > SEED.length) {
        this.#items.delete(id);
        return;
      }
    }
    const oldest = this.#items.keys().next();
    if (!oldest.done) this.#items.delete(oldest.value);
  }

  #latency(): Promise<void> {
    const [min, max] = this.#options.latencyMs;
    const ms = min + this.#options.random() * (max - min);
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}

function seedPrompts(items: Map<number, Prompt>): void {
  // A fixed clock keeps the seed data identical from run to run.
  const base = Date.parse('2024-01-15T09:00:00.000Z');
  SEED.forEach(([title, text, tags], i) => {
    const at = new Date(base + i * 3_600_000).toISOString();
    items.set(i + 1, { id: String(i + 1), title, text, tags, createdAt: at, updatedAt: at });
  });
}

const SEED: ReadonlyArray<[string, string, string[]]> = [
  [
    'Summarize a support ticket',
    'Summarize the following customer support ticket in three bullet points: the problem, what was tried, and what the customer wants next.\n\n{{ticket}}',
    ['support', 'summary'],
  ],
  [
    'Explain a stack trace',
    'You are a senior engineer. Explain what this stack trace means, the most likely cause, and the first thing to check.\n\n{{stack_trace}}',
    ['engineering', 'debugging'],
  ],
  [
    'Write a commit message',
    'Write a conventional commit message (type, scope, subject under 72 characters, then a short body) for this diff:\n\n{{diff}}',
    ['engineering', 'git'],
  ],
  [
    'Translate to French',
    'Translate the text below into natural, idiomatic French. Keep product names and code in English.\n\n{{text}}',
    ['translation', 'french'],
  ],
  [
    'Extract invoice fields',
    'Extract the vendor, invoice number, date, currency and total from this invoice as JSON with those keys. Use null for anything missing.\n\n{{invoice_text}}',
    ['extraction', 'finance', 'json'],
  ],
  [
    'Review a pull request',
    'Review this pull request like a careful colleague: correctness first, then tests, then naming. Quote the lines you comment on.\n\n{{patch}}',
    ['engineering', 'review'],
  ],
  [
    'Draft a polite follow-up email',
    'Draft a short, polite follow-up email to {{name}} about {{topic}}. We last wrote on {{date}}. Offer two times for a call.',
    ['email', 'writing'],
  ],
  [
    'Classify sentiment',
    'Classify the sentiment of each review as positive, neutral or negative. Answer with one label per line, in order.\n\n{{reviews}}',
    ['classification', 'nlp'],
  ],
  [
    'Generate SQL from a question',
    'Given this schema:\n{{schema}}\n\nWrite one PostgreSQL query that answers: {{question}}. Return only the SQL.',
    ['engineering', 'sql'],
  ],
  [
    'Meeting notes to action items',
    'Turn these meeting notes into a list of action items, each with an owner and a due date if one was mentioned.\n\n{{notes}}',
    ['productivity', 'summary'],
  ],
  [
    'Product description',
    'Write a 60-word product description for {{product}} aimed at {{audience}}. Mention {{feature}} and avoid superlatives.',
    ['marketing', 'writing'],
  ],
  [
    'Explain like I am new to the team',
    'Explain {{concept}} to a new engineer on our team in under 150 words, with one concrete example from a web backend.',
    ['onboarding', 'education'],
  ],
  [
    'Write unit tests',
    'Write unit tests with vitest for the function below. Cover the edge cases: empty input, one element, and invalid input.\n\n{{code}}',
    ['engineering', 'testing'],
  ],
  [
    'Incident postmortem outline',
    'Draft a blameless postmortem outline for this incident: summary, impact, timeline, root cause, what went well, action items.\n\n{{incident_log}}',
    ['operations', 'incident'],
  ],
  [
    'Rewrite for clarity',
    'Rewrite the paragraph below for clarity. Keep the meaning, shorten sentences, and prefer active voice.\n\n{{paragraph}}',
    ['writing', 'editing'],
  ],
  [
    'Tag a news article',
    'Suggest up to five topic tags for this article, lowercase, one or two words each, as a JSON array.\n\n{{article}}',
    ['classification', 'json'],
  ],
  [
    'Regex from examples',
    'Write a JavaScript regular expression that matches all of these strings:\n{{positives}}\nand none of these:\n{{negatives}}',
    ['engineering', 'regex'],
  ],
  [
    'Interview questions',
    'Suggest six interview questions for a {{role}} candidate: two on fundamentals, two on past work, two on collaboration.',
    ['hiring'],
  ],
  [
    'Release notes from changelog',
    'Turn this changelog into user-facing release notes grouped as New, Improved and Fixed. Skip internal refactors.\n\n{{changelog}}',
    ['writing', 'release'],
  ],
  [
    'Answer from documentation',
    'Answer the question using only the documentation excerpt. If the excerpt does not contain the answer, say so.\n\nExcerpt:\n{{excerpt}}\n\nQuestion: {{question}}',
    ['support', 'rag'],
  ],
];
