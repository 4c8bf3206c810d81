// The city's and the centres' operators: the moderation queue and the complaints, the
// coordinator's dashboard and its statistics file, a centre's own page; each accessible in
// Kazakh, Russian and English; an evaluation published with the keyboard alone; and every
// operator's page refused to a citizen. The Rust test (tests/tests/portal_browser.rs) sent two
// evaluations for moderation, one with a complaint, and passes the registry's totals.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';

import {
  FIXTURES, LANGS, axe, context, focused, launch, layout, screenshot, signInAsCitizen, signInAs,
  t, url, visit,
} from './lib.js';

const M = FIXTURES.moderation;

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** A page of a new context signed in as `account`, at `next`. */
async function signedIn(account, next, options = {}) {
  const ctx = await context(browser, options);
  const page = await ctx.newPage();
  await signInAs(page, account, next);
  return page;
}

const OPERATOR = { role: 'CITY_OPERATOR' };
const STAFF = { role: 'CENTER_STAFF', center_id: FIXTURES.centre.id };

/** The records of a CSV file (RFC 4180: quoted fields may hold commas, quotes and newlines). */
function parseCsv(text) {
  const records = [];
  let record = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { record.push(field); field = ''; } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || record.length > 0) { record.push(field); records.push(record); }
  return records;
}

test('the operators\' pages are accessible in every language', async () => {
  const operator = await signedIn(OPERATOR, '/moderation');
  for (const lang of LANGS) {
    await visit(operator, '/moderation', lang);
    assert.equal((await operator.locator('h1').innerText()).trim(), t(lang, 'moderation-title'));
    assert.equal(await operator.locator(`#evaluation-${M.by_mouse.id}`).count(), 1, 'the pending evaluation is listed');
    if (lang === 'kk') await screenshot(operator, 'moderation');
    await visit(operator, '/moderation/complaints', lang);
    assert.equal(await operator.locator(`#complaint-${M.by_mouse.complaint}`).count(), 1, 'the complaint is listed');
    await visit(operator, '/coordinator', lang);
    assert.equal((await operator.locator('h1').innerText()).trim(), t(lang, 'coord-title'));
    if (lang === 'kk') await screenshot(operator, 'coordinator');
  }
  await operator.context().close();

  const staff = await signedIn(STAFF, '/staff');
  for (const lang of LANGS) {
    await visit(staff, '/staff', lang);
    assert.ok((await staff.locator('main .lead').innerText()).includes(FIXTURES.centre.name), 'the staff\'s own centre');
  }
  await staff.context().close();
});

test('an operator publishes a pending evaluation, then takes its complaint to resolved', async () => {
  const page = await signedIn(OPERATOR, '/moderation', { locale: 'en-GB' });
  await layout(page, 'en');
  const item = page.locator(`#evaluation-${M.by_mouse.id}`);
  assert.ok((await item.innerText()).includes(M.by_mouse.comment), 'the comment is shown to decide on');
  await item.locator('button[value="publish"]').click();
  await page.waitForURL(/\/moderation\?notice=published/);
  await layout(page, 'en');
  assert.equal((await page.locator('main .notice[role="status"]').innerText()).trim(), t('en', 'moderation-notice-published'));
  assert.equal(await page.locator(`#evaluation-${M.by_mouse.id}`).count(), 0, 'it left the queue');
  await axe(page, 'the queue after publishing (en)');

  // The complaint: taken in review first, then resolved with what was done, told each mistake.
  const id = M.by_mouse.complaint;
  await page.goto(url('/moderation/complaints'));
  let card = page.locator(`#complaint-${id}`);
  assert.equal((await card.locator('dd .tag').innerText()).trim(), t('en', 'my-complaint-status-open'));
  assert.equal(await card.locator(`#status-${id}-resolved`).count(), 0, 'an open complaint is taken in review first');
  await card.locator(`#status-${id}-in_review`).check();
  await card.getByRole('button', { name: new RegExp(t('en', 'moderation-complaint-submit')) }).click();
  await page.waitForURL(/notice=updated/);
  assert.equal((await page.locator('main .notice[role="status"]').innerText()).trim(), t('en', 'moderation-notice-complaint'));
  card = page.locator(`#complaint-${id}`);
  assert.equal((await card.locator('dd .tag').innerText()).trim(), t('en', 'my-complaint-status-in-review'));

  await card.locator(`#status-${id}-resolved`).check();
  await card.getByRole('button', { name: new RegExp(t('en', 'moderation-complaint-submit')) }).click();
  await page.waitForURL(new RegExp(`/moderation/complaints/${id}$`));
  await layout(page, 'en');
  assert.ok((await page.title()).startsWith(t('en', 'error-prefix')), `the title starts with "Error:": ${await page.title()}`);
  assert.equal(await page.locator(`.error-summary a[href="#resolution-${id}"]`).count(), 1, 'the summary links to the resolution');
  const resolution = page.locator(`#resolution-${id}`);
  assert.equal(await resolution.getAttribute('aria-invalid'), 'true');
  assert.ok((await resolution.getAttribute('aria-describedby')).split(' ').includes(`resolution-${id}-error`));
  assert.ok(await page.locator(`#status-${id}-resolved`).isChecked(), 'the form keeps the status chosen');
  await axe(page, 'a complaint without its resolution (en)');

  await resolution.fill('Кезек туралы ақпарат орталықтың сайтына қойылды.');
  await page.locator(`#complaint-${id}`).getByRole('button', { name: new RegExp(t('en', 'moderation-complaint-submit')) }).click();
  await page.waitForURL(/\/moderation\/complaints\?notice=updated/);
  assert.equal((await page.locator('main .notice[role="status"]').innerText()).trim(), t('en', 'moderation-notice-complaint'));
  assert.equal(await page.locator(`#complaint-${id}`).count(), 0, 'a resolved complaint leaves the open ones');
  await axe(page, 'the complaints after resolving one (en)');

  // Published: the centre's public page shows it.
  await page.goto(url(`/centres/${FIXTURES.centre.id}`));
  assert.ok((await page.locator('main').innerText()).includes(M.by_mouse.comment), 'the comment is public');
  await page.context().close();
});

test('an operator publishes an evaluation with the keyboard alone (Tab, Enter)', async () => {
  const page = await signedIn(OPERATOR, '/moderation', { locale: 'kk-KZ' });
  const form = `/moderation/${M.by_keyboard.id}`;
  const inForm = () => page.evaluate(() => document.activeElement?.form?.getAttribute('action') ?? '');
  let reached = false;
  for (let i = 0; i < 300 && !reached; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    reached = f.tag === 'button' && f.value === 'publish' && (await inForm()) === form;
  }
  assert.ok(reached, 'Tab reached the publish button of the evaluation');
  assert.ok((await focused(page)).text.startsWith(t('kk', 'moderation-publish')));
  await Promise.all([page.waitForURL(/notice=published/), page.keyboard.press('Enter')]);
  await layout(page, 'kk');
  assert.equal((await page.locator('main .notice[role="status"]').innerText()).trim(), t('kk', 'moderation-notice-published'));
  assert.equal(await page.locator(`#evaluation-${M.by_keyboard.id}`).count(), 0, 'it left the queue');
  await page.context().close();
});

test('the coordinator downloads the statistics file, and its totals are the registry\'s', async () => {
  const page = await signedIn(OPERATOR, '/coordinator', { locale: 'en-GB' });
  const expected = [FIXTURES.statistics.persons, FIXTURES.statistics.children, FIXTURES.statistics.adults];
  // The page's own table says the same.
  const shown = (await page.locator('section[aria-labelledby="statistics"] tfoot td').allInnerTexts())
    .map((s) => Number(s.replace(/\D/g, '')));
  assert.deepEqual(shown, expected, 'the table\'s totals');

  const link = page.locator('section[aria-labelledby="statistics"] a[href^="/coordinator/statistics.csv"]');
  assert.ok((await link.innerText()).startsWith(t('en', 'coord-download-csv')));
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  assert.match(download.suggestedFilename(), /^statistics-kz-region-.*\.csv$/);
  const text = readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, '');
  const records = parseCsv(text).filter((r) => r.some((f) => f !== ''));
  assert.ok(records.length >= 2, `a header and rows: ${text}`);
  const total = records.find((r) => r[0] === 'TOTAL');
  assert.ok(total, `a totals row: ${text}`);
  assert.deepEqual(total.slice(2).map(Number), expected, 'the file\'s totals are GetStatistics\'s');
  const rows = records.slice(1).filter((r) => r[0] !== 'TOTAL');
  assert.equal(rows.reduce((sum, r) => sum + Number(r[2]), 0), FIXTURES.statistics.persons, 'the regions add up to the total');
  await page.context().close();
});

test('a citizen is refused every operator\'s page, told so in their language', async () => {
  const ctx = await context(browser);
  const page = await ctx.newPage();
  await signInAsCitizen(page, FIXTURES.rider.person.id, '/my/trips');
  const paths = [
    `/dispatch?date=${FIXTURES.trip_day}`, `/driver?date=${FIXTURES.trip_day}`, '/moderation',
    '/moderation/complaints', '/coordinator', '/coordinator/statistics.csv', '/staff',
  ];
  for (const lang of LANGS) {
    for (const path of paths) {
      await visit(page, path, lang, { status: 403 });
      assert.equal((await page.locator('h1').innerText()).trim(), t(lang, 'error-forbidden-title'), `${path} in ${lang}`);
    }
  }
  // Nor does the menu offer them.
  for (const path of ['/dispatch', '/driver', '/moderation', '/coordinator', '/staff']) {
    assert.equal(await page.locator(`nav.main-nav a[href="${path}"]`).count(), 0, `no ${path} in a citizen's menu`);
  }
  await ctx.close();
});
