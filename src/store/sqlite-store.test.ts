import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { describeStoreConformance } from '../../test/helpers/store-conformance.js';
import { openStore } from './open.js';

const dir = mkdtempSync(join(tmpdir(), 'squall-sqlite-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeStoreConformance('SQLite', () => openStore(join(dir, `s${++n}`, 'history.db'), dir));
