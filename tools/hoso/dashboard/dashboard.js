// The hoso dashboard (docs/dashboard.md). Plain browser JavaScript, no
// library and no network access except the JSON API of the server that
// served the page, so it works offline on an inspector's laptop.
//
// State lives in the URL so a view can be bookmarked and shared:
//   ?lang=en                      English (Vietnamese otherwise); the only
//                                 query parameter, since the server rejects
//                                 parameters it does not know.
//   #period=2019-06&as_of=2019-06-15&agency=phuong-bach-khoa&dossier=ID
//                                 the view; every part optional.
//   #token=SECRET                 when the server was started with a token:
//                                 sent as "Authorization: Bearer SECRET".
//                                 It is moved to sessionStorage (this tab
//                                 only) and removed from the address bar so
//                                 that a copied link never carries it.
//
// Tests drive the page through stable hooks: <body data-state> is
// "loading" until every section has settled, then "ready"; rows carry
// data-agency, scorecard cells data-measure and data-status (met, missed,
// no_data; shown as ✓, ✗, –) and the "met" cell data-met, the open
// dossiers' cells data-count (#open-section gets data-unavailable, and
// #open-note the explanation, when /v1/open refuses the "as of"); the dossier
// lookup sets data-state on #lookup-result.
'use strict';

(() => {
  // --- Labels -------------------------------------------------------------

  const I18N = {
    vi: {
      title: 'Chỉ số cải cách thủ tục hành chính',
      docTitle: 'hoso — Chỉ số cải cách thủ tục hành chính',
      periodKind: 'Kỳ báo cáo',
      kindMonth: 'Tháng',
      kindQuarter: 'Quý',
      kindHalf: '6 tháng',
      kindYear: 'Năm',
      month: 'Tháng',
      quarter: 'Quý',
      half: 'Nửa năm',
      year: 'Năm',
      asOf: 'Số liệu tính đến ngày',
      clear: 'Xoá',
      refresh: 'Làm mới',
      scorecardTitle: 'Kết quả so với chỉ tiêu của kế hoạch',
      scorecardMeta: '{plan} — kỳ {period}, số liệu tính đến {asOf}',
      metCount: 'Số chỉ tiêu đạt',
      metCountTitle: 'Đạt {met} trên {judged} chỉ tiêu có số liệu',
      perHalfYear: '≥\u00a0{n} mỗi 6 tháng',
      perYear: '{n}/năm',
      noRows: 'Không có đơn vị nào.',
      measure_dialogues: 'Đối thoại với nhân dân',
      measure_online_share: 'Tiếp nhận trực tuyến',
      measure_feedback_on_time_ratio: 'PAKN trả lời đúng hạn',
      measure_feedback_online_share: 'PAKN tiếp nhận trực tuyến',
      measure_feedback_satisfaction: 'Mức độ hài lòng về PAKN',
      measure_on_time_ratio_766: 'Đúng hạn (766, kể cả hồ sơ chưa đến hạn)',
      index766Title: 'Chỉ số theo Quyết định 766/QĐ-TTg',
      index766Note: 'Điểm = điểm tối đa × min(1, tỷ lệ ÷ ngưỡng); chỉ số chưa có số liệu không tính điểm.',
      index766Points: 'Điểm',
      index766PointsTitle: 'Đạt {points} trên {max} điểm của các chỉ số có số liệu',
      index766Max: 'tối đa {points} điểm',
      legendMet: 'đạt chỉ tiêu',
      legendMissed: 'không đạt',
      legendNone: 'chưa có số liệu để đánh giá',
      csv: 'Tải CSV',
      trendTitle: 'Diễn biến theo tháng',
      trendAgency: 'Đơn vị',
      trendData: 'Số liệu của biểu đồ',
      openTitle: 'Hồ sơ đang giải quyết',
      alertsTitle: 'Cảnh báo mới nhất',
      lookupTitle: 'Tra cứu hồ sơ',
      lookupLabel: 'Mã hồ sơ',
      lookupButton: 'Tra cứu',
      footer:
        'Số liệu từ API chỉ đọc của hoso (/v1). Khi máy chủ yêu cầu mã truy cập, ' +
        'mở trang với #token=… ở cuối địa chỉ.',
      agency: 'Đơn vị',
      groupDistrict: 'Cấp quận',
      groupWard: 'Cấp phường',
      groupOther: 'Đơn vị khác',
      totalRow: 'Toàn quận (mọi đơn vị)',
      target: 'Chỉ tiêu',
      on_time_ratio: 'Đúng và trước hạn',
      online_processing_share: 'Xử lý trực tuyến',
      online_coverage: 'TTHC mức độ 3, 4 có hồ sơ trực tuyến',
      one_stop_share: 'Qua một cửa',
      apology_compliance: 'Xin lỗi khi trễ hạn',
      districtTotal: 'Toàn quận',
      onTimeShort: 'đúng hạn',
      onlineShort: 'trực tuyến',
      targetLine: 'chỉ tiêu',
      monthShort: 'T{m}',
      noData: 'Chưa có số liệu',
      received: 'Tiếp nhận',
      resolved: 'Đã giải quyết',
      open: 'Đang giải quyết',
      openDueToday: 'Đến hạn hôm nay',
      openOverdue: 'Quá hạn',
      openPaused: 'Tạm dừng',
      openFeedback: 'PAKN chờ trả lời',
      openFeedbackOverdue: 'PAKN quá hạn',
      openMeta: 'Tại thời điểm {asOf}',
      openMetaNow: 'Hiện tại ({asOf})',
      openUnavailable:
        'Chỉ có số hồ sơ đang giải quyết từ sự kiện cuối cùng đã ghi nhận trở đi; ' +
        'hãy chọn một ngày muộn hơn hoặc xoá ngày.',
      noOpen: 'Không có hồ sơ đang giải quyết.',
      firesAt: 'Thời điểm',
      kind: 'Loại',
      dossier: 'Hồ sơ',
      message: 'Nội dung',
      noAlerts: 'Chưa có cảnh báo.',
      alert_due_soon: 'Sắp đến hạn',
      alert_apology_due: 'Hạn gửi thư xin lỗi',
      alert_overdue: 'Quá hạn',
      alert_apology_missing: 'Trễ hạn chưa xin lỗi',
      alert_apology_violation: 'Xin lỗi lần 2',
      alert_feedback_due_soon: 'PAKN sắp đến hạn',
      alert_feedback_overdue: 'PAKN quá hạn',
      alert_dialogue_missing: 'Chưa đối thoại',
      noDossier: 'Không gắn hồ sơ (cảnh báo của đơn vị)',
      lookupEmpty: 'Nhập mã hồ sơ.',
      lookupLoading: 'Đang tra cứu…',
      status: 'Trạng thái',
      procedure: 'Thủ tục',
      receivingAgency: 'Nơi tiếp nhận',
      holderAgency: 'Nơi đang giữ',
      initialDue: 'Hẹn trả ban đầu',
      dueAt: 'Hẹn trả',
      classification: 'Kết quả',
      apologies: 'Thư xin lỗi',
      chain: 'Chuỗi băm',
      chainOk: 'nguyên vẹn',
      chainBroken: 'BỊ SỬA ĐỔI',
      seq: 'STT',
      type: 'Sự kiện',
      occurredAt: 'Thời điểm',
      dueAfter: 'Hẹn trả sau sự kiện',
      link: 'Liên kết',
      derived: '(do hệ thống sinh)',
      error: 'Lỗi',
      networkError: 'Không kết nối được máy chủ.',
      badResponse: 'Máy chủ trả về dữ liệu không đọc được.',
      unauthorizedHint: 'Máy chủ yêu cầu mã truy cập: mở trang với #token=<mã> ở cuối địa chỉ.',
      scriptError: 'Lỗi trên trang: {message}',
      noDataAnywhere: 'Cơ sở dữ liệu chưa có hồ sơ nào; đang hiển thị tháng hiện tại.',
      event_received: 'Tiếp nhận',
      event_supplement_requested: 'Yêu cầu bổ sung',
      event_supplement_received: 'Nhận bổ sung',
      event_transferred: 'Chuyển xử lý',
      event_overdue: 'Quá hạn',
      event_apologized: 'Xin lỗi',
      event_resolved: 'Trả kết quả',
      event_rejected: 'Từ chối',
      event_withdrawn: 'Rút hồ sơ',
      yes: 'có',
      no: 'không',
    },
    en: {
      title: 'Administrative-procedure reform KPIs',
      docTitle: 'hoso — Administrative-procedure reform KPIs',
      periodKind: 'Period',
      kindMonth: 'Month',
      kindQuarter: 'Quarter',
      kindHalf: 'Half-year',
      kindYear: 'Year',
      month: 'Month',
      quarter: 'Quarter',
      half: 'Half',
      year: 'Year',
      asOf: 'Figures as of',
      clear: 'Clear',
      refresh: 'Refresh',
      scorecardTitle: 'Results against the plan targets',
      scorecardMeta: '{plan} — period {period}, figures as of {asOf}',
      metCount: 'Targets met',
      metCountTitle: '{met} met of {judged} targets with data',
      perHalfYear: '≥\u00a0{n} per half-year',
      perYear: '{n}/year',
      noRows: 'No unit.',
      measure_dialogues: 'Dialogues with citizens',
      measure_online_share: 'Received online',
      measure_feedback_on_time_ratio: 'Feedback answered on time',
      measure_feedback_online_share: 'Feedback received online',
      measure_feedback_satisfaction: 'Feedback satisfaction',
      measure_on_time_ratio_766: 'On time (766, open not yet due included)',
      index766Title: 'Decision 766/QĐ-TTg indicators',
      index766Note: 'Points = maximum × min(1, value ÷ threshold); an indicator without data scores nothing.',
      index766Points: 'Points',
      index766PointsTitle: '{points} of the {max} points of the indicators with data',
      index766Max: 'up to {points} points',
      legendMet: 'target met',
      legendMissed: 'target missed',
      legendNone: 'nothing to judge yet',
      csv: 'Download CSV',
      trendTitle: 'Monthly trend',
      trendAgency: 'Agency',
      trendData: 'Chart data',
      openTitle: 'Dossiers in progress',
      alertsTitle: 'Latest alerts',
      lookupTitle: 'Dossier lookup',
      lookupLabel: 'Dossier id',
      lookupButton: 'Look up',
      footer:
        'Figures from the read-only hoso API (/v1). When the server requires a token, ' +
        'open the page with #token=… at the end of the address.',
      agency: 'Agency',
      groupDistrict: 'District level',
      groupWard: 'Wards',
      groupOther: 'Other agencies',
      totalRow: 'District total (all agencies)',
      target: 'Target',
      on_time_ratio: 'On time or early',
      online_processing_share: 'Processed online',
      online_coverage: 'Level-3/4 procedures with online dossiers',
      one_stop_share: 'Through the one-stop desk',
      apology_compliance: 'Apology when late',
      districtTotal: 'District total',
      onTimeShort: 'on time',
      onlineShort: 'online',
      targetLine: 'target',
      monthShort: '{mon}',
      noData: 'No data yet',
      received: 'Received',
      resolved: 'Resolved',
      open: 'In progress',
      openDueToday: 'Due today',
      openOverdue: 'Overdue',
      openPaused: 'Paused',
      openFeedback: 'Feedback awaiting answer',
      openFeedbackOverdue: 'Feedback overdue',
      openMeta: 'As of {asOf}',
      openMetaNow: 'Now ({asOf})',
      openUnavailable:
        'Open dossiers are known only from the last applied event on; ' +
        'pick a later date or clear it.',
      noOpen: 'No dossier in progress.',
      firesAt: 'When',
      kind: 'Kind',
      dossier: 'Dossier',
      message: 'Message',
      noAlerts: 'No alert yet.',
      alert_due_soon: 'Due soon',
      alert_apology_due: 'Apology letter due',
      alert_overdue: 'Overdue',
      alert_apology_missing: 'Late without apology',
      alert_apology_violation: 'Second apology',
      alert_feedback_due_soon: 'Feedback due soon',
      alert_feedback_overdue: 'Feedback overdue',
      alert_dialogue_missing: 'Dialogue missing',
      noDossier: 'No dossier (an alert about the unit)',
      lookupEmpty: 'Type a dossier id.',
      lookupLoading: 'Looking up…',
      status: 'Status',
      procedure: 'Procedure',
      receivingAgency: 'Received by',
      holderAgency: 'Held by',
      initialDue: 'First due date',
      dueAt: 'Due',
      classification: 'Outcome',
      apologies: 'Apology letters',
      chain: 'Hash chain',
      chainOk: 'intact',
      chainBroken: 'TAMPERED',
      seq: '#',
      type: 'Event',
      occurredAt: 'Occurred at',
      dueAfter: 'Due after the event',
      link: 'Link',
      derived: '(derived by the engine)',
      error: 'Error',
      networkError: 'The server cannot be reached.',
      badResponse: 'The server sent an answer that cannot be read.',
      unauthorizedHint: 'The server requires a token: open the page with #token=<token> at the end of the address.',
      scriptError: 'Error on the page: {message}',
      noDataAnywhere: 'The database holds no dossier yet; showing the current month.',
      event_received: 'Received',
      event_supplement_requested: 'Supplement requested',
      event_supplement_received: 'Supplement received',
      event_transferred: 'Transferred',
      event_overdue: 'Overdue',
      event_apologized: 'Apologized',
      event_resolved: 'Resolved',
      event_rejected: 'Rejected',
      event_withdrawn: 'Withdrawn',
      yes: 'yes',
      no: 'no',
    },
  };

  // The five ratios `hoso kpi` judges, with the built-in plan's targets
  // (engine/core/kpi_counters.h KpiTargets): the trend chart draws these
  // when /v1/scorecard, which names the plan the server judges by, cannot
  // be read.
  const RATIOS = [
    'on_time_ratio',
    'online_processing_share',
    'online_coverage',
    'one_stop_share',
    'apology_compliance',
  ];
  const DEFAULT_TARGETS = {
    on_time_ratio: 0.95,
    online_processing_share: 0.4,
    online_coverage: 0.8,
    one_stop_share: 1.0,
    apology_compliance: 1.0,
  };
  const MONTHS_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov',
    'Dec'];
  const SVG_NS = 'http://www.w3.org/2000/svg';

  const lang = new URLSearchParams(location.search).get('lang') === 'en' ? 'en' : 'vi';
  const locale = lang === 'en' ? 'en-GB' : 'vi-VN';

  function t(key, vars) {
    let text = I18N[lang][key];
    if (text === undefined) text = I18N.vi[key];
    if (text === undefined) return key;
    if (vars) {
      text = text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
    }
    return text;
  }
  // A label for an API code ("event_resolved"), or the code itself.
  function label(prefix, code) {
    const key = prefix + code;
    return I18N[lang][key] !== undefined ? I18N[lang][key] : String(code);
  }

  // --- Formatting ---------------------------------------------------------

  // Ratios arrive rounded to 4 decimals; they are shown in percent with one
  // decimal, as `hoso kpi` prints them, with the language's decimal mark.
  // The browser test rounds the API's values by the same rule.
  function formatPercent(ratio) {
    if (ratio === null || ratio === undefined) return '–';
    const text = (ratio * 100).toFixed(1);
    return (lang === 'vi' ? text.replace('.', ',') : text) + '\u00a0%';
  }
  function formatTarget(target) {
    if (target === null || target === undefined) return '';
    let pct = String(Math.round(target * 1000) / 10);
    if (lang === 'vi') pct = pct.replace('.', ',');
    return target >= 1 ? `${pct}\u00a0%` : `≥\u00a0${pct}\u00a0%`;
  }
  const countFormat = new Intl.NumberFormat(locale);
  function formatCount(n) {
    return typeof n === 'number' ? countFormat.format(n) : '–';
  }
  // Instants are Vietnam local time with their offset; they are shown as
  // they are (no conversion to the browser's zone, which may differ).
  function formatInstant(text) {
    if (typeof text !== 'string') return '–';
    const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/.exec(text);
    if (!m) return text;
    const seconds = m[3] && m[3] !== ':00' ? m[3] : '';
    const zone = m[4] && m[4] !== '+07:00' ? ' ' + m[4] : '';
    return `${m[1]} ${m[2]}${seconds}${zone}`;
  }
  function timeElement(text) {
    const el = h('time', {}, formatInstant(text));
    if (typeof text === 'string') el.setAttribute('datetime', text);
    return el;
  }

  // --- DOM ----------------------------------------------------------------

  // Elements are built with textContent only: ids and names come from data
  // and are never parsed as HTML.
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === 'class') el.className = value;
      else el.setAttribute(name, value === true ? '' : String(value));
    }
    append(el, children);
    return el;
  }
  function svg(tag, attrs, ...children) {
    const el = document.createElementNS(SVG_NS, tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== null && value !== undefined) el.setAttribute(name, String(value));
    }
    append(el, children);
    return el;
  }
  function append(el, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  const $ = (selector) => document.querySelector(selector);

  function applyLabels() {
    document.documentElement.lang = lang;
    document.title = t('docTitle');
    for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
    $('#lang-vi').setAttribute('aria-current', lang === 'vi' ? 'true' : 'false');
    $('#lang-en').setAttribute('aria-current', lang === 'en' ? 'true' : 'false');
    const month = $('#period-month');
    month.replaceChildren();
    for (let m = 1; m <= 12; m++) {
      month.append(h('option', { value: m }, lang === 'en' ? MONTHS_EN[m - 1] : `Tháng ${m}`));
    }
  }

  // --- Errors -------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  // "message (code)" for an API error, with a hint on what to do for 401.
  function describeError(error) {
    if (error instanceof ApiError) {
      const parts = [error.message];
      if (error.code) parts.push(`(${error.code}${error.status ? ', HTTP ' + error.status : ''})`);
      let text = parts.join(' ');
      if (error.status === 401) text += ' — ' + t('unauthorizedHint');
      return text;
    }
    return t('scriptError', { message: error && error.message ? error.message : String(error) });
  }
  function showSectionError(section, error) {
    const box = section.querySelector('.section-error');
    box.textContent = `${t('error')}: ${describeError(error)}`;
    box.hidden = false;
  }
  function clearSectionError(section) {
    const box = section.querySelector('.section-error');
    box.hidden = true;
    box.textContent = '';
  }
  function showBanner(text) {
    const banner = $('#banner');
    banner.textContent = text;
    banner.hidden = false;
  }
  // Whatever goes wrong, the page says so instead of going blank.
  window.addEventListener('error', (event) => {
    showBanner(t('scriptError', { message: event.message }));
  });
  window.addEventListener('unhandledrejection', (event) => {
    showBanner(describeError(event.reason));
  });

  // --- State in the URL ---------------------------------------------------

  const TOKEN_KEY = 'hoso.dashboard.token';
  const state = { period: null, asOf: '', agency: '', dossier: '', token: '' };

  function readHash() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ''));
    state.period = params.get('period') || null;
    state.asOf = params.get('as_of') || '';
    state.agency = params.get('agency') || '';
    state.dossier = params.get('dossier') || '';
    const token = params.get('token');
    if (token) {
      try {
        sessionStorage.setItem(TOKEN_KEY, token);
      } catch (e) {
        // Storage may be disabled; the token then lasts for this page only.
      }
      state.token = token;
    } else {
      try {
        state.token = sessionStorage.getItem(TOKEN_KEY) || '';
      } catch (e) {
        state.token = state.token || '';
      }
    }
  }
  function writeHash() {
    const params = new URLSearchParams();
    if (state.period) params.set('period', state.period);
    if (state.asOf) params.set('as_of', state.asOf);
    if (state.agency) params.set('agency', state.agency);
    if (state.dossier) params.set('dossier', state.dossier);
    const hash = params.toString();
    const url = location.pathname + location.search + (hash ? '#' + hash : '');
    history.replaceState(null, '', url);
    // The language links keep the view.
    $('#lang-vi').href = location.pathname + (hash ? '#' + hash : '');
    $('#lang-en').href = location.pathname + '?lang=en' + (hash ? '#' + hash : '');
  }

  // --- The API ------------------------------------------------------------

  // GET a JSON endpoint (path relative to the page, so a reverse proxy may
  // mount the server under a prefix). Rejects with an ApiError carrying the
  // API's {"error": {"code", "message"}} when there is one.
  async function api(path, params) {
    const url = new URL(path, location.href);
    url.hash = '';
    url.search = '';
    for (const [name, value] of Object.entries(params || {})) {
      if (value !== null && value !== undefined && value !== '') url.searchParams.set(name, value);
    }
    const headers = { Accept: 'application/json' };
    if (state.token) headers.Authorization = 'Bearer ' + state.token;
    let response;
    try {
      response = await fetch(url, { headers, cache: 'no-store' });
    } catch (e) {
      throw new ApiError(0, 'network', t('networkError'));
    }
    const text = await response.text();
    let body = null;
    try {
      body = JSON.parse(text);
    } catch (e) {
      body = null;
    }
    if (!response.ok) {
      const error = body && typeof body === 'object' ? body.error : null;
      throw new ApiError(
        response.status,
        error && error.code ? error.code : `http_${response.status}`,
        error && error.message ? error.message : `HTTP ${response.status} ${response.statusText}`,
      );
    }
    if (body === null || typeof body !== 'object') {
      throw new ApiError(response.status, 'bad_response', t('badResponse'));
    }
    return body;
  }

  // KPI reports by query string: the trend chart and the default period
  // reuse the monthly reports.
  const kpiCache = new Map();
  function kpi(period, asOf) {
    const key = `${period}|${asOf || ''}`;
    if (!kpiCache.has(key)) {
      const request = api('v1/kpi', { period, as_of: asOf });
      request.catch(() => kpiCache.delete(key));  // retry errors next time
      kpiCache.set(key, request);
    }
    return kpiCache.get(key);
  }

  // A row with any movement in its counters (open dossiers alone are
  // carried from earlier months, so they do not make a month "have data").
  function hasActivity(row) {
    if (!row) return false;
    return ['received', 'resolved', 'withdrawn', 'rejected'].some((name) => row[name] > 0);
  }

  // The default period: the latest month with data. Years are tried from the
  // current one backwards (one request each; a year the server cannot
  // answer, e.g. outside its calendar, is skipped), then the months of the
  // first year with data.
  async function latestMonthWithData() {
    const thisYear = new Date().getFullYear();
    let lastError = null;
    for (let year = thisYear; year >= thisYear - 15; year--) {
      let report;
      try {
        report = await kpi(String(year), '');
      } catch (error) {
        if (error instanceof ApiError && error.status === 400) continue;
        lastError = error;
        break;
      }
      if (!hasActivity(report.total)) continue;
      const months = await Promise.all(
        Array.from({ length: 12 }, (unused, i) =>
          kpi(`${year}-${String(i + 1).padStart(2, '0')}`, '').catch(() => null)),
      );
      for (let m = 12; m >= 1; m--) {
        if (months[m - 1] && hasActivity(months[m - 1].total)) {
          return `${year}-${String(m).padStart(2, '0')}`;
        }
      }
    }
    if (lastError) throw lastError;
    showBanner(t('noDataAnywhere'));
    const now = new Date();
    return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
  }

  // --- Period picker ------------------------------------------------------

  const PERIOD_RE = /^(\d{4})(?:-(\d{2})|-Q([1-4])|-H([12]))?$/;

  function syncControls() {
    const m = PERIOD_RE.exec(state.period || '');
    if (!m) return;
    const kind = m[2] ? 'month' : m[3] ? 'quarter' : m[4] ? 'half' : 'year';
    $('#period-kind').value = kind;
    $('#period-year').value = m[1];
    if (m[2]) $('#period-month').value = String(Number(m[2]));
    if (m[3]) $('#period-quarter').value = m[3];
    if (m[4]) $('#period-half').value = m[4];
    showPeriodFields(kind);
    $('#as-of').value = state.asOf;
  }
  function showPeriodFields(kind) {
    $('#field-month').hidden = kind !== 'month';
    $('#field-quarter').hidden = kind !== 'quarter';
    $('#field-half').hidden = kind !== 'half';
  }
  function periodFromControls() {
    const year = $('#period-year').value.trim();
    if (!/^\d{4}$/.test(year)) return null;
    switch ($('#period-kind').value) {
      case 'month':
        return `${year}-${$('#period-month').value.padStart(2, '0')}`;
      case 'quarter':
        return `${year}-Q${$('#period-quarter').value}`;
      case 'half':
        return `${year}-H${$('#period-half').value}`;
      default:
        return year;
    }
  }
  function onControlsChange() {
    showPeriodFields($('#period-kind').value);
    const period = periodFromControls();
    if (!period) return;
    state.period = period;
    state.asOf = $('#as-of').value;
    loadAll();
  }

  // --- Scorecard ----------------------------------------------------------

  // Agency names and kinds from /v1/targets (the reference list, with the
  // district's own entry, which names the page); the scorecard card itself
  // reads only /v1/scorecard.
  let agencies = new Map();
  function agencyName(id) {
    const agency = agencies.get(id);
    return agency && agency.name ? agency.name : id;
  }

  // The scorecard's verdicts as marks, with the legend's words as tooltip.
  const STATUS_MARK = { met: '✓', missed: '✗', no_data: '–' };
  const STATUS_CLASS = { met: 'met', missed: 'missed', no_data: 'none' };
  const STATUS_LEGEND = { met: 'legendMet', missed: 'legendMissed', no_data: 'legendNone' };
  function statusMark(status) {
    return h('span', { class: `mark ${STATUS_CLASS[status]}`, title: t(STATUS_LEGEND[status]) },
      STATUS_MARK[status]);
  }

  // A column's heading: the page's short label for a measure it knows, else
  // the plan's own title, so a measure added to the plan (or to the API)
  // after this page was written still gets a column with a name.
  function measureLabel(target) {
    const key = 'measure_' + target.measure;
    if (I18N[lang][key] !== undefined) return I18N[lang][key];
    if (RATIOS.includes(target.measure)) return t(target.measure);
    return target.title || target.measure;
  }
  // The target under the heading: "≥ 95 %" for a ratio, "≥ 1 per
  // half-year, 2/year" for a count judged per half-year.
  function targetLabel(target) {
    if (typeof target.minimum === 'number') return formatTarget(target.minimum);
    if (typeof target.per_half_year === 'number') {
      let text = t('perHalfYear', { n: target.per_half_year });
      if (typeof target.per_year === 'number') text += ', ' + t('perYear', { n: target.per_year });
      return text;
    }
    return '';
  }
  // A cell's value as the CLI table prints it: counts held per half-year
  // joined with "+" ("1+1"), a ratio in percent, any other number as a
  // count; "–" when there is none.
  function resultValue(target, result) {
    if (!result) return '–';
    const halves = result.half_years;
    if (halves && typeof halves === 'object' && Object.keys(halves).length > 0) {
      return Object.keys(halves).sort().map((label) => formatCount(halves[label])).join('+');
    }
    if (result.value === null || result.value === undefined) return '–';
    if (typeof target.minimum === 'number') return formatPercent(result.value);
    return formatCount(result.value);
  }

  function scorecardRow(unit, targets, attrs, name) {
    const results = unit.results || {};
    const judged = (unit.met || 0) + (unit.missed || 0);
    const allMet = unit.all_met === true ? 'met' : unit.all_met === false ? 'missed' : 'no_data';
    return h('tr', attrs,
      h('th', { scope: 'row', class: 'name' }, name),
      targets.map((target) => {
        const result = results[target.measure];
        const status = result && Object.hasOwn(STATUS_MARK, result.status) ? result.status :
          'no_data';
        return h('td', { class: `ratio ${STATUS_CLASS[status]}`,
          'data-measure': target.measure, 'data-status': status,
          title: target.title || null },
        h('span', { class: 'value' }, resultValue(target, result)), ' ', statusMark(status));
      }),
      h('td', { class: `met-count ${STATUS_CLASS[allMet]}`,
        'data-met': unit.met, 'data-judged': judged,
        title: t('metCountTitle', { met: unit.met, judged }) },
      `${formatCount(unit.met)}/${formatCount(judged)}`));
  }

  function clearScorecard() {
    $('#scorecard-meta').textContent = '';
    $('#scorecard-table').tHead.replaceChildren();
    $('#scorecard-table').tBodies[0].replaceChildren();
    $('#index766').hidden = true;
    $('#index766-table').tHead.replaceChildren();
    $('#index766-table').tBodies[0].replaceChildren();
  }

  // Points as the CLI prints them: two decimals.
  function formatPoints(points) {
    if (typeof points !== 'number') return '–';
    const text = points.toFixed(2);
    return lang === 'vi' ? text.replace('.', ',') : text;
  }

  // The 766 section of /v1/scorecard: per unit, each indicator's value and
  // points, and the points earned of those at stake. Scored, not judged.
  function index766Row(unit, indicators, attrs, name) {
    const scores = unit.indicators_766 || {};
    return h('tr', attrs,
      h('th', { scope: 'row', class: 'name' }, name),
      indicators.map((indicator) => {
        const score = scores[indicator.code] || {};
        const hasPoints = typeof score.points === 'number';
        return h('td', { class: hasPoints ? 'ratio' : 'ratio none',
          'data-code': indicator.code, 'data-points': hasPoints ? score.points : null,
          title: indicator.title || null },
        h('span', { class: 'value' }, formatPercent(score.value)), ' ',
        h('span', { class: 'points' }, formatPoints(score.points)));
      }),
      h('td', { class: 'met-count', 'data-points': unit.points_766,
        'data-max-points': unit.max_points_766,
        title: t('index766PointsTitle', { points: formatPoints(unit.points_766),
          max: formatPoints(unit.max_points_766) }) },
      `${formatPoints(unit.points_766)}/${formatPoints(unit.max_points_766)}`));
  }

  // Shown only when the plan scores 766 indicators; same rows as the plan's.
  function renderIndex766(scorecard, rows) {
    const indicators = Array.isArray(scorecard.indicators_766) ? scorecard.indicators_766 : [];
    $('#index766').hidden = indicators.length === 0;
    const table = $('#index766-table');
    table.tHead.replaceChildren();
    table.tBodies[0].replaceChildren();
    if (indicators.length === 0) return;
    table.tHead.append(
      h('tr', {}, h('th', { scope: 'col', class: 'name' }, t('agency')),
        indicators.map((indicator) => h('th', { scope: 'col', 'data-code': indicator.code,
          title: indicator.title || null }, `${indicator.code} ${measureLabel(indicator)}`)),
        h('th', { scope: 'col', class: 'num' }, t('index766Points'))),
      h('tr', { class: 'targets' }, h('th', { scope: 'row', class: 'name' }, ''),
        indicators.map((indicator) => h('th', { 'data-code': indicator.code },
          t('index766Max', { points: formatPoints(indicator.max_points) }))),
        h('th', {}, '')));
    const body = table.tBodies[0];
    for (const unit of rows) {
      body.append(index766Row(unit, indicators,
        { 'data-agency': unit.agency_id, 'data-kind': unit.kind },
        unit.name || agencyName(unit.agency_id)));
    }
    if (scorecard.total) {
      body.append(index766Row(scorecard.total, indicators,
        { class: 'total', 'data-agency': 'total', 'data-kind': scorecard.total.kind },
        t('totalRow')));
    }
  }

  // One row per ward and district office in the API's order (the agency
  // list's), a group heading where the kind changes, the district's total
  // last; one column per target in the plan's order, whatever the plan holds.
  function renderScorecard(scorecard) {
    const targets = Array.isArray(scorecard.targets) ? scorecard.targets : [];
    $('#scorecard-meta').textContent = t('scorecardMeta', {
      plan: (scorecard.plan && scorecard.plan.title) || '',
      period: scorecard.period, asOf: formatInstant(scorecard.as_of) });
    const table = $('#scorecard-table');
    table.tHead.replaceChildren(
      h('tr', {}, h('th', { scope: 'col', class: 'name' }, t('agency')),
        targets.map((target) => h('th', { scope: 'col', 'data-measure': target.measure,
          title: target.title || null }, measureLabel(target))),
        h('th', { scope: 'col', class: 'num' }, t('metCount'))),
      h('tr', { class: 'targets' }, h('th', { scope: 'row', class: 'name' }, t('target')),
        targets.map((target) => h('th', { 'data-measure': target.measure },
          targetLabel(target))),
        h('th', {}, '')),
    );
    const GROUPS = { district_office: 'groupDistrict', ward: 'groupWard' };
    const body = table.tBodies[0];
    body.replaceChildren();
    let group = null;
    const rows = Array.isArray(scorecard.rows) ? scorecard.rows : [];
    for (const unit of rows) {
      const title = GROUPS[unit.kind] || 'groupOther';
      if (title !== group) {
        group = title;
        body.append(h('tr', { class: 'group' },
          h('th', { colspan: targets.length + 2, scope: 'rowgroup' }, t(title))));
      }
      body.append(scorecardRow(unit, targets,
        { 'data-agency': unit.agency_id, 'data-kind': unit.kind },
        unit.name || agencyName(unit.agency_id)));
    }
    if (rows.length === 0) {
      body.append(h('tr', {}, h('td', { colspan: targets.length + 2, class: 'empty' },
        t('noRows'))));
    }
    if (scorecard.total) {
      body.append(scorecardRow(scorecard.total, targets,
        { class: 'total', 'data-agency': 'total', 'data-kind': scorecard.total.kind },
        t('totalRow')));
    }
    renderIndex766(scorecard, rows);
    const csv = new URL('v1/kpi.csv', location.href);
    csv.search = '';
    csv.hash = '';
    csv.searchParams.set('period', scorecard.period);
    if (state.asOf) csv.searchParams.set('as_of', state.asOf);
    $('#csv-link').href = csv.pathname + csv.search;
  }

  // --- Open dossiers ------------------------------------------------------

  // From /v1/open: the dossiers open at one instant per receiving agency
  // (the "as of" date when one is picked, otherwise now). Open, due today and
  // overdue first: on a phone they stay in view, the rest scrolls.
  const OPEN_COUNTS = [
    ['open', 'open'],
    ['due_today', 'openDueToday'],
    ['overdue', 'openOverdue'],
    ['paused', 'openPaused'],
    // Feedback (PAKN) awaiting its answer, and past its 15-working-day
    // deadline: not dossiers, but the same desk answers them.
    ['feedback_open', 'openFeedback'],
    ['feedback_overdue', 'openFeedbackOverdue'],
  ];
  function openCells(counts) {
    return OPEN_COUNTS.map(([name]) => {
      let cls = 'num';
      if ((name === 'overdue' || name === 'feedback_overdue') && counts[name] > 0) {
        cls += ' overdue';
      }
      if (name === 'due_today' && counts.due_today > 0) cls += ' due-today';
      return h('td', { class: cls, 'data-count': name }, formatCount(counts[name]));
    });
  }

  function renderOpen(answer) {
    const section = $('#open-section');
    delete section.dataset.unavailable;
    $('#open-note').hidden = true;
    $('#open-note').textContent = '';
    $('#open-meta').textContent = t(state.asOf ? 'openMeta' : 'openMetaNow',
      { asOf: formatInstant(answer.as_of) });
    const table = $('#open-table');
    table.hidden = false;
    table.tHead.replaceChildren(h('tr', {},
      h('th', { scope: 'col', class: 'name' }, t('agency')),
      OPEN_COUNTS.map(([name, key]) => h('th', { scope: 'col', class: 'num',
        'data-count': name }, t(key)))));
    // Every ward (the issue asks per ward, a zero is news too), then the
    // other agencies with open dossiers; within each, the most overdue and
    // due today on top.
    const isWard = (row) => (agencies.get(row.agency_id) || {}).kind === 'ward';
    const rows = (answer.agencies || [])
      .filter((row) => row.open > 0 || row.feedback_open > 0 || isWard(row))
      .sort((a, b) => Number(isWard(b)) - Number(isWard(a)) || b.overdue - a.overdue ||
        b.due_today - a.due_today || b.open - a.open ||
        String(a.agency_id).localeCompare(String(b.agency_id)));
    const body = table.tBodies[0];
    body.replaceChildren();
    for (const row of rows) {
      body.append(h('tr', { 'data-agency': row.agency_id },
        h('th', { scope: 'row', class: 'name' }, row.name || agencyName(row.agency_id)),
        openCells(row)));
    }
    if (rows.length === 0) {
      body.append(h('tr', {}, h('td', { colspan: OPEN_COUNTS.length + 1, class: 'empty' },
        t('noOpen'))));
    }
    body.append(h('tr', { class: 'total', 'data-agency': 'total' },
      h('th', { scope: 'row', class: 'name' }, t('districtTotal')), openCells(answer.total || {})));
  }

  // The API knows open dossiers from its last applied event on: an "as of"
  // before it is refused (400). The card then says so, in place of numbers.
  function renderOpenUnavailable(error) {
    const section = $('#open-section');
    section.dataset.unavailable = 'true';
    $('#open-meta').textContent = t('openMeta', { asOf: state.asOf });
    const table = $('#open-table');
    table.hidden = true;
    table.tHead.replaceChildren();
    table.tBodies[0].replaceChildren();
    const note = $('#open-note');
    note.textContent = `${t('openUnavailable')} ${error.message}`;
    note.hidden = false;
  }

  // --- Trend chart --------------------------------------------------------

  const SERIES = [
    { id: 'total-on-time', scope: 'total', ratio: 'on_time_ratio', color: '#1f5fbf', dash: '' },
    { id: 'total-online', scope: 'total', ratio: 'online_processing_share', color: '#c25e00',
      dash: '' },
    { id: 'agency-on-time', scope: 'agency', ratio: 'on_time_ratio', color: '#1f5fbf',
      dash: '6 4' },
    { id: 'agency-online', scope: 'agency', ratio: 'online_processing_share', color: '#c25e00',
      dash: '6 4' },
  ];
  let trendMonths = null;  // the 12 monthly reports of the year (null: failed)
  let trendTargets = null;  // measure -> minimum of the scorecard's plan

  function seriesName(series) {
    const who = series.scope === 'total' ? t('districtTotal') : agencyName(state.agency);
    return `${who} — ${t(series.ratio === 'on_time_ratio' ? 'onTimeShort' : 'onlineShort')}`;
  }
  function seriesValues(series) {
    return trendMonths.map((report) => {
      if (!report) return null;
      const row = series.scope === 'total' ? report.total :
        (report.rows || []).find((r) => r.agency_id === state.agency);
      const value = row ? row[series.ratio] : null;
      return typeof value === 'number' ? value : null;
    });
  }
  function monthLabel(m) {
    return lang === 'en' ? MONTHS_EN[m - 1] : t('monthShort', { m });
  }

  // An inline SVG line chart, 0–100 %, one point per month; a month with
  // nothing to judge (null) breaks the line.
  function renderTrend(year) {
    const container = $('#trend-chart');
    // Drawn at the container's width so labels keep their size on a phone.
    const W = Math.max(300, Math.round(container.clientWidth || 720));
    const H = W < 560 ? 220 : 300;
    const left = 44;
    const right = 12;
    const top = 14;
    const bottom = 30;
    const x = (i) => left + (i + 0.5) * ((W - left - right) / 12);
    const y = (v) => top + (1 - v) * (H - top - bottom);
    const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'trend',
      'aria-label': `${t('trendTitle')} ${year}` });
    for (let p = 0; p <= 100; p += 20) {
      chart.append(svg('line', { x1: left, x2: W - right, y1: y(p / 100), y2: y(p / 100),
        class: 'grid' }));
      chart.append(svg('text', { x: left - 6, y: y(p / 100) + 4, class: 'axis',
        'text-anchor': 'end' }, `${p}%`));
    }
    for (let m = 1; m <= 12; m++) {
      // Narrow charts have room for the month's number only.
      chart.append(svg('text', { x: x(m - 1), y: H - 10, class: 'axis', 'text-anchor': 'middle' },
        W < 560 ? String(m) : monthLabel(m)));
    }
    // The targets of the two ratios drawn, as the scorecard's plan sets
    // them (a plan without one draws no line).
    for (const [ratio, color] of [['on_time_ratio', '#1f5fbf'],
      ['online_processing_share', '#c25e00']]) {
      const target = trendTargets ? trendTargets.get(ratio) : DEFAULT_TARGETS[ratio];
      if (typeof target !== 'number') continue;
      chart.append(svg('line', { x1: left, x2: W - right, y1: y(target), y2: y(target),
        class: 'target-line', stroke: color },
      svg('title', {}, `${t(ratio)}: ${t('targetLine')} ${formatTarget(target)}`)));
    }
    const legend = $('#trend-legend');
    legend.replaceChildren();
    const shown = SERIES.filter((s) => s.scope === 'total' || state.agency);
    for (const series of shown) {
      const values = seriesValues(series);
      const group = svg('g', { 'data-series': series.id });
      let segment = [];
      const flush = () => {
        if (segment.length > 1) {
          group.append(svg('polyline', { points: segment.join(' '), fill: 'none',
            stroke: series.color, 'stroke-width': 2.5, 'stroke-dasharray': series.dash || null,
            'stroke-linejoin': 'round' }));
        }
        segment = [];
      };
      values.forEach((value, i) => {
        if (value === null) {
          flush();
          return;
        }
        segment.push(`${x(i).toFixed(1)},${y(value).toFixed(1)}`);
        group.append(svg('circle', { cx: x(i).toFixed(1), cy: y(value).toFixed(1),
          r: series.scope === 'total' ? 4 : 3.5,
          fill: series.scope === 'total' ? series.color : '#fff', stroke: series.color,
          'stroke-width': 2, 'data-month': i + 1, 'data-value': value },
        svg('title', {}, `${seriesName(series)}, ${monthLabel(i + 1)}/${year}: ` +
          formatPercent(value))));
      });
      flush();
      chart.append(group);
      const swatch = svg('svg', { viewBox: '0 0 28 10', width: 28, height: 10,
        'aria-hidden': 'true' },
      svg('line', { x1: 1, x2: 27, y1: 5, y2: 5, stroke: series.color, 'stroke-width': 2.5,
        'stroke-dasharray': series.dash || null }));
      legend.append(h('li', {}, swatch, ' ', seriesName(series)));
    }
    container.replaceChildren(chart);
    if (trendMonths.every((report) => !report || !hasActivity(report.total))) {
      container.append(h('p', { class: 'empty' }, t('noData')));
    }
    // The same numbers as a table, for screen readers and small screens.
    const table = $('#trend-table');
    table.replaceChildren(
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, ''),
        Array.from({ length: 12 }, (unused, i) => h('th', { scope: 'col' }, monthLabel(i + 1))))),
      h('tbody', {}, shown.map((series) => h('tr', { 'data-series': series.id },
        h('th', { scope: 'row' }, seriesName(series)),
        seriesValues(series).map((v) => h('td', { class: 'num' }, formatPercent(v)))))),
    );
  }

  function fillAgencySelect() {
    const select = $('#trend-agency');
    select.replaceChildren();
    const list = [...agencies.values()];
    const wards = list.filter((a) => a.kind === 'ward');
    const others = list.filter((a) => a.kind !== 'ward');
    for (const [title, members] of [['groupWard', wards], ['groupDistrict', others]]) {
      if (members.length === 0) continue;
      const group = h('optgroup', { label: t(title) });
      for (const a of members) group.append(h('option', { value: a.agency_id }, a.name));
      select.append(group);
    }
    if (state.agency && agencies.has(state.agency)) select.value = state.agency;
  }

  // The ward of the chart when none was chosen: the one with the most
  // dossiers received in the period, so the line has something to show.
  function defaultAgency(report) {
    let best = null;
    for (const row of (report && report.rows) || []) {
      const agency = agencies.get(row.agency_id);
      if (!agency || agency.kind !== 'ward') continue;
      if (!best || row.received > best.received) best = row;
    }
    if (best) return best.agency_id;
    const firstWard = [...agencies.values()].find((a) => a.kind === 'ward');
    return firstWard ? firstWard.agency_id : '';
  }

  // --- Alerts -------------------------------------------------------------

  function renderAlerts(answer) {
    const table = $('#alerts-table');
    table.tHead.replaceChildren(h('tr', {},
      h('th', { scope: 'col' }, t('firesAt')),
      h('th', { scope: 'col' }, t('kind')),
      h('th', { scope: 'col' }, t('dossier')),
      h('th', { scope: 'col' }, t('agency')),
      h('th', { scope: 'col' }, t('message'))));
    const body = table.tBodies[0];
    body.replaceChildren();
    const alerts = answer.alerts || [];
    for (const alert of alerts) {
      // dialogue_missing is about a ward: its key "agency:<id>" is no dossier to look up.
      let open;
      if (alert.dossier_id.startsWith('agency:')) {
        open = h('span', { class: 'no-dossier', title: t('noDossier') }, '—');
      } else {
        open = h('button', { type: 'button', class: 'linkish', 'data-dossier': alert.dossier_id },
          alert.dossier_id);
        open.addEventListener('click', () => lookup(alert.dossier_id, true));
      }
      body.append(h('tr', { 'data-alert': alert.alert_id, 'data-kind': alert.kind },
        h('td', { class: 'when' }, timeElement(alert.fires_at)),
        h('td', {}, h('span', { class: `badge ${alert.kind}` }, label('alert_', alert.kind))),
        h('td', {}, open),
        h('td', {}, agencyName(alert.agency_id)),
        h('td', { class: 'message' }, lang === 'en' ? alert.message_en : alert.message_vi)));
    }
    if (alerts.length === 0) {
      body.append(h('tr', {}, h('td', { colspan: 5, class: 'empty' }, t('noAlerts'))));
    }
  }

  // --- Dossier lookup -----------------------------------------------------

  let lookupGeneration = 0;
  async function lookup(id, scroll) {
    const result = $('#lookup-result');
    id = id.trim();
    $('#lookup-id').value = id;
    const generation = ++lookupGeneration;
    if (!id) {
      result.dataset.state = 'empty';
      result.replaceChildren(h('p', { class: 'meta' }, t('lookupEmpty')));
      return;
    }
    state.dossier = id;
    writeHash();
    result.dataset.state = 'loading';
    result.replaceChildren(h('p', { class: 'meta' }, t('lookupLoading')));
    if (scroll) $('#lookup-section').scrollIntoView({ behavior: 'smooth', block: 'start' });
    try {
      const history = await api('v1/dossiers/' + encodeURIComponent(id));
      if (generation !== lookupGeneration) return;
      renderHistory(history);
      result.dataset.state = 'ready';
    } catch (error) {
      if (generation !== lookupGeneration) return;
      result.replaceChildren(h('p', { class: 'error', role: 'alert' },
        `${t('error')}: ${describeError(error)}`));
      result.dataset.state = 'error';
    }
  }

  function renderHistory(history) {
    const chainOk = history.chain_ok === true;
    const fields = [
      ['status', h('span', { class: 'code' }, history.status || '–')],
      ['procedure', history.procedure_id || '–'],
      ['receivingAgency', history.receiving_agency_id ? agencyName(history.receiving_agency_id) :
        '–'],
      ['holderAgency', history.holder_agency_id ? agencyName(history.holder_agency_id) : '–'],
      ['initialDue', timeElement(history.initial_due_at)],
      ['dueAt', timeElement(history.due_at)],
      ['classification', h('span', { class: 'code', 'data-field': 'classification' },
        history.classification || '–')],
      ['apologies', formatCount(history.apologies)],
      ['chain', h('span', { class: chainOk ? 'met' : 'missed', 'data-field': 'chain_ok',
        'data-value': String(chainOk) }, chainOk ? `✓ ${t('chainOk')}` : `✗ ${t('chainBroken')}`)],
    ];
    const summary = h('dl', { class: 'summary' },
      fields.map(([key, value]) => [h('dt', {}, t(key)), h('dd', {}, value)]));
    const rows = (history.events || []).map((event) => h('tr', {
      'data-sequence': event.sequence, 'data-type': event.type || '' },
    h('td', { class: 'num' }, String(event.sequence)),
    h('td', {}, event.type ? label('event_', event.type) : (event.error || '?'),
      event.derived ? h('span', { class: 'meta' }, ' ' + t('derived')) : null),
    h('td', { class: 'when', 'data-field': 'occurred_at' }, timeElement(event.occurred_at)),
    h('td', {}, h('span', { class: 'code' }, event.status || '–')),
    h('td', { class: 'when' }, timeElement(event.due_at)),
    h('td', { class: event.link_ok ? 'met' : 'missed' }, event.link_ok ? '✓' : '✗')));
    const table = h('table', { id: 'history-events', class: 'data',
      'data-dossier': history.dossier_id },
    h('thead', {}, h('tr', {},
      ['seq', 'type', 'occurredAt', 'status', 'dueAfter', 'link'].map((key) =>
        h('th', { scope: 'col' }, t(key))))),
    h('tbody', {}, rows));
    $('#lookup-result').replaceChildren(
      h('h3', { class: 'dossier-id' }, history.dossier_id), summary,
      h('div', { class: 'table-scroll' }, table));
  }

  // --- Loading ------------------------------------------------------------

  let generation = 0;

  // Runs one section's load; marks it busy meanwhile and shows its error.
  async function section(selector, load) {
    const el = $(selector);
    el.setAttribute('aria-busy', 'true');
    try {
      await load();
      clearSectionError(el);
    } catch (error) {
      showSectionError(el, error);
      el.dataset.error = error && error.code ? error.code : 'error';
      return;
    } finally {
      el.setAttribute('aria-busy', 'false');
    }
    delete el.dataset.error;
  }

  async function loadAll() {
    const current = ++generation;
    document.body.dataset.state = 'loading';
    // Each load reads afresh (a running `serve` changes the figures); the
    // cache only spares the trend the months the default period scan read.
    kpiCache.clear();
    $('#banner').hidden = true;
    try {
      if (!state.period) state.period = await latestMonthWithData();
    } catch (error) {
      if (current !== generation) return;
      showBanner(`${t('error')}: ${describeError(error)}`);
      for (const el of document.querySelectorAll('section[aria-busy]')) {
        el.setAttribute('aria-busy', 'false');
      }
      document.body.dataset.state = 'ready';
      return;
    }
    if (current !== generation) return;
    syncControls();
    writeHash();
    const period = state.period;
    const asOf = state.asOf;
    const year = period.slice(0, 4);

    const targetsRequest = api('v1/targets', { period, as_of: asOf });
    const scorecardRequest = api('v1/scorecard', { period, as_of: asOf });
    const reportRequest = kpi(period, asOf);
    // Agency names first: every section shows them.
    const names = targetsRequest.then((targets) => {
      if (current !== generation) return;
      agencies = new Map((targets.agencies || []).map((a) => [a.agency_id, a]));
      const district = (targets.agencies || []).find((a) => a.kind === 'district');
      $('#district-name').textContent = district ? district.name : '';
    }).catch(() => {});

    const tasks = [
      section('#scorecard-section', async () => {
        let scorecard;
        try {
          scorecard = await scorecardRequest;
        } catch (error) {
          // The error replaces the figures: rows of the period shown before
          // would read as this period's.
          if (current === generation) clearScorecard();
          throw error;
        }
        await names;
        if (current === generation) renderScorecard(scorecard);
      }),
      section('#open-section', async () => {
        let answer = null;
        try {
          answer = await api('v1/open', { as_of: asOf });
        } catch (error) {
          // Only a past "as of" is explained in the card; anything else (no
          // token, an unreachable server) is the section's error.
          if (!(asOf && error instanceof ApiError && error.status === 400)) throw error;
          await names;
          if (current === generation) renderOpenUnavailable(error);
          return;
        }
        await names;
        if (current === generation) renderOpen(answer);
      }),
      section('#trend-section', async () => {
        const months = Array.from({ length: 12 }, (unused, i) =>
          kpi(`${year}-${String(i + 1).padStart(2, '0')}`, asOf));
        const settled = await Promise.allSettled(months);
        const scorecard = await scorecardRequest.catch(() => null);
        await names;
        const failed = settled.find((s) => s.status === 'rejected');
        if (current !== generation) return;
        trendMonths = settled.map((s) => (s.status === 'fulfilled' ? s.value : null));
        trendTargets = scorecard && Array.isArray(scorecard.targets) ?
          new Map(scorecard.targets.map((target) => [target.measure, target.minimum])) : null;
        if (!state.agency || !agencies.has(state.agency)) {
          state.agency = defaultAgency(await reportRequest.catch(() => null));
          writeHash();
        }
        fillAgencySelect();
        renderTrend(year);
        // Months the server could not answer show as gaps, and the error.
        if (failed) throw failed.reason;
      }),
      section('#alerts-section', async () => {
        const answer = await api('v1/alerts', { limit: 20 });
        await names;
        if (current === generation) renderAlerts(answer);
      }),
    ];
    await Promise.allSettled(tasks);
    if (current === generation) document.body.dataset.state = 'ready';
  }

  function start() {
    applyLabels();
    readHash();
    writeHash();  // drops a #token from the address bar
    for (const id of ['#period-kind', '#period-month', '#period-quarter', '#period-half',
      '#period-year', '#as-of']) {
      $(id).addEventListener('change', onControlsChange);
    }
    $('#controls').addEventListener('submit', (event) => {
      event.preventDefault();
      onControlsChange();
    });
    $('#as-of-clear').addEventListener('click', () => {
      $('#as-of').value = '';
      onControlsChange();
    });
    $('#trend-agency').addEventListener('change', () => {
      state.agency = $('#trend-agency').value;
      writeHash();
      if (trendMonths) renderTrend(state.period.slice(0, 4));
    });
    $('#lookup-form').addEventListener('submit', (event) => {
      event.preventDefault();
      lookup($('#lookup-id').value, false);
    });
    $('#refresh').addEventListener('click', () => loadAll());
    let resizeTimer = 0;
    window.addEventListener('resize', () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => {
        if (trendMonths) renderTrend(state.period.slice(0, 4));
      }, 150);
    });
    window.addEventListener('hashchange', () => {
      const before = `${state.period}|${state.asOf}`;
      const agencyBefore = state.agency;
      readHash();
      writeHash();
      if (`${state.period}|${state.asOf}` !== before) {
        loadAll();
      } else if (state.agency !== agencyBefore && trendMonths) {
        fillAgencySelect();
        renderTrend(state.period.slice(0, 4));
      }
      if (state.dossier && state.dossier !== $('#lookup-id').value) lookup(state.dossier, false);
    });
    loadAll();
    if (state.dossier) lookup(state.dossier, false);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
