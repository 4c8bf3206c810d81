// The public pages as a visitor meets them, in Kazakh, Russian and English: the centres list
// and its search, errors, the language switch, the skip link, a 320 px wide screen, the content
// security policy, and axe-core on each.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  FIXTURES, LANGS, axe, context, cspViolations, focused, launch, layout, screenshot,
  scrollsSideways, t, url, visit,
} from './lib.js';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** A page of a new context (no cookies), `options` given to the context. */
async function freshPage(options = {}) {
  const ctx = await context(browser, options);
  return ctx.newPage();
}

describe('the centres list', () => {
  for (const lang of LANGS) {
    test(`names the centres in ${lang}, accessible`, async () => {
      const page = await freshPage();
      await visit(page, '/centres', lang);
      assert.equal((await page.locator('h1').innerText()).trim(), t(lang, 'centres-title'));
      const link = page.locator('main a', { hasText: FIXTURES.centre.name });
      assert.equal(await link.count(), 1, `the centre "${FIXTURES.centre.name}" is listed`);
      assert.equal(await link.getAttribute('href'), `/centres/${FIXTURES.centre.id}`);
      if (lang === 'kk') await screenshot(page, 'centres');
      await page.context().close();
    });
  }

  test('finds a centre by a part of its name, and says when nothing matches', async () => {
    const page = await freshPage();
    await page.goto(url('/centres'));
    await page.getByLabel(t('kk', 'centres-search')).fill(FIXTURES.centre.search);
    await page.keyboard.press('Enter');
    await page.waitForURL(/[?&]q=/);
    await layout(page, 'kk');
    const found = page.locator('main .card-list li h2 a');
    assert.equal(await found.count(), 1, 'one centre matches');
    assert.equal((await found.first().innerText()).trim(), FIXTURES.centre.name);
    assert.equal(await page.getByLabel(t('kk', 'centres-search')).inputValue(), FIXTURES.centre.search,
      'the search keeps what was typed');
    await axe(page, 'the centres found (kk)');

    await page.getByLabel(t('kk', 'centres-search')).fill('Zqxjv');
    await page.keyboard.press('Enter');
    await page.waitForURL(/[?&]q=Zqxjv/);
    assert.equal(await page.locator('main .card-list li').count(), 0, 'no centre matches');
    await axe(page, 'no centre found (kk)');
    await page.context().close();
  });

  for (const lang of LANGS) {
    test(`does not scroll sideways 320 px wide in ${lang}`, async () => {
      const page = await freshPage({ viewport: { width: 320, height: 640 } });
      await visit(page, '/centres', lang);
      assert.equal(await scrollsSideways(page), false, 'the centres list fits 320 px');
      await visit(page, '/no-such-page', lang, { status: 404 });
      assert.equal(await scrollsSideways(page), false, 'the error page fits 320 px');
      await page.context().close();
    });
  }
});

describe('errors', () => {
  for (const lang of LANGS) {
    test(`an unknown address is a page of its own in ${lang}, not stored by caches`, async () => {
      const page = await freshPage();
      const response = await visit(page, '/no-such-page', lang, { status: 404 });
      assert.equal((await page.locator('h1').innerText()).trim(), t(lang, 'error-not-found-title'));
      assert.ok((await page.locator('main').innerText()).includes(t(lang, 'error-not-found')));
      assert.equal(await page.locator('main a[href="/"]').count(), 1, 'a way back to the start');
      assert.equal(response.headers()['cache-control'], 'no-store');
      await page.context().close();
    });
  }
});

describe('the language switch', () => {
  test('changes <html lang> and the texts, and is remembered by cookie', async () => {
    const page = await freshPage();
    await page.goto(url('/centres'));
    assert.equal(await page.getAttribute('html', 'lang'), 'kk', 'Kazakh for a Kazakh browser');
    for (const lang of ['ru', 'en', 'kk']) {
      await page.locator(`nav.lang-switch a[hreflang="${lang}"]`).click();
      await page.waitForURL(new RegExp(`[?&]lang=${lang}`));
      assert.equal(await page.getAttribute('html', 'lang'), lang, `switched to ${lang}`);
      assert.equal((await page.locator('h1').innerText()).trim(), t(lang, 'centres-title'));
      assert.equal(await page.locator(`nav.lang-switch a[hreflang="${lang}"]`).getAttribute('aria-current'), 'true');
      const cookie = (await page.context().cookies()).find((c) => c.name === 'onaltu_lang');
      assert.equal(cookie?.value, lang, 'the choice is kept in a cookie');
      // Remembered: the next pages, asked for without ?lang, are in the chosen language.
      await page.goto(url('/centres'));
      assert.equal(await page.getAttribute('html', 'lang'), lang, `/centres remembered ${lang}`);
      await page.goto(url('/no-such-page'));
      assert.equal(await page.getAttribute('html', 'lang'), lang, `an error page remembered ${lang}`);
      await page.goto(url('/centres'));
    }
    await page.context().close();
  });

  test('a browser asking for Russian or English gets it until the visitor chooses', async () => {
    for (const [locale, lang] of [['ru-RU', 'ru'], ['en-GB', 'en']]) {
      const page = await freshPage({ locale });
      await page.goto(url('/centres'));
      assert.equal(await page.getAttribute('html', 'lang'), lang, `${locale} gets ${lang}`);
      await page.locator('nav.lang-switch a[hreflang="kk"]').click();
      await page.waitForURL(/[?&]lang=kk/);
      await page.goto(url('/centres'));
      assert.equal(await page.getAttribute('html', 'lang'), 'kk', 'the choice wins over the browser');
      await page.context().close();
    }
  });
});

describe('the keyboard', () => {
  for (const lang of LANGS) {
    test(`the skip link is the first stop and moves the focus to the content, in ${lang}`, async () => {
      const page = await freshPage();
      await page.goto(url(`/centres?lang=${lang}`));
      await page.keyboard.press('Tab');
      let f = await focused(page);
      assert.equal(f.href, '#main', 'the first Tab reaches the skip link');
      assert.equal(f.text, t(lang, 'skip-to-content'));
      assert.ok(await page.locator('.skip-link').isVisible(), 'the skip link shows while focused');
      await page.keyboard.press('Enter');
      f = await focused(page);
      assert.equal(f.id, 'main', 'Enter moves the focus to <main>');
      // The next Tab goes on inside the content, not back to the header.
      await page.keyboard.press('Tab');
      const inMain = await page.evaluate(() => document.getElementById('main').contains(document.activeElement));
      assert.ok(inMain, 'the next Tab stays in the content');
      await page.context().close();
    });
  }
});

test('the pages keep to the content security policy', async () => {
  const violations = await cspViolations(browser, ['/centres', '/centres?lang=ru', '/no-such-page']);
  assert.deepEqual(violations, []);
});

describe('a centre and its rating', () => {
  test('a visitor finds a centre and reads its rating, explained', async () => {
    const page = await freshPage({ locale: 'en-GB' });
    await page.goto(url('/centres'));
    await page.getByLabel(t('en', 'centres-search')).fill(FIXTURES.centre.search);
    await page.getByRole('button', { name: t('en', 'centres-filter') }).click();
    await page.waitForURL(/[?&]q=/);
    // The list already tells the stars in words beside the symbols, which screen readers skip.
    const card = page.locator('main .card-list li', { hasText: FIXTURES.centre.name });
    assert.match((await card.locator('.stars-text').innerText()).trim(), /^[0-5] of 5 stars$/);
    assert.equal(await card.locator('.stars').getAttribute('aria-hidden'), 'true');
    await card.getByRole('link', { name: FIXTURES.centre.name }).click();
    await page.waitForURL(url(`/centres/${FIXTURES.centre.id}`));
    await layout(page, 'en');
    assert.equal((await page.locator('h1').innerText()).trim(), FIXTURES.centre.name);

    const rating = page.locator('main .rating-line').first();
    const words = (await rating.locator('.stars-text').innerText()).trim();
    const stars = Number(/^([0-5]) of 5 stars$/.exec(words)?.[1]);
    assert.ok(stars >= 1, `the stars in words: "${words}"`);
    const symbols = await rating.locator('.stars').innerText();
    assert.equal([...symbols].filter((c) => c === '★').length, stars, 'the symbols show as many stars as the words');
    assert.equal(await rating.locator('.stars').getAttribute('aria-hidden'), 'true');
    assert.ok((await page.locator('main ol.explanation li').count()) > 0, 'the rating is explained line by line');
    assert.ok((await page.locator('main table caption').count()) > 0, 'each table is captioned');
    const comments = page.locator('main ul.evaluations blockquote', { hasText: FIXTURES.published_comment });
    assert.ok((await comments.count()) > 0, 'the published evaluations are shown');
    await axe(page, 'a centre (en)');
    await screenshot(page, 'centre');
    await page.context().close();
  });

  for (const lang of LANGS) {
    test(`the centre's page and the methodology in ${lang}, accessible and 320 px wide`, async () => {
      const page = await freshPage({ viewport: { width: 320, height: 640 } });
      await visit(page, `/centres/${FIXTURES.centre.id}`, lang, { label: 'a rated centre' });
      assert.equal(await scrollsSideways(page), false, 'the centre fits 320 px (wide tables scroll inside)');
      await visit(page, `/centres/${FIXTURES.other_centre.id}`, lang, { label: 'a centre not rated yet' });
      await visit(page, '/methodology', lang);
      assert.equal(await scrollsSideways(page), false, 'the methodology fits 320 px');
      await page.context().close();
    });
  }

  test('an unknown centre is not found', async () => {
    const page = await freshPage();
    await visit(page, '/centres/00000000-0000-7000-8000-000000000000', 'kk', { status: 404 });
    assert.equal((await page.locator('h1').innerText()).trim(), t('kk', 'error-not-found-title'));
    await page.context().close();
  });
});

describe('the development sign-in', () => {
  for (const lang of LANGS) {
    test(`lists the demo accounts and the form for another, accessible, in ${lang}`, async () => {
      const page = await freshPage();
      await visit(page, '/sign-in', lang);
      assert.ok((await page.locator('form[action="/sign-in/dev"]').count()) >= 1);
      await page.context().close();
    });
  }

  test('bad input in the form shows each field\'s error and keeps what was typed', async () => {
    const page = await freshPage({ locale: 'en-GB' });
    await page.goto(url('/sign-in'));
    await page.getByLabel(t('en', 'signin-dev-role')).selectOption('CITIZEN');
    await page.locator('#dev-person_id').fill('not-a-person');
    await page.locator('form[aria-labelledby="other-account"] button[type="submit"]').click();
    await page.waitForLoadState();
    await layout(page, 'en');
    const summary = page.locator('.error-summary');
    assert.equal(await summary.count(), 1, 'an error summary');
    assert.equal(await summary.getAttribute('role'), 'alert');
    assert.equal(await summary.locator('a[href="#dev-person_id"]').count(), 1, 'it links to the field');
    const input = page.locator('#dev-person_id');
    assert.equal(await input.getAttribute('aria-invalid'), 'true');
    assert.ok((await input.getAttribute('aria-describedby')).split(' ').includes('dev-person_id-error'));
    assert.ok(await page.locator('#dev-person_id-error').isVisible(), 'the message beside the field');
    assert.equal(await input.inputValue(), 'not-a-person', 'the form keeps what was typed');
    assert.ok((await page.title()).startsWith(t('en', 'error-prefix')), 'the title starts with "Error:"');
    await axe(page, 'the sign-in form with errors (en)');
    // Following the summary's link puts the focus on the field.
    await summary.locator('a[href="#dev-person_id"]').click();
    assert.equal((await focused(page)).id, 'dev-person_id');
    await page.context().close();
  });
});

test('the centre, methodology and sign-in pages keep to the content security policy', async () => {
  const violations = await cspViolations(browser, [
    `/centres/${FIXTURES.centre.id}`, '/methodology', '/sign-in',
  ]);
  assert.deepEqual(violations, []);
});
