// What every browser test shares: Debian's Chromium driven by playwright-core, the portal's
// address and the fixtures the Rust test made (tests/tests/portal_browser.rs), the catalogues'
// texts to compare pages with, axe-core, and screenshots for the README.

import assert from 'node:assert/strict';
import { readFileSync, readdirSync, mkdirSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const portalDir = join(here, '..');
const repoRoot = join(portalDir, '..', '..');

export const LANGS = ['kk', 'ru', 'en'];

/** The portal's address, without a trailing slash. */
export const BASE = (process.env.PORTAL_URL ?? '').replace(/\/$/, '');
if (!BASE) throw new Error('PORTAL_URL is not set: these tests are run by tests/tests/portal_browser.rs');

/** The fixtures the Rust test made: centres, persons, episodes, a vehicle. */
export const FIXTURES = (() => {
  const path = process.env.PORTAL_FIXTURES;
  if (!path) throw new Error('PORTAL_FIXTURES is not set: these tests are run by tests/tests/portal_browser.rs');
  return JSON.parse(readFileSync(path, 'utf8'));
})();

export const url = (path) => `${BASE}${path}`;

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

// Without the background-networking flags Chromium keeps calling Google's hosts, which this
// closed network refuses. Playwright gives every launch a new, empty profile (--user-data-dir)
// and adds --headless itself.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A fresh headless Chromium. */
export async function launch() {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: run \`make test\` (scripts/stack.sh browser installs it)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/**
 * A new browser context (its own cookies), Kazakh by default as the city's browsers would ask.
 * axe-core is injected as a script tag, which the portal's CSP (script-src 'self') would block:
 * these contexts bypass the CSP, and `cspViolations` checks the CSP separately.
 */
export async function context(browser, options = {}) {
  return browser.newContext({ locale: 'kk-KZ', bypassCSP: true, ...options });
}

// ---- the catalogues ---------------------------------------------------------------------

/** The one-line messages of the portal's Fluent catalogues of `lang`: key -> text. */
export function catalogue(lang) {
  const dir = join(portalDir, 'locales', lang);
  const messages = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ftl'))) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      const m = /^([a-z][a-z0-9-]*)\s*=\s*(.+)$/.exec(line);
      if (m && !m[2].includes('{')) messages[m[1]] = m[2].trim();
    }
  }
  return messages;
}

export const TEXT = Object.fromEntries(LANGS.map((l) => [l, catalogue(l)]));

/** A message of `lang` that exists in the catalogue, or a failure naming it. */
export function t(lang, key) {
  const text = TEXT[lang][key];
  assert.ok(text, `the ${lang} catalogue has no one-line message ${key}`);
  return text;
}

// ---- page checks ------------------------------------------------------------------------

const AXE = require.resolve('axe-core/axe.min.js');

/**
 * axe-core on the page as it is now, against WCAG 2.0/2.1 A and AA. Fails on a serious or
 * critical violation, printing every violation with the elements it found.
 */
export async function axe(page, label) {
  const hasAxe = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!hasAxe) await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() =>
    window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    }),
  );
  const describe = (v) =>
    `  [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n` +
    v.nodes
      .slice(0, 5)
      .map((n) => `      ${n.target.join(' ')}\n        ${n.failureSummary?.replace(/\n/g, '\n        ')}`)
      .join('\n');
  if (result.violations.length > 0) {
    console.log(`axe on ${label} (${page.url()}):\n${result.violations.map(describe).join('\n')}`);
  }
  const blocking = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.equal(
    blocking.length,
    0,
    `serious or critical accessibility violations on ${label} (${page.url()}):\n${blocking.map(describe).join('\n')}`,
  );
}

/** The page's structure every page keeps: its language, one h1, the landmarks, a title. */
export async function layout(page, lang) {
  assert.equal(await page.getAttribute('html', 'lang'), lang, `<html lang> of ${page.url()}`);
  assert.equal(await page.locator('h1').count(), 1, `one h1 on ${page.url()}`);
  for (const landmark of ['header', 'main#main', 'footer']) {
    assert.equal(await page.locator(landmark).count(), 1, `${landmark} on ${page.url()}`);
  }
  const h1 = (await page.locator('h1').innerText()).trim();
  assert.ok((await page.title()).includes(h1), `the title of ${page.url()} names its h1 "${h1}"`);
}

/**
 * Whether the page is wider than its viewport (a horizontal scroll bar), as `false` or the
 * description of the widest elements that stick out (not those inside a scrolling region).
 */
export async function scrollsSideways(page) {
  return page.evaluate(() => {
    const width = window.innerWidth;
    if (document.documentElement.scrollWidth <= width) return false;
    const culprits = [];
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.right <= width + 0.5 || el.closest('.table-scroll')) continue;
      const tag = el.tagName.toLowerCase() + (el.id ? `#${el.id}` : '') +
        (el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : '');
      culprits.push(`${tag} (right edge ${Math.round(r.right)} px)`);
    }
    return `the page is ${document.documentElement.scrollWidth} px wide in ${width} px: ${culprits.slice(0, 8).join(', ')}`;
  });
}

/** `path` in `lang`, checked: answered `status`, laid out, and axe-clean. */
export async function visit(page, path, lang, { status = 200, label = path } = {}) {
  const sep = path.includes('?') ? '&' : '?';
  const response = await page.goto(url(`${path}${sep}lang=${lang}`));
  assert.equal(response.status(), status, `GET ${path} in ${lang}`);
  await layout(page, lang);
  await axe(page, `${label} (${lang})`);
  return response;
}

/**
 * The Content-Security-Policy violations `pages` cause in a context that enforces it (no
 * bypass): a page that needs inline script or style, or another origin, is refused by it.
 */
export async function cspViolations(browser, paths) {
  const ctx = await browser.newContext({ locale: 'kk-KZ' });
  const page = await ctx.newPage();
  const violations = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) {
      violations.push(`${page.url()}: ${msg.text()}`);
    }
  });
  for (const path of paths) await page.goto(url(path));
  await ctx.close();
  return violations;
}

// ---- screenshots ------------------------------------------------------------------------

const SHOTS = process.env.PORTAL_SCREENSHOTS === '1';

/** With PORTAL_SCREENSHOTS=1, the whole page as docs/screenshots/<name>.png. */
export async function screenshot(page, name) {
  if (!SHOTS) return;
  const dir = join(repoRoot, 'docs', 'screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

// ---- keyboard ---------------------------------------------------------------------------

/** What has the keyboard focus: its tag, id, name, type, value and text. */
export async function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    return {
      tag: el?.tagName.toLowerCase(),
      id: el?.id ?? '',
      name: el?.getAttribute('name') ?? '',
      type: el?.getAttribute('type') ?? '',
      value: el?.value ?? '',
      text: (el?.innerText ?? '').trim(),
      href: el?.getAttribute('href') ?? '',
    };
  });
}

/** Presses Tab until `matches(focused)` holds (at most `limit` times); fails otherwise. */
export async function tabTo(page, matches, what, limit = 200) {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    if (matches(f)) return f;
  }
  assert.fail(`Tab never reached ${what} on ${page.url()}`);
}

// ---- signing in -------------------------------------------------------------------------

/**
 * Signs in through the development sign-in as the citizen who is `personId`: the demo account
 * listed for that person when there is one, else the form a tester fills in.
 */
export async function signInAsCitizen(page, personId, next = '/my/services') {
  await page.goto(url(`/sign-in?next=${encodeURIComponent(next)}`));
  const listed = page.locator(`form[action="/sign-in/dev"]:has(input[name="person_id"][value="${personId}"])`);
  if ((await listed.count()) > 0) {
    await listed.first().locator('button[type="submit"], input[type="submit"]').first().click();
  } else {
    const form = page.locator('form[action="/sign-in/dev"]:has(input[name="person_id"]:not([type="hidden"]))');
    assert.ok((await form.count()) > 0, `the development sign-in (${page.url()}) offers no form for a person`);
    const role = form.locator('[name="role"]');
    if ((await role.evaluate((el) => el.tagName.toLowerCase())) === 'select') {
      await role.selectOption('CITIZEN');
    } else if ((await role.getAttribute('type')) === 'radio') {
      await form.locator('[name="role"][value="CITIZEN"]').check();
    } else {
      await role.fill('CITIZEN');
    }
    await form.locator('[name="person_id"]').fill(personId);
    await form.locator('button[type="submit"], input[type="submit"]').first().click();
  }
  await page.waitForLoadState();
  assert.equal(new URL(page.url()).pathname, new URL(url(next)).pathname, 'signed in, back at the page asked for');
}

/**
 * Signs in through the development sign-in's form for any other account: `role` (its value,
 * e.g. DISPATCHER) and whichever of `person_id`, `center_id`, `vehicle_id` and `sub` the role
 * needs (a driver's `sub` is the account their shifts name). Lands on `next`.
 */
export async function signInAs(page, { role, person_id = '', center_id = '', vehicle_id = '', sub = '' }, next = '/') {
  await page.goto(url(`/sign-in?next=${encodeURIComponent(next)}`));
  const form = page.locator('form[action="/sign-in/dev"]:has(select[name="role"])');
  assert.equal(await form.count(), 1, `the development sign-in (${page.url()}) offers a form for any account`);
  await form.locator('[name="role"]').selectOption(role);
  for (const [name, value] of Object.entries({ person_id, center_id, vehicle_id, sub })) {
    await form.locator(`[name="${name}"]`).fill(value);
  }
  const wanted = new URL(url(next)).pathname;
  await Promise.all([
    page.waitForURL((u) => new URL(u).pathname === wanted),
    form.locator('button[type="submit"]').click(),
  ]);
  await page.waitForLoadState();
}
