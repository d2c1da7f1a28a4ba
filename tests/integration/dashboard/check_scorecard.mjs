// Drives the dashboard's scorecard card in headless Chromium against a
// running `hoso http` and checks what a user sees against /v1/scorecard,
// fetched here independently. Run by tests/integration/dashboard_test.cc:
//
//   node check_scorecard.mjs --url http://127.0.0.1:PORT/ --periods 2019,2019-06 \
//     --past-as-of 2019-06-30 --bad-period 2019-13 --out DIR \
//     [--chromium /usr/bin/chromium] [--token TOKEN]
//
// The first period must be a year of a database where wards both meet and
// miss targets (a loadgen year): the checks then see ✓ and ✗ of ratios and
// of the dialogue counts. Prints one line per check ("ok ..." or
// "FAIL ..."), exits 1 if any failed (2: usage error, 3: the run broke).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';

import puppeteer from 'puppeteer-core';

const args = parseArgs(process.argv.slice(2));
for (const required of ['url', 'periods', 'past-as-of', 'bad-period', 'out']) {
  if (!args[required]) usage(`--${required} is required`);
}
const base = new URL(args.url);
const chromium = args.chromium || '/usr/bin/chromium';
const token = args.token || '';
const periods = args.periods.split(',');
const READY_TIMEOUT_MS = 30000;
const MARK = { met: '✓', missed: '✗', no_data: '–' };

// A hung browser must not hang ctest: the whole run has a deadline.
const watchdog = setTimeout(() => {
  console.log('FAIL the run took over 120 s; giving up');
  process.exit(3);
}, 120000);

let failures = 0;
function check(condition, what, detail) {
  if (condition) {
    console.log(`ok   ${what}`);
  } else {
    failures++;
    console.log(`FAIL ${what}${detail === undefined ? '' : `: ${detail}`}`);
  }
  return condition;
}
function equal(actual, expected, what) {
  return check(JSON.stringify(actual) === JSON.stringify(expected), what,
    `page shows ${JSON.stringify(actual)}, API says ${JSON.stringify(expected)}`);
}

async function fetchJson(pathname) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const response = await fetch(new URL(pathname, base), { headers });
  return { status: response.status, body: await response.json() };
}
async function api(pathname) {
  const { status, body } = await fetchJson(pathname);
  if (status !== 200) throw new Error(`GET ${pathname}: HTTP ${status} ${JSON.stringify(body)}`);
  return body;
}
function scorecardPath(period, asOf) {
  const query = new URLSearchParams({ period });
  if (asOf) query.set('as_of', asOf);
  return `v1/scorecard?${query}`;
}

// What the page must print in a cell, by the rule the CLI table follows:
// dialogue counts per half-year joined with "+", a ratio in percent with one
// decimal ("," in Vietnamese), "–" for no value.
function percent(ratio, lang) {
  const text = (ratio * 100).toFixed(1);
  return (lang === 'vi' ? text.replace('.', ',') : text) + '\u00a0%';
}
function expectedValue(target, result, lang) {
  if (!result) return '–';
  const halves = result.half_years;
  if (halves && Object.keys(halves).length > 0) {
    return Object.keys(halves).sort().map((label) => String(halves[label])).join('+');
  }
  if (result.value === null || result.value === undefined) return '–';
  return typeof target.minimum === 'number' ? percent(result.value, lang) : String(result.value);
}
// The card as /v1/scorecard says it should read: row ids in order (the
// total last), columns, and every cell's text and status.
function expectedCard(scorecard, lang) {
  const units = [...scorecard.rows, { ...scorecard.total, agency_id: 'total' }];
  return {
    columns: scorecard.targets.map((target) => target.measure),
    rows: units.map((unit) => ({
      agency: unit.agency_id,
      cells: scorecard.targets.map((target) => {
        const result = unit.results[target.measure];
        const status = result ? result.status : 'no_data';
        return { status, text: `${expectedValue(target, result, lang)} ${MARK[status]}` };
      }),
      met: `${unit.met}/${unit.met + unit.missed}`,
    })),
  };
}
async function shownCard(page) {
  return page.$eval('#scorecard-section', (section) => ({
    columns: [...section.querySelectorAll('#scorecard-table thead tr:first-child th[data-measure]')]
      .map((th) => th.dataset.measure),
    headings: [...section.querySelectorAll('#scorecard-table thead tr:first-child th[data-measure]')]
      .map((th) => th.textContent),
    rows: [...section.querySelectorAll('#scorecard-table tbody tr[data-agency]')].map((row) => ({
      agency: row.dataset.agency,
      cells: [...row.querySelectorAll('td[data-measure]')].map((cell) => ({
        status: cell.dataset.status, text: cell.textContent })),
      met: row.querySelector('td.met-count') ? row.querySelector('td.met-count').textContent : null,
    })),
    error: section.querySelector('.section-error').hidden ? null :
      section.querySelector('.section-error').textContent,
    meta: section.querySelector('#scorecard-meta').textContent,
  }));
}

// The 766 section as /v1/scorecard says it should read: per unit, each
// indicator's "value points" ("98,3 % 19,67"; "– –" without data) and the
// points earned of those at stake.
function points(value, lang) {
  if (typeof value !== 'number') return '–';
  const text = value.toFixed(2);
  return lang === 'vi' ? text.replace('.', ',') : text;
}
function expected766(scorecard, lang) {
  const units = [...scorecard.rows, { ...scorecard.total, agency_id: 'total' }];
  return {
    codes: scorecard.indicators_766.map((indicator) => indicator.code),
    rows: units.map((unit) => ({
      agency: unit.agency_id,
      cells: scorecard.indicators_766.map((indicator) => {
        const score = unit.indicators_766[indicator.code];
        const value = score.value === null ? '–' : percent(score.value, lang);
        return `${value} ${points(score.points, lang)}`;
      }),
      total: `${points(unit.points_766, lang)}/${points(unit.max_points_766, lang)}`,
    })),
  };
}
async function shown766(page) {
  return page.$eval('#index766', (block) => ({
    hidden: block.hidden,
    codes: [...block.querySelectorAll('thead tr:first-child th[data-code]')]
      .map((th) => th.dataset.code),
    rows: [...block.querySelectorAll('tbody tr[data-agency]')].map((row) => ({
      agency: row.dataset.agency,
      cells: [...row.querySelectorAll('td[data-code]')].map((cell) => cell.textContent),
      total: row.querySelector('td.met-count').textContent,
    })),
  }));
}
// Compares row by row, so a failure names the unit.
function compareCard(shown, expected, what) {
  equal(shown.columns, expected.columns, `${what}: one column per target, in the plan's order`);
  equal(shown.rows.map((row) => row.agency), expected.rows.map((row) => row.agency),
    `${what}: a row per ward and office in the API's order, the total last`);
  let differing = 0;
  for (const row of expected.rows) {
    const mine = shown.rows.find((r) => r.agency === row.agency);
    if (!mine || JSON.stringify(mine) !== JSON.stringify(row)) {
      differing++;
      equal(mine || null, row, `${what}: row ${row.agency}`);
    }
  }
  check(differing === 0, `${what}: all ${expected.rows.length} rows × ${expected.columns.length} ` +
    'cells show the value and ✓/✗/– of /v1/scorecard, and the met count', `${differing} differ`);
}

function pageUrl(query, fragment) {
  const url = new URL(base);
  url.search = query;
  url.hash = fragment + (token ? `&token=${encodeURIComponent(token)}` : '');
  return url.toString();
}
// Opens `url` afresh (a URL differing only in its fragment would not
// reload) and waits until every section has settled.
async function open(page, url) {
  await page.goto('about:blank');
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('body[data-state="ready"]', { timeout: READY_TIMEOUT_MS });
}

async function main() {
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    // Root (CI, containers) cannot use Chromium's sandbox.
    args: [...(process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : []),
      '--disable-gpu', '--no-first-run', '--no-default-browser-check', '--lang=vi-VN'],
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1366, height: 900 });
    const pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    // A plan with a target this page has never heard of (the PAKN column
    // another change adds): while `extraTarget` is set, the page's
    // /v1/scorecard answers get it appended, as the server would send it.
    let extraTarget = null;
    await page.setRequestInterception(true);
    page.on('request', async (request) => {
      const url = new URL(request.url());
      if (!extraTarget || url.pathname !== '/v1/scorecard') {
        request.continue();
        return;
      }
      const answer = await api(`v1/scorecard${url.search}`);
      answer.targets.push(extraTarget.target);
      for (const unit of [...answer.rows, answer.total]) {
        unit.results[extraTarget.target.measure] = extraTarget.result(unit);
      }
      request.respond({ status: 200, contentType: 'application/json',
        body: JSON.stringify(answer) });
    });

    // --- Each period, in Vietnamese ----------------------------------------
    for (const period of periods) {
      const scorecard = await api(scorecardPath(period));
      await open(page, pageUrl('', `period=${period}`));
      const shown = await shownCard(page);
      equal(shown.error, null, `${period}: the scorecard card shows no error`);
      compareCard(shown, expectedCard(scorecard, 'vi'), period);
      check(shown.meta.includes(scorecard.plan.title) && shown.meta.includes(period),
        `${period}: the card names the plan and the period`, shown.meta);
    }

    // The year: both verdicts appear, for ratios and for the dialogues, so
    // the comparisons above proved something; the total is emphasised.
    const year = periods[0];
    const yearCard = await api(scorecardPath(year));
    await open(page, pageUrl('', `period=${year}`));
    const statuses = yearCard.rows.flatMap((unit) => Object.entries(unit.results));
    check(statuses.some(([, r]) => r.status === 'met') &&
      statuses.some(([, r]) => r.status === 'missed'),
    `${year}: /v1/scorecard has met and missed targets`, 'the checks would prove little');
    const wards = yearCard.rows.filter((unit) => unit.kind === 'ward').map((unit) => unit.agency_id);
    const dialogueCells = await page.$$eval(
      '#scorecard-table tbody tr[data-kind="ward"] td[data-measure="dialogues"]',
      (cells) => cells.map((cell) => cell.textContent));
    equal(dialogueCells.length, wards.length, `${year}: a dialogue cell per ward`);
    check(dialogueCells.some((text) => /^\d+\+\d+ ✓$/.test(text)) &&
      dialogueCells.some((text) => /^\d+\+\d+ ✗$/.test(text)),
    `${year}: wards' dialogues read like the CLI's "1+1 ✓" and "1+0 ✗"`,
    JSON.stringify(dialogueCells));
    const total = await page.$eval('#scorecard-table tbody tr:last-child', (row) => ({
      agency: row.dataset.agency, total: row.classList.contains('total'),
      weight: Number(getComputedStyle(row.querySelector('th')).fontWeight) }));
    check(total.agency === 'total' && total.total && total.weight >= 600,
      `${year}: the district total is the last row, in bold`, JSON.stringify(total));
    // The 766 section: every unit's value and points per indicator.
    check(Array.isArray(yearCard.indicators_766) && yearCard.indicators_766.length > 0,
      `${year}: /v1/scorecard has a 766 section`, 'nothing to compare');
    const index = await shown766(page);
    equal(index.hidden, false, `${year}: the 766 section is shown`);
    const index766 = expected766(yearCard, 'vi');
    equal(index.codes, index766.codes, `${year}: a 766 column per indicator, in the plan's order`);
    equal(index.rows.length, index766.rows.length, `${year}: a 766 row per unit and the total`);
    let differing766 = 0;
    for (const row of index766.rows) {
      const mine = index.rows.find((r) => r.agency === row.agency);
      if (!mine || JSON.stringify(mine) !== JSON.stringify(row)) {
        differing766++;
        equal(mine || null, row, `${year}: 766 row ${row.agency}`);
      }
    }
    check(differing766 === 0, `${year}: every 766 cell shows the value and points of ` +
      '/v1/scorecard, and the points earned of those at stake', `${differing766} differ`);

    const card = await page.$('#scorecard-section');
    const shot = path.join(args.out, 'dashboard-scorecard.png');
    await card.screenshot({ path: shot });
    console.log(`screenshot ${shot}`);

    // --- As of a past date: the figures as they stood ----------------------
    const pastAsOf = args['past-as-of'];
    const past = await api(scorecardPath(year, pastAsOf));
    await open(page, pageUrl('', `period=${year}&as_of=${pastAsOf}`));
    const pastShown = await shownCard(page);
    equal(pastShown.error, null, `${year} as of ${pastAsOf}: no error`);
    compareCard(pastShown, expectedCard(past, 'vi'), `${year} as of ${pastAsOf}`);
    check(JSON.stringify(expectedCard(past, 'vi')) !== JSON.stringify(expectedCard(yearCard, 'vi')),
      `${year} as of ${pastAsOf} differs from the whole year`, 'the as-of check proves little');

    // --- English -----------------------------------------------------------
    await open(page, pageUrl('?lang=en', `period=${year}`));
    const english = await shownCard(page);
    compareCard(english, expectedCard(yearCard, 'en'), `${year} in English`);
    equal(english.headings.slice(0, 1), ['On time or early'], '?lang=en: English column label');
    check(english.headings.includes('Dialogues with citizens'),
      '?lang=en: the dialogue column is labelled in English', JSON.stringify(english.headings));
    check(english.headings.includes('Feedback answered on time'),
      '?lang=en: the PAKN column is labelled in English', JSON.stringify(english.headings));

    // --- A target the page does not know gets its column ------------------
    extraTarget = {
      target: { measure: 'feedback_answered_on_time', title: 'PAKN trả lời đúng hạn ≥ 90 %',
        minimum: 0.9 },
      result: (unit) => (unit.kind === 'ward' ?
        { value: 0.95, target: 0.9, status: 'met' } :
        { value: null, target: 0.9, status: 'no_data' }),
    };
    await open(page, pageUrl('', `period=${year}`));
    const extended = await shownCard(page);
    equal(extended.columns.at(-1), 'feedback_answered_on_time',
      'an unknown target gets the last column');
    equal(extended.headings.at(-1), 'PAKN trả lời đúng hạn ≥ 90 %', 'headed by the plan\'s title');
    const wardRow = extended.rows.find((row) => row.agency === wards[0]);
    equal(wardRow ? wardRow.cells.at(-1) : null, { status: 'met', text: '95,0\u00a0% ✓' },
      'its cells show the value and verdict');
    extraTarget = null;

    // --- A bad period: the API's error in the card, never a blank ---------
    const badPeriod = args['bad-period'];
    const refused = await fetchJson(scorecardPath(badPeriod));
    check(refused.status === 400 && refused.body.error, `/v1/scorecard refuses ${badPeriod}`,
      JSON.stringify(refused));
    // Picked on the page showing the year (as a user would, through the
    // address), so rows left from the year would show under the error.
    await page.evaluate((p) => { location.hash = `period=${p}`; }, badPeriod);
    await page.waitForSelector('#scorecard-section .section-error:not([hidden])',
      { timeout: READY_TIMEOUT_MS });
    await page.waitForSelector('body[data-state="ready"]', { timeout: READY_TIMEOUT_MS });
    const bad = await shownCard(page);
    check(bad.error !== null && bad.error.includes(refused.body.error.message) &&
      bad.error.includes(refused.body.error.code),
    `period ${badPeriod}: the card shows the API's message and code`, JSON.stringify(bad.error));
    equal(bad.rows.length, 0, `period ${badPeriod}: no stale rows under the error`);

    equal(pageErrors, [], 'no script error on the page');
  } finally {
    await browser.close();
  }
}

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) usage(`bad argument ${argv[i]}`);
    out[argv[i].slice(2)] = argv[i + 1];
  }
  return out;
}
function usage(message) {
  console.error(`check_scorecard.mjs: ${message}`);
  process.exit(2);
}

mkdirSync(args.out, { recursive: true });
main().then(() => {
  clearTimeout(watchdog);
  console.log(failures === 0 ? 'all checks passed' : `${failures} check(s) failed`);
  process.exit(failures === 0 ? 0 : 1);
}, (error) => {
  clearTimeout(watchdog);
  console.log(`FAIL the run broke: ${error && error.stack ? error.stack : error}`);
  process.exit(3);
});
