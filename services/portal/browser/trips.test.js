// A wheelchair user books an invataxi trip from home to a centre, is told each mistake beside
// its field first, sees the trip, and cancels it after being asked to confirm.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  FIXTURES, LANGS, axe, context, launch, layout, screenshot, scrollsSideways, signInAsCitizen,
  t, url, visit,
} from './lib.js';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** `day` (YYYY-MM-DD) plus `days`. */
function plusDays(day, days) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

test('a citizen books an invataxi trip, told each mistake first, then cancels it', async () => {
  const ctx = await context(browser, { locale: 'en-GB' });
  const page = await ctx.newPage();
  await signInAsCitizen(page, FIXTURES.rider.person.id, '/my/trips');
  await layout(page, 'en');
  await axe(page, 'my trips, none yet (en)');
  await page.getByRole('link', { name: t('en', 'my-trips-book') }).click();
  await page.waitForURL(url('/my/trips/new'));
  await layout(page, 'en');
  await axe(page, 'the booking form (en)');

  // A day beyond the booking window and a time outside the service hours.
  await page.locator('input[name="direction"][value="to_centre"]').check();
  await page.locator('#centre').selectOption(FIXTURES.centre.id);
  await page.locator('input[name="time_kind"][value="arrival"]').check();
  await page.locator('#date').fill(plusDays(FIXTURES.trip_day, 30));
  await page.locator('#time').fill('20:00');
  await page.getByRole('button', { name: t('en', 'my-trip-new-submit') }).click();
  await page.waitForLoadState();
  await layout(page, 'en');
  assert.ok((await page.title()).startsWith(t('en', 'error-prefix')), `the title starts with "Error:": ${await page.title()}`);
  for (const [field, key] of [['date', 'my-trip-error-date-window'], ['time', 'my-trip-error-time-hours']]) {
    assert.equal(await page.locator(`.error-summary a[href="#${field}"]`).count(), 1, `the summary links to ${field}`);
    const input = page.locator(`#${field}`);
    assert.equal(await input.getAttribute('aria-invalid'), 'true', `${field} is marked invalid`);
    assert.ok((await input.getAttribute('aria-describedby')).split(' ').includes(`${field}-error`));
    assert.ok((await page.locator(`#${field}-error`).innerText()).includes(t('en', key)), `${field}: ${t('en', key)}`);
  }
  assert.equal(await page.locator('#centre').inputValue(), FIXTURES.centre.id, 'the form keeps the centre chosen');
  assert.equal(await page.locator('#time').inputValue(), '20:00', 'the form keeps the time typed');
  await axe(page, 'the booking form with errors (en)');

  // Right: tomorrow, to arrive at 10:00.
  await page.locator('#date').fill(FIXTURES.trip_day);
  await page.locator('#time').fill('10:00');
  await page.getByRole('button', { name: t('en', 'my-trip-new-submit') }).click();
  await page.waitForURL(/\/my\/trips\?notice=/);
  await layout(page, 'en');
  assert.ok(page.url().endsWith('notice=requested'), `the trip is requested, not refused: ${page.url()}`);
  assert.ok((await page.locator('main .notice[role="status"]').count()) === 1, 'a notice says so');
  const trip = page.locator('main .card-list li').first();
  assert.equal(await page.locator('main .card-list li').count(), 1, 'the trip is listed');
  assert.equal((await trip.locator('.tag').innerText()).trim(), t('en', 'my-trip-state-requested'));
  await axe(page, 'my trips, one booked (en)');
  await screenshot(page, 'my-trips');

  // Cancelling asks first.
  await trip.getByRole('button', { name: new RegExp(t('en', 'my-trips-cancel')) }).click();
  await page.waitForLoadState();
  await layout(page, 'en');
  await axe(page, 'cancel a trip? (en)');
  await page.getByRole('button', { name: t('en', 'my-trip-cancel-yes') }).click();
  await page.waitForURL(/\/my\/trips\?notice=/);
  const cancelled = page.locator('main .card-list li').first();
  assert.equal((await cancelled.locator('.tag').innerText()).trim(), t('en', 'my-trip-state-cancelled'));
  assert.equal(await cancelled.getByRole('button', { name: new RegExp(t('en', 'my-trips-cancel')) }).count(), 0,
    'a cancelled trip cannot be cancelled again');
  await ctx.close();
});

test('the trip pages are accessible in every language and fit 320 px', async () => {
  const ctx = await context(browser, { viewport: { width: 320, height: 640 } });
  const page = await ctx.newPage();
  await signInAsCitizen(page, FIXTURES.rider.person.id, '/my/trips');
  for (const lang of LANGS) {
    for (const path of ['/my/trips', '/my/trips/new']) {
      await visit(page, path, lang);
      assert.equal(await scrollsSideways(page), false, `${path} fits 320 px in ${lang}`);
    }
  }
  await ctx.close();
});
