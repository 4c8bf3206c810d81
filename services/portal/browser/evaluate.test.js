// A recipient signs in through the development sign-in, finds the service they received,
// makes mistakes in the evaluation form and is told each beside its field, sends it and sees it
// waiting for moderation; a parent evaluates their child's service by keyboard alone. The Rust
// test publishes the evaluations afterwards (published.test.js).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  FIXTURES, LANGS, axe, context, focused, launch, layout, screenshot, scrollsSideways,
  signInAsCitizen, t, url, visit,
} from './lib.js';

const CRITERIA = ['results', 'activities', 'accessibility', 'information', 'comfort', 'waiting', 'staff_courtesy'];

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('a page of one\'s own asks a visitor to sign in first', async () => {
  const ctx = await context(browser, { locale: 'en-GB' });
  const page = await ctx.newPage();
  await visit(page, '/my/services', 'en', { status: 401 });
  assert.equal((await page.locator('h1').innerText()).trim(), t('en', 'error-sign-in-title'));
  const signIn = page.locator('main a.button[href^="/sign-in?next="]');
  assert.equal(await signIn.getAttribute('href'), '/sign-in?next=/my/services');
  await ctx.close();
});

test('a recipient evaluates a service received, is told each mistake, and sees it waiting for moderation', async () => {
  const ctx = await context(browser, { locale: 'en-GB' });
  const page = await ctx.newPage();
  await signInAsCitizen(page, FIXTURES.recipient.person.id, '/my/services');
  await layout(page, 'en');
  await axe(page, 'my services (en)');
  await screenshot(page, 'my-services');
  const service = page.locator('main .card-list li', { hasText: FIXTURES.centre.name });
  await service.getByRole('link', { name: new RegExp(t('en', 'my-services-evaluate')) }).click();
  await page.waitForURL(url(`/my/evaluate/${FIXTURES.recipient.episode}`));
  await layout(page, 'en');
  await axe(page, 'the evaluation form (en)');

  // Nothing scored and the days waited not a number: each told beside its field.
  await page.locator('#days_waited').fill('thirty');
  await page.getByRole('button', { name: t('en', 'my-evaluate-submit') }).click();
  await page.waitForLoadState();
  await layout(page, 'en');
  assert.ok((await page.title()).startsWith(t('en', 'error-prefix')), `the title starts with "Error:": ${await page.title()}`);
  const summary = page.locator('.error-summary');
  assert.equal(await summary.getAttribute('role'), 'alert');
  assert.equal(await summary.locator('a[href="#days_waited"]').count(), 1, 'the summary links to the days waited');
  const days = page.locator('#days_waited');
  assert.equal(await days.getAttribute('aria-invalid'), 'true');
  assert.ok((await days.getAttribute('aria-describedby')).split(' ').includes('days_waited-error'));
  assert.ok((await page.locator('#days_waited-error').innerText()).includes(t('en', 'my-eval-error-days-number')));
  assert.equal(await days.inputValue(), 'thirty', 'the form keeps what was typed');
  const results = page.locator('fieldset#results');
  assert.ok((await results.getAttribute('aria-describedby') ?? '').includes('results-error'), 'the scores are told too');
  await axe(page, 'the evaluation form with errors (en)');
  await screenshot(page, 'evaluate-errors');

  // Now right: every part scored 4, and a comment.
  for (const c of CRITERIA) await page.locator(`input[name="${c}"][value="4"]`).check();
  await page.locator('input[name="would_recommend"][value="8"]').check();
  await days.fill('30');
  await page.locator('#comment').fill(FIXTURES.recipient_comment);
  await page.getByRole('button', { name: t('en', 'my-evaluate-submit') }).click();
  await page.waitForURL(/\/my\/evaluations(\?|$)/);
  await layout(page, 'en');
  const mine = page.locator('main .card-list li', { hasText: FIXTURES.centre.name });
  assert.equal(await mine.count(), 1, 'the evaluation is listed');
  assert.equal((await mine.locator('.tag').innerText()).trim(), t('en', 'my-eval-status-pending-moderation'));
  await axe(page, 'my evaluations (en)');
  await screenshot(page, 'my-evaluations');

  // The service no longer offers a second evaluation.
  await page.goto(url('/my/services'));
  const done = page.locator('main .card-list li', { hasText: FIXTURES.centre.name });
  assert.ok((await done.innerText()).includes(t('en', 'my-services-evaluated')));
  await ctx.close();
});

test('the citizen\'s pages are accessible in every language and fit 320 px', async () => {
  const ctx = await context(browser, { viewport: { width: 320, height: 640 } });
  const page = await ctx.newPage();
  await signInAsCitizen(page, FIXTURES.parent.person.id, '/my/services');
  for (const lang of LANGS) {
    for (const path of ['/my/services', `/my/evaluate/${FIXTURES.parent.episode}`, '/my/evaluations', '/my/complaints']) {
      await visit(page, path, lang);
      assert.equal(await scrollsSideways(page), false, `${path} fits 320 px in ${lang}`);
    }
  }
  await ctx.close();
});

test('a parent evaluates their child\'s service with the keyboard alone (Tab, Space, Enter)', async () => {
  const ctx = await context(browser, { locale: 'kk-KZ' });
  const page = await ctx.newPage();
  await signInAsCitizen(page, FIXTURES.parent.person.id, '/my/services');
  await page.goto(url(`/my/evaluate/${FIXTURES.parent.episode}`));
  const start = page.url();
  const chosen = new Set();
  let sent = false;
  for (let i = 0; i < 300 && !sent; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    if (f.type === 'radio' && !chosen.has(f.name)) {
      // Tab enters a radio group on its first choice; Space chooses it.
      await page.keyboard.press('Space');
      assert.ok(await page.evaluate(() => document.activeElement.checked), `Space chose ${f.name}`);
      chosen.add(f.name);
    } else if (f.tag === 'button' && f.type === 'submit' && f.text === t('kk', 'my-evaluate-submit')) {
      await page.keyboard.press('Enter');
      sent = true;
    }
  }
  assert.ok(sent, 'Tab reached the send button');
  for (const c of CRITERIA) assert.ok(chosen.has(c), `the keyboard reached ${c}`);
  await page.waitForURL((u) => u.toString() !== start);
  assert.equal(new URL(page.url()).pathname, '/my/evaluations', 'sent');
  const row = page.locator('main .card-list li', { hasText: FIXTURES.centre.name });
  assert.equal((await row.locator('.tag').innerText()).trim(), t('kk', 'my-eval-status-pending-moderation'));
  await ctx.close();
});
