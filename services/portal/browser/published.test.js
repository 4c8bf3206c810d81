// After a moderator published them (the Rust test, through the feedback API): the visitor reads
// the recipient's evaluation on the centre's page, and the recipient sees it published.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { FIXTURES, axe, context, launch, layout, signInAsCitizen, t, url } from './lib.js';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('a visitor reads the published evaluation on the centre\'s page', async () => {
  const ctx = await context(browser, { locale: 'en-GB' });
  const page = await ctx.newPage();
  // Public pages are kept for a few seconds for visitors: look again until it shows (or 30 s).
  const comment = page.locator('main ul.evaluations blockquote', { hasText: FIXTURES.recipient_comment });
  const deadline = Date.now() + 30_000;
  do {
    await page.goto(url(`/centres/${FIXTURES.centre.id}`));
    if ((await comment.count()) > 0) break;
    await page.waitForTimeout(1_000);
  } while (Date.now() < deadline);
  assert.equal(await comment.count(), 1, 'the recipient\'s comment is published on the centre\'s page');
  assert.equal(await comment.getAttribute('lang'), 'kk', 'the comment is marked with its language');
  await layout(page, 'en');
  await axe(page, 'a centre with the new evaluation (en)');
  await ctx.close();
});

test('the recipient sees their evaluation published', async () => {
  const ctx = await context(browser, { locale: 'en-GB' });
  const page = await ctx.newPage();
  await signInAsCitizen(page, FIXTURES.recipient.person.id, '/my/evaluations');
  const mine = page.locator('main .card-list li', { hasText: FIXTURES.centre.name });
  assert.equal((await mine.locator('.tag').innerText()).trim(), t('en', 'my-eval-status-published'));
  await axe(page, 'my evaluations, published (en)');
  await ctx.close();
});
