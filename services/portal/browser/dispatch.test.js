// The dispatcher's board and the driver's day: a dispatcher plans tomorrow and sees every
// vehicle's route in its table and on the map, adds a shift and puts a trip turned away on it;
// a driver sets off on their phone and the dispatcher's open board shows it without a reload;
// a driver sees their own vehicle's day only; both pages accessible in every language, the
// driver's at 320 px. The Rust test (tests/tests/portal_browser.rs) booked the day's trips.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';

import {
  FIXTURES, LANGS, axe, context, launch, layout, screenshot, scrollsSideways, signInAs, t, url,
  visit,
} from './lib.js';

const D = FIXTURES.dispatch;
const BOARD = `/dispatch?date=${D.day}`;
const DAY = `/driver?date=${D.day}`;
/** How long the planner may take, with the page's round trips. */
const PLANNING_MS = 120_000;
/** How long a change may take to reach an open page over the event stream. */
const LIVE_MS = 30_000;

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** A page of a new context signed in as the dispatcher, on the board of the day. */
async function dispatcher(options = {}) {
  const ctx = await context(browser, { locale: 'en-GB', ...options });
  const page = await ctx.newPage();
  await signInAs(page, { role: 'DISPATCHER' }, BOARD);
  return page;
}

/** A phone-sized page of a new context signed in as the driver of `vehicle`, on its day. */
async function driver(vehicle, options = {}) {
  const ctx = await context(browser, { viewport: { width: 320, height: 640 }, ...options });
  const page = await ctx.newPage();
  await signInAs(page, { role: 'DRIVER', vehicle_id: vehicle.id, sub: vehicle.driver }, DAY);
  return page;
}

/** The rows of the board's route table of `vehicle`. */
const routeRows = (page, vehicle) => page.locator(`#vehicle-${vehicle.id} table.board-route tbody tr`);

/** The booked trips whose pickup address `text` shows. */
const tripsShownIn = (text) => D.trips.filter((trip) => text.includes(trip.address));

test('a dispatcher plans tomorrow and sees every route, in its table and on the map', async () => {
  const page = await dispatcher();
  await layout(page, 'en');
  assert.equal((await page.locator('h1').innerText()).trim(), t('en', 'board-title'));
  assert.equal(await page.locator('#date').inputValue(), D.day, 'the board shows the day asked for');
  const unserved = page.locator('table.board-unserved tbody tr');
  assert.equal(await unserved.count(), D.trips.length, 'before planning, every trip waits');
  assert.ok((await page.locator('main').innerText()).includes(t('en', 'board-reason-not-eligible')),
    'the trip of a person with no right to the invataxi is told why');
  await axe(page, 'the board before planning (en)');

  // The script posts the plan, says it is planning, and shows what the plan changed.
  await page.getByRole('button', { name: t('en', 'board-plan') }).click();
  const changes = page.locator('#board-changes');
  await changes.waitFor({ timeout: PLANNING_MS });
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'board-changes',
    'the focus moves to what the plan changed');
  const scheduled = Number((await changes.locator('dd').first().innerText()).trim().match(/^\d+/)?.[0]);
  assert.ok(scheduled >= 3, `trips newly on a route: ${scheduled}`);
  await axe(page, 'what the plan changed (en)');

  // The board anew: one table and one line on the map per route, every planned trip in a table.
  await page.goto(url(BOARD));
  await layout(page, 'en');
  const tables = page.locator('.board-vehicle table.board-route');
  const routes = await tables.count();
  assert.ok(routes >= 1, 'at least one route');
  const map = page.locator('svg.route-map');
  assert.equal(await map.getAttribute('role'), 'img');
  assert.ok((await map.getAttribute('aria-label')).length > 0, 'the map is named');
  assert.equal(await map.locator('polyline.route-line').count(), routes, 'a line on the map per route');
  assert.equal(await page.locator('.board-legend a[href^="#vehicle-"]').count(), routes,
    'the legend names each route and links to its table');
  for (const caption of await tables.locator('caption').allInnerTexts()) {
    assert.ok([D.all_day.plate, D.morning.plate].some((p) => caption.includes(p)), `a route of our vehicles: ${caption}`);
  }
  assert.ok((await page.locator(`#vehicle-${D.all_day.id} caption`).innerText()).includes(D.all_day.plate),
    'the all-day vehicle has a route');
  // Every trip is in one place: a vehicle's table (its pickup row) or the trips not served.
  const inTables = (await tables.locator('tbody tr').allInnerTexts()).join('\n');
  const notServed = (await page.locator('table.board-unserved tbody tr').allInnerTexts()).join('\n');
  for (const trip of D.trips) {
    const places = [inTables, notServed].filter((text) => text.includes(trip.address)).length;
    assert.equal(places, 1, `${trip.address} is on a route or not served, once`);
  }
  assert.equal(tripsShownIn(inTables).length, scheduled, 'the trips the plan put on routes are in the tables');

  // The trips turned away, each with why.
  const turned = page.locator('table.board-unserved tbody tr', { hasText: t('en', 'board-reason-no-capacity') });
  assert.ok((await turned.count()) >= 1, 'three wheelchairs at four for one wheelchair place: some turned away');
  await axe(page, 'the board planned (en)');
  await page.context().close();
});

test('a dispatcher adds a shift to the morning vehicle and puts a trip turned away on it', async () => {
  const page = await dispatcher();
  await page.locator('#shift-vehicle').selectOption(D.morning.id);
  await page.locator('#shift-driver').fill(D.morning.driver);
  await page.locator('#shift-driver-name').fill('Ерлан');
  await page.locator('#shift-start').fill('13:00');
  await page.locator('#shift-end').fill('18:00');
  await page.getByRole('button', { name: t('en', 'board-shift-add') }).click();
  await page.waitForURL(/notice=shift-added/);
  await layout(page, 'en');
  assert.equal((await page.locator('main .notice[role="status"]').innerText()).trim(), t('en', 'board-notice-shift-added'));
  assert.ok((await page.locator(`#vehicle-${D.morning.id}`).innerText()).includes('13:00'), 'the new shift is on the board');

  // A four o'clock trip turned away for want of a vehicle, assigned from its row.
  const row = page.locator('table.board-unserved tbody tr', { hasText: t('en', 'board-reason-no-capacity') })
    .filter({ hasText: '16:00' }).first();
  const trip = tripsShownIn(await row.innerText())[0];
  assert.ok(trip, 'the turned-away trip is one booked');
  const link = row.getByRole('link', { name: new RegExp(t('en', 'board-assign-link')) });
  assert.ok((await link.getAttribute('href')).includes(`trip=${trip.id}`), 'the link names the trip');
  await link.click();
  await page.waitForURL(/[?&]trip=/);
  assert.equal(await page.locator('#assign-trip').inputValue(), trip.id, 'the assignment form has the trip chosen');
  await page.locator('#assign-vehicle').selectOption(D.morning.id);
  await page.getByRole('button', { name: t('en', 'board-assign'), exact: true }).click();
  await page.waitForURL(/notice=assigned/);
  await layout(page, 'en');
  assert.equal((await page.locator('main .notice[role="status"]').innerText()).trim(), t('en', 'board-notice-assigned'));
  const onMorning = (await routeRows(page, D.morning).allInnerTexts()).join('\n');
  assert.ok(onMorning.includes(trip.address), `${trip.address} is on ${D.morning.plate}'s route`);
  const stillUnserved = (await page.locator('table.board-unserved tbody tr').allInnerTexts()).join('\n');
  assert.ok(!stillUnserved.includes(trip.address), 'and no longer among the trips not served');
  await axe(page, 'the board after an assignment (en)');
  await page.context().close();
});

test('a driver sets off and the dispatcher\'s open board shows it without a reload', async () => {
  const board = await dispatcher();
  await board.evaluate(() => { window.boardNeverReloaded = true; });
  const phone = await driver(D.all_day);
  await layout(phone, 'kk');
  const next = phone.locator('section.driver-next');
  const address = (await next.locator('.driver-next-address').innerText()).trim();
  const [trip] = tripsShownIn(address);
  assert.ok(trip, `the next stop is a pickup of a booked trip: ${address}`);
  const row = routeRows(board, D.all_day).filter({ hasText: trip.address });
  assert.ok((await row.innerText()).includes(t('en', 'my-trip-state-scheduled')), 'planned, before the driver sets off');

  // One step at a time: the driver sets off, then the page offers the next step.
  const steps = next.locator('button.driver-step');
  assert.deepEqual(await steps.allInnerTexts(), [t('kk', 'driver-step-en-route')], 'one step at the next stop');
  await Promise.all([phone.waitForURL(/\/driver/), steps.first().click()]);
  await phone.locator('button.driver-step', { hasText: t('kk', 'driver-step-arrived') }).waitFor();
  assert.ok((await phone.locator('section.driver-next').innerText()).includes(t('kk', 'my-trip-state-driver-en-route')));

  // The board, left open, follows: the trip's row changes and the change is announced.
  await row.filter({ hasText: t('en', 'my-trip-state-driver-en-route') }).waitFor({ timeout: LIVE_MS });
  await board.waitForFunction(
    (text) => document.getElementById('board-status')?.textContent === text,
    t('en', 'board-updated'),
    { timeout: LIVE_MS },
  );
  assert.equal(await board.evaluate(() => window.boardNeverReloaded), true, 'the board was not reloaded');
  assert.equal(await board.locator('#board-status').getAttribute('aria-live'), 'polite');
  await axe(board, 'the board after a live update (en)');
  await board.context().close();
  await phone.context().close();
});

test('a driver sees their own vehicle\'s day only', async () => {
  const board = await dispatcher();
  const allDays = tripsShownIn(await routeRows(board, D.all_day).allInnerTexts().then((r) => r.join('\n')));
  const mornings = tripsShownIn(await routeRows(board, D.morning).allInnerTexts().then((r) => r.join('\n')));
  await board.context().close();
  assert.ok(allDays.length > 0 && mornings.length > 0, 'both vehicles have trips');

  for (const [vehicle, own, others] of [[D.morning, mornings, allDays], [D.all_day, allDays, mornings]]) {
    const phone = await driver(vehicle, { locale: 'en-GB' });
    const text = await phone.locator('main').innerText();
    assert.ok(own.some((trip) => text.includes(trip.address)), `${vehicle.plate}'s driver sees its stops`);
    for (const trip of others) {
      assert.ok(!text.includes(trip.address), `${vehicle.plate}'s driver does not see ${trip.address} of another vehicle`);
    }
    await phone.context().close();
  }

  // A driver with no shift that day sees no stop at all.
  const phone = await driver({ id: randomUUID(), driver: 'driver-without-a-shift' }, { locale: 'en-GB' });
  const text = await phone.locator('main').innerText();
  assert.ok(text.includes(t('en', 'driver-no-shift')), 'told there is no shift');
  assert.equal(tripsShownIn(text).length, 0, 'no trip of the day shown');
  assert.equal(await phone.locator('button.driver-step').count(), 0, 'no step offered');
  await phone.context().close();
});

test('the board and the driver\'s day are accessible in every language; the day fits 320 px', async () => {
  const board = await dispatcher();
  for (const lang of LANGS) {
    await visit(board, BOARD, lang);
    if (lang === 'kk') await screenshot(board, 'dispatch-board');
  }
  await board.context().close();

  const phone = await driver(D.all_day);
  for (const lang of LANGS) {
    await visit(phone, DAY, lang);
    assert.equal(await scrollsSideways(phone), false, `the driver's day fits 320 px in ${lang}`);
    if (lang === 'kk') await screenshot(phone, 'driver-day');
  }
  await phone.context().close();
});
