// Drives the hoso dashboard in headless Chromium against a running
// `hoso http` and checks what the page shows against the JSON API, fetched
// here independently. Run by tests/integration/dashboard_test.cc:
//
//   node check_dashboard.mjs --url http://127.0.0.1:PORT/ --period 2019-06 \
//     --agency phuong-bach-khoa --dossier BK-2019-D4 --out DIR \
//     --open-as-of 2019-07-01T08:00:00+07:00 --past-as-of 2019-06-15 \
//     [--chromium /usr/bin/chromium] [--token TOKEN]
//
// Prints one line per check ("ok ..." or "FAIL ..."), the screenshots'
// paths, and exits 1 if any check failed (2 on a usage error, 3 when the run
// itself broke: a browser that does not start, a page that never settles).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';

import puppeteer from 'puppeteer-core';

const args = parseArgs(process.argv.slice(2));
for (const required of ['url', 'period', 'agency', 'dossier', 'out', 'open-as-of', 'past-as-of']) {
  if (!args[required]) usage(`--${required} is required`);
}
const base = new URL(args.url);
const chromium = args.chromium || '/usr/bin/chromium';
const token = args.token || '';
const RATIOS = ['on_time_ratio', 'online_processing_share', 'online_coverage', 'one_stop_share',
  'apology_compliance'];
const READY_TIMEOUT_MS = 30000;

// A hung browser must not hang ctest: the whole run has a deadline.
const watchdog = setTimeout(() => {
  console.log('FAIL the run took over 150 s; giving up');
  process.exit(3);
}, 150000);

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
// JSON with object keys sorted, so that comparisons ignore key order.
function canonical(value) {
  return JSON.stringify(value, (key, v) => (v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : v));
}
function equal(actual, expected, what) {
  return check(canonical(actual) === canonical(expected), what,
    `page shows ${JSON.stringify(actual)}, API says ${JSON.stringify(expected)}`);
}

// The page's display rule (dashboard.js formatPercent), applied to the API's
// values: percent with one decimal, "," as decimal mark in Vietnamese.
function percent(ratio, lang) {
  if (ratio === null || ratio === undefined) return '–';
  const text = (ratio * 100).toFixed(1);
  return (lang === 'vi' ? text.replace('.', ',') : text) + '\u00a0%';
}
const STATUS_MARK = { met: '✓', missed: '✗', no_data: '–' };

async function api(pathname) {
  const url = new URL(pathname, base);
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const response = await fetch(url, { headers });
  const body = await response.json();
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status} ${JSON.stringify(body)}`);
  return body;
}

function pageUrl(query, fragment) {
  const url = new URL(base);
  url.search = query;
  url.hash = fragment + (token ? `&token=${encodeURIComponent(token)}` : '');
  return url.toString();
}

// The open-dossier card's counts for an agency and the total, and the same
// from a /v1/open answer.
const OPEN_COUNTS = ['open', 'due_today', 'overdue', 'paused', 'feedback_open',
  'feedback_overdue'];
async function openCard(page, agencyId) {
  return page.$$eval('#open-table tbody tr[data-agency]', (rows, wanted) => Object.fromEntries(
    rows.filter((row) => wanted.includes(row.dataset.agency)).map((row) => [row.dataset.agency,
      Object.fromEntries([...row.querySelectorAll('td[data-count]')].map((cell) => [
        cell.dataset.count, Number(cell.textContent.replace(/\D/g, ''))]))])),
  [agencyId, 'total']);
}
function openCounts(answer, agencyId) {
  const pick = (row) => Object.fromEntries(OPEN_COUNTS.map((name) => [name, row[name]]));
  const row = answer.agencies.find((agency) => agency.agency_id === agencyId);
  return { [agencyId]: row ? pick(row) : null, total: pick(answer.total) };
}

// Opens `url` afresh (a URL differing only in its fragment would not
// reload) and waits until every section has settled.
async function open(page, url) {
  await page.goto('about:blank');
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('body[data-state="ready"]', { timeout: READY_TIMEOUT_MS });
}

async function main() {
  const period = args.period;
  const agencyId = args.agency;
  const targets = await api(`v1/targets?period=${encodeURIComponent(period)}`);
  const scorecard = await api(`v1/scorecard?period=${encodeURIComponent(period)}`);
  const report = await api(`v1/kpi?period=${encodeURIComponent(period)}`);
  const history = await api(`v1/dossiers/${encodeURIComponent(args.dossier)}`);
  const kpiRow = report.rows.find((row) => row.agency_id === agencyId);
  const targetsRow = targets.agencies.find((agency) => agency.agency_id === agencyId);
  if (!kpiRow || !targetsRow) throw new Error(`${agencyId} is in neither /v1/kpi nor /v1/targets`);
  // The two endpoints answer from the same report: their ratios agree.
  for (const ratio of RATIOS) {
    equal(targetsRow.ratios[ratio], kpiRow[ratio], `/v1/targets and /v1/kpi agree on ${ratio}`);
  }
  const missedHere = RATIOS.filter((ratio) => targetsRow.met[ratio] === false);
  check(missedHere.length > 0, `the fixture makes ${agencyId} miss a target`,
    'no ratio missed: the ✗ checks below would prove nothing');

  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,  // Chromium's new headless mode (--headless=new)
    // Root (CI, containers) cannot use Chromium's sandbox.
    args: [...(process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : []),
      '--disable-gpu', '--no-first-run', '--no-default-browser-check', '--lang=vi-VN'],
  });
  try {
    const page = await browser.newPage();
    // The page must work offline: any request that leaves the server is
    // refused and reported, and so are script errors.
    const offsite = [];
    const pageErrors = [];
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.origin === base.origin || url.protocol === 'data:') {
        request.continue();
      } else {
        offsite.push(request.url());
        request.abort();
      }
    });
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });

    // --- Laptop, Vietnamese ---------------------------------------------
    await page.setViewport({ width: 1366, height: 768 });
    await open(page, pageUrl('', `period=${period}`));
    equal(await page.$eval('html', (el) => el.lang), 'vi', 'the page is Vietnamese by default');
    equal(await page.$eval('#banner', (el) => el.hidden), true, 'no error banner');
    equal(await page.$$eval('.section-error:not([hidden])', (els) => els.map((el) => el.textContent)),
      [], 'no section shows an error');
    equal(await page.$eval('#period-kind', (el) => el.value), 'month', 'the picker shows a month');
    equal(await page.$eval('#period-year', (el) => el.value), period.slice(0, 4),
      'the picker shows the year');

    // The scorecard card (check_scorecard.mjs covers it in depth on a
    // simulated year): every unit of /v1/scorecard, each ratio as displayed,
    // and a ✗ exactly where the API says the target is missed.
    const shown = await page.$$eval('#scorecard-table tbody tr[data-agency]', (rows) =>
      rows.map((row) => ({
        agency: row.dataset.agency,
        cells: Object.fromEntries([...row.querySelectorAll('td[data-measure]')].map((cell) => [
          cell.dataset.measure,
          { value: cell.querySelector('.value').textContent, mark: cell.querySelector('.mark').textContent,
            text: cell.textContent },
        ])),
      })));
    const byAgency = new Map(shown.map((row) => [row.agency, row]));
    const units = [...scorecard.rows, { ...scorecard.total, agency_id: 'total' }];
    // Every unit is compared; the fixture's ward is reported cell by cell,
    // the others only when they differ.
    let cellsChecked = 0;
    let mismatches = 0;
    check(byAgency.has(agencyId), `the scorecard has a row for ${agencyId}`);
    for (const unit of units) {
      const row = byAgency.get(unit.agency_id);
      if (row === undefined) {
        mismatches++;
        check(false, `row for ${unit.agency_id}`, 'missing');
        continue;
      }
      for (const ratio of RATIOS) {
        const cell = row.cells[ratio];
        const result = unit.results[ratio];
        const expected = { value: percent(result.value, 'vi'), mark: STATUS_MARK[result.status],
          cross: result.status === 'missed' };
        const actual = cell ? { value: cell.value, mark: cell.mark, cross: cell.text.includes('✗') } : null;
        cellsChecked++;
        const same = canonical(actual) === canonical(expected);
        if (!same) mismatches++;
        if (unit.agency_id === agencyId || !same) {
          equal(actual, expected, `${unit.agency_id} ${ratio} (value, mark, ✗ iff missed)`);
        }
      }
    }
    check(mismatches === 0 && cellsChecked === units.length * RATIOS.length,
      `all ${cellsChecked} ratio cells of ${units.length} units match /v1/scorecard`,
      `${mismatches} differ`);
    // The scorecard judges the figures of `hoso kpi`: the ward's ratios as
    // /v1/targets has them, the total as /v1/kpi.
    for (const ratio of RATIOS) {
      equal(byAgency.get(agencyId).cells[ratio].value, percent(targetsRow.ratios[ratio], 'vi'),
        `${agencyId} ${ratio} as /v1/targets`);
    }
    const total = byAgency.get('total');
    if (check(total !== undefined && shown.at(-1).agency === 'total', 'district total, last row')) {
      for (const ratio of RATIOS) {
        equal(total.cells[ratio].value, percent(report.total[ratio], 'vi'), `total ${ratio}`);
      }
    }
    // Open dossiers now (no "as of" picked), from /v1/open without as_of:
    // on the fixture's past data nothing changes from one second to the next.
    equal(await openCard(page, agencyId), openCounts(await api('v1/open'), agencyId),
      `open dossiers of ${agencyId} now as /v1/open says`);

    // The trend: June of the district total, then the ward chosen in the select.
    const month = Number(period.slice(5, 7));
    const point = (series) => page.$eval(
      `#trend-chart g[data-series="${series}"] circle[data-month="${month}"]`,
      (el) => Number(el.dataset.value)).catch(() => null);
    equal(await point('total-on-time'), report.total.on_time_ratio, 'trend: district on-time');
    equal(await point('total-online'), report.total.online_processing_share,
      'trend: district online processing');
    await page.select('#trend-agency', agencyId);
    equal(await point('agency-on-time'), kpiRow.on_time_ratio, `trend: ${agencyId} on-time`);
    const months = await page.$$eval('#trend-chart svg text.axis[text-anchor="middle"]',
      (els) => els.length);
    equal(months, 12, 'trend: 12 months on the axis');

    // The latest alerts, from /v1/alerts?limit=20.
    const alerts = await api('v1/alerts?limit=20');
    equal(await page.$$eval('#alerts-table tbody tr[data-alert]', (rows) => rows.map((r) => r.dataset.alert)),
      alerts.alerts.map((alert) => alert.alert_id), 'alerts: the 20 latest, newest first');
    // A ward's dialogue_missing (the fixture passes 15 June with no dialogue)
    // names no dossier: its row has no lookup button, a dossier's row has one.
    const rows = await page.$$eval('#alerts-table tbody tr[data-alert]', (els) => els.map((r) => ({
      kind: r.dataset.kind, button: r.querySelector('button[data-dossier]') !== null })));
    equal(rows.some((r) => r.kind === 'dialogue_missing'), true, 'alerts: ward alerts among the 20');
    equal(rows.filter((r) => r.kind === 'dialogue_missing').map((r) => r.button),
      alerts.alerts.filter((a) => a.kind === 'dialogue_missing').map(() => false),
      'alerts: a ward alert has no dossier button');
    equal(rows.filter((r) => r.kind !== 'dialogue_missing').every((r) => r.button), true,
      'alerts: a dossier alert has its lookup button');

    // Dossier lookup: type the id, the events of /v1/dossiers/{id}.
    await page.click('#lookup-id', { clickCount: 3 });
    await page.type('#lookup-id', args.dossier);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#lookup-result[data-state="ready"], #lookup-result[data-state="error"]',
      { timeout: READY_TIMEOUT_MS });
    const events = await page.$$eval('#history-events tbody tr', (rows) => rows.map((row) => ({
      type: row.dataset.type,
      occurred_at: row.querySelector('[data-field="occurred_at"] time').getAttribute('datetime'),
    }))).catch(() => []);
    equal(events, history.events.map((e) => ({ type: e.type, occurred_at: e.occurred_at })),
      `history of ${args.dossier}: its events in order`);
    equal(await page.$eval('#lookup-result [data-field="chain_ok"]', (el) => el.dataset.value)
      .catch(() => null), String(history.chain_ok), 'history: chain ok as the API says');
    equal(await page.$eval('#lookup-result [data-field="classification"]', (el) => el.textContent)
      .catch(() => null), history.classification === null ? '–' : history.classification,
    'history: classification');

    // An unknown dossier: the API's error message, in the page.
    const unknown = 'KHONG-CO-HO-SO-NAY';
    let notFound = null;
    try {
      await api(`v1/dossiers/${unknown}`);
    } catch (error) {
      notFound = error.message;
    }
    check(notFound !== null, 'the API answers an unknown dossier with an error');
    await page.click('#lookup-id', { clickCount: 3 });
    await page.type('#lookup-id', unknown);
    await page.click('#lookup-button');
    await page.waitForSelector('#lookup-result[data-state="error"]', { timeout: READY_TIMEOUT_MS })
      .catch(() => null);
    const shownError = await page.$eval('#lookup-result', (el) => el.textContent);
    const apiError = await fetch(new URL(`v1/dossiers/${unknown}`, base),
      { headers: token ? { Authorization: `Bearer ${token}` } : {} }).then((r) => r.json());
    check(apiError.error && shownError.includes(apiError.error.message),
      'lookup of an unknown dossier shows the API\'s message', shownError);

    const laptop = path.join(args.out, 'dashboard-laptop.png');
    // The looked-up history stays on the screenshot.
    await page.select('#trend-agency', agencyId);
    await page.evaluate((id) => { document.querySelector('#lookup-id').value = id; }, args.dossier);
    await page.click('#lookup-button');
    await page.waitForSelector('#lookup-result[data-state="ready"]', { timeout: READY_TIMEOUT_MS });
    await page.screenshot({ path: laptop, fullPage: true });
    console.log(`screenshot ${laptop}`);

    // --- No period in the address: the latest month with data ------------
    await open(page, pageUrl('', ''));
    equal(await page.evaluate(() => new URLSearchParams(location.hash.slice(1)).get('period')),
      period, 'without a period the page picks the latest month with data');
    check(await page.$eval('#scorecard-meta', (el, p) => el.textContent.includes(`kỳ ${p},`), period),
      'and shows its figures');
    check(await page.evaluate(() => !location.hash.includes('token=')),
      'the token is gone from the address bar');

    // --- Without the token: the API's refusal in the page -------------------
    if (token) {
      const stranger = await browser.newPage();  // a new tab: no sessionStorage
      await stranger.setViewport({ width: 1366, height: 768 });
      await stranger.goto(new URL(`#period=${period}`, base).toString(),
        { waitUntil: 'domcontentloaded' });
      await stranger.waitForSelector('body[data-state="ready"]', { timeout: READY_TIMEOUT_MS });
      const refusals = await stranger.$$eval('.section-error:not([hidden])',
        (els) => els.map((el) => el.textContent));
      check(refusals.length === 4 && refusals.every((text) => text.includes('unauthorized') &&
        text.includes('#token=')), 'without the token every section says unauthorized, with the hint',
      JSON.stringify(refusals));
      await stranger.close();
    }

    // --- A bad period: the API's error in the page, never a blank screen ---
    await open(page, pageUrl('', 'period=2019-13'));
    const errors = await page.$$eval('.section-error:not([hidden])', (els) => els.map((el) => el.textContent));
    check(errors.length > 0 && errors.some((text) => text.includes('bad_parameter')),
      'a bad period shows the API error (bad_parameter) in the page', JSON.stringify(errors));

    // --- Open dossiers at a picked instant: /v1/open with the same as_of ---
    const openAsOf = args['open-as-of'];
    const atInstant = await api(`v1/open?as_of=${encodeURIComponent(openAsOf)}`);
    const expectedOpen = openCounts(atInstant, agencyId);
    check(expectedOpen[agencyId] && expectedOpen[agencyId].due_today > 0 &&
      expectedOpen[agencyId].overdue > 0, `the fixture has ${agencyId} dossiers due today and ` +
      `overdue at ${openAsOf}`, 'none: the checks below would prove little');
    await open(page, pageUrl('', `period=${period}&as_of=${encodeURIComponent(openAsOf)}`));
    equal(await openCard(page, agencyId), expectedOpen,
      `open dossiers (open, due today, overdue, paused) and feedback awaiting an answer ` +
      `(open, overdue) of ${agencyId} and the total at ${openAsOf}`);
    check(expectedOpen.total.feedback_overdue > 0 &&
      expectedOpen.total.feedback_open > expectedOpen.total.feedback_overdue,
    `the fixture has feedback awaiting an answer at ${openAsOf}, overdue and not`,
    'none: the feedback columns prove little');
    equal(await page.$eval('#open-table thead th[data-count="due_today"]', (el) => el.textContent)
      .catch(() => null), 'Đến hạn hôm nay', 'the card has a "due today" column');
    equal(await page.$$eval('.section-error:not([hidden])', (els) => els.map((el) => el.textContent)),
      [], `as of ${openAsOf}: no section shows an error`);

    // --- A past "as of": the card explains, never a blank or an error -----
    const pastAsOf = args['past-as-of'];
    const pastResponse = await fetch(new URL(`v1/open?as_of=${encodeURIComponent(pastAsOf)}`, base),
      { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    const pastError = (await pastResponse.json()).error || {};
    equal([pastResponse.status, pastError.code], [400, 'bad_parameter'],
      `/v1/open refuses as_of=${pastAsOf}, before the last event`);
    await open(page, pageUrl('', `period=${period}&as_of=${encodeURIComponent(pastAsOf)}`));
    const pastCard = await page.$eval('#open-section', (el) => ({
      unavailable: el.dataset.unavailable === 'true',
      note: el.querySelector('#open-note').hidden ? null : el.querySelector('#open-note').textContent,
      cells: el.querySelectorAll('td[data-count]').length,
      error: el.querySelector('.section-error').hidden ? null : el.querySelector('.section-error').textContent,
    }));
    check(pastCard.unavailable && pastCard.note !== null && pastCard.note.includes(pastError.message) &&
      pastCard.cells === 0 && pastCard.error === null,
    `as of ${pastAsOf} the open-dossier card explains with the API's message, no numbers`,
    JSON.stringify(pastCard));
    equal(await page.$$eval('#scorecard-table tbody tr[data-agency]', (rows) => rows.length > 0), true,
      `as of ${pastAsOf} the other cards still show their figures`);

    // --- Phone, English --------------------------------------------------
    await page.setViewport({ width: 390, height: 844, deviceScaleFactor: 2, isMobile: true,
      hasTouch: true });
    await open(page, pageUrl('?lang=en', `period=${period}&dossier=${args.dossier}`));
    await page.waitForSelector('#lookup-result[data-state="ready"]', { timeout: READY_TIMEOUT_MS });
    equal(await page.$eval('html', (el) => el.lang), 'en', '?lang=en: html lang');
    equal(await page.$eval('h1', (el) => el.textContent), 'Administrative-procedure reform KPIs',
      '?lang=en: English title');
    equal(await page.$eval('#scorecard-table thead th[data-measure="on_time_ratio"]', (el) => el.textContent),
      'On time or early', '?lang=en: English column label');
    equal(await page.$eval('#lookup-button', (el) => el.textContent), 'Look up',
      '?lang=en: English button');
    const englishValue = await page.$eval(
      `#scorecard-table tr[data-agency="${agencyId}"] td[data-measure="on_time_ratio"] .value`,
      (el) => el.textContent);
    equal(englishValue, percent(targetsRow.ratios.on_time_ratio, 'en'),
      '?lang=en: the same figure with a decimal point');
    // Nothing wider than the phone: wide tables scroll inside their cards.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
    check(overflow <= 390, 'phone: the page is no wider than the screen', `${overflow}px`);
    const phone = path.join(args.out, 'dashboard-phone.png');
    await page.screenshot({ path: phone, fullPage: true });
    console.log(`screenshot ${phone}`);

    equal(offsite, [], 'no request leaves the server (the page works offline)');
    equal(pageErrors.filter((text) => !/status of (400|404)/.test(text)), [],
      'no script error on the page');
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
  console.error(`check_dashboard.mjs: ${message}`);
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
