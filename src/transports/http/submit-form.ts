import { type HTMLElement, parse } from 'node-html-parser';
import type {
  FormValue,
  HttpApi,
  HttpResponse,
  RequestOptions,
  SubmitFormOptions,
} from '../../script-api/vu-context.js';

/**
 * k6's submitForm: the form of an HTML response, filled in as a browser would submit it (its
 * successful controls: named, not disabled; checkboxes and radios only when checked; a select's
 * selected options, else its first), with `fields` overriding, sent to its action. Loaded lazily
 * (client.ts): the HTML parser costs start-up time no other test should pay.
 */

/** Inputs a browser does not submit as a field (buttons are sent only as the submitter). */
const NOT_FIELDS = new Set(['submit', 'image', 'button', 'reset', 'file']);

export async function submitForm(
  http: HttpApi,
  res: HttpResponse,
  o: SubmitFormOptions,
): Promise<HttpResponse> {
  const { selector = 'form', fields, submitSelector, ...rest } = o;
  const where = `submitForm on the response of ${res.url} (status ${res.status})`;
  // Unclosed tags (<option>one<option>two) are closed where a browser would, not dropped.
  const root = parse(res.text, { parseNoneClosedTags: true });
  let form: HTMLElement | null;
  try {
    form = root.querySelector(selector);
  } catch (e) {
    throw new Error(`submitForm: the selector '${selector}' is not valid CSS: ${(e as Error).message}`);
  }
  if (form === null) throw new Error(`${where}: no element matches '${selector}'`);
  if (form.tagName !== 'FORM') {
    throw new Error(`${where}: '${selector}' matches a <${form.tagName.toLowerCase()}>, not a <form>`);
  }

  const values: Array<[string, string]> = [];
  for (const el of form.querySelectorAll('input, select, textarea')) {
    const name = el.getAttribute('name');
    if (name === undefined || name === '' || el.hasAttribute('disabled')) continue;
    switch (el.tagName) {
      case 'INPUT': {
        const type = (el.getAttribute('type') ?? 'text').toLowerCase();
        if (NOT_FIELDS.has(type)) break;
        if ((type === 'checkbox' || type === 'radio') && !el.hasAttribute('checked')) break;
        values.push([
          name,
          el.getAttribute('value') ?? (type === 'checkbox' || type === 'radio' ? 'on' : ''),
        ]);
        break;
      }
      case 'TEXTAREA':
        values.push([name, el.text]);
        break;
      case 'SELECT': {
        const options = el.querySelectorAll('option');
        const selected = options.filter((opt) => opt.hasAttribute('selected'));
        const chosen = selected.length > 0 ? selected : options.slice(0, 1);
        for (const opt of el.hasAttribute('multiple') ? selected : chosen.slice(-1)) {
          values.push([name, opt.getAttribute('value') ?? ownText(opt).trim()]);
        }
        break;
      }
    }
  }
  // The submitter: the named button the user would press, sent with its value.
  const button = form.querySelector(submitSelector ?? '[type="submit"]');
  if (submitSelector !== undefined && button === null) {
    throw new Error(`${where}: no element of the form matches submitSelector '${submitSelector}'`);
  }
  const buttonName = button?.getAttribute('name');
  if (button && buttonName) values.push([buttonName, button.getAttribute('value') ?? '']);

  // `fields` replace every value of their name, in place of the first, or come last.
  const body: Record<string, FormValue | FormValue[]> = {};
  for (const [k, v] of values) {
    if (fields !== undefined && Object.hasOwn(fields, k)) continue;
    const had = body[k];
    body[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
  }
  if (fields !== undefined) for (const [k, v] of Object.entries(fields)) body[k] = v;

  const action = form.getAttribute('action');
  const url = new URL(action === undefined || action === '' ? res.url : action, res.url);
  url.hash = '';
  const method = (form.getAttribute('method') ?? 'get').toUpperCase();
  const options: RequestOptions = { ...rest };
  if (method === 'POST') {
    const multipart = (form.getAttribute('enctype') ?? '').toLowerCase() === 'multipart/form-data';
    if (multipart) options.multipart = body;
    else options.form = body;
    return http.request('POST', url.href, options);
  }
  if (method !== 'GET')
    throw new Error(`${where}: the form's method is ${method}; a form submits GET or POST`);
  // A GET form replaces the action's query with its fields, as browsers do.
  url.search = '';
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(body))
    for (const item of Array.isArray(v) ? v : [v]) q.append(k, String(item));
  url.search = q.toString();
  return http.request('GET', url.href, options);
}

/** An element's own text, without its children's (an unclosed <option> holds the next one). */
function ownText(el: HTMLElement): string {
  let s = '';
  for (const n of el.childNodes) if (n.nodeType === 3) s += n.text;
  return s;
}
