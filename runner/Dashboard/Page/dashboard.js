// RulesSync operator dashboard: reads /api, renders with the DOM (text only, never innerHTML), draws the
// charts as SVG, and sends operator actions with the token kept in sessionStorage.
'use strict';

(() => {
  const TOKEN_KEY = 'rulesync.operatorToken';
  const NAME_KEY = 'rulesync.operatorName';
  const KINDS = ['ignore', 'share', 'delete', 'cancel', 'unlink', 'held'];
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const $ = (id) => document.getElementById(id);

  let asOf = null;            // the server's clock: ages are shown relative to it, not the browser's
  let overview = null;
  let mailboxes = [];
  let shownHistoryUid = null;
  let refreshing = null;
  let timer = null;

  // ---- small DOM helpers -------------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) if (c !== null && c !== undefined) node.append(c);
    return node;
  }

  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function fillBody(table, rows, emptyText) {
    const body = table.tBodies[0];
    const cols = table.tHead.rows[0].cells.length;
    body.replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { class: 'empty', colspan: cols, text: emptyText }))]));
  }

  function utc(iso) {
    if (!iso) return '';
    const d = new Date(iso);
    return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  }

  function ago(iso) {
    if (!iso || !asOf) return '';
    const s = Math.max(0, Math.round((asOf - new Date(iso)) / 1000));
    if (s < 10) return 'just now';
    if (s < 90) return `${s} s ago`;
    const m = Math.round(s / 60);
    if (m < 90) return `${m} min ago`;
    const h = Math.floor(m / 60);
    if (h < 36) return `${h} h ago`;
    return `${Math.floor(h / 24)} d ago`;
  }

  function timeCell(iso, never) {
    if (!iso) return el('td', { class: 'muted', text: never || '—' });
    return el('td', { class: 'nowrap' }, el('time', { datetime: iso, title: utc(iso), text: ago(iso) }));
  }

  function ms(value) {
    return value >= 1000 ? `${(value / 1000).toFixed(value >= 10000 ? 0 : 1)} s` : `${Math.round(value)} ms`;
  }

  function decision(kind) {
    return el('span', { class: `decision decision-${kind}`, text: kind });
  }

  function meetingButton(uid, subject) {
    return el('button', { type: 'button', class: 'link', title: uid, 'data-testid': 'meeting-link', 'data-meeting': uid,
      text: subject || uid, onclick: () => showHistory(uid) });
  }

  function say(text, kind) {
    const box = $('message');
    box.textContent = text;
    if (kind) box.dataset.kind = kind; else delete box.dataset.kind;
  }

  // ---- reading ------------------------------------------------------------------------------------------
  async function errorOf(response) {
    try {
      const body = await response.json();
      if (body && body.error) return body.error;
    } catch { /* not JSON */ }
    return `${response.status} ${response.statusText}`;
  }

  async function getJson(path) {
    const response = await fetch(path, { headers: { Accept: 'application/json' }, cache: 'no-store' });
    if (!response.ok) throw new Error(await errorOf(response));
    return response.json();
  }

  function refresh() {
    // One refresh at a time; a second request while one runs waits for it and then runs again.
    const run = async () => {
      try {
        overview = await getJson('api/overview');
        asOf = new Date(overview.asOf);
        const shadowMax = overview.shadowDifferencesShown;
        const [mb, held, shadow, buckets] = await Promise.all([
          getJson('api/mailboxes'), getJson('api/held'), getJson(`api/shadow?max=${shadowMax}`), getJson('api/decisions'),
        ]);
        mailboxes = mb;
        renderOverview();
        renderMailboxes();
        renderHeld(held);
        renderShadow(shadow);
        renderDecisions(buckets);
        if (shownHistoryUid) await loadHistory(shownHistoryUid);
        document.body.dataset.loaded = 'true';
        schedule();
      } catch (e) {
        say(`Could not read the runner's state: ${e.message}`, 'error');
        schedule();
      }
    };
    refreshing = (refreshing || Promise.resolve()).then(run);
    return refreshing;
  }

  function schedule() {
    clearTimeout(timer);
    const seconds = overview ? overview.refreshSeconds : 10;
    timer = setTimeout(refresh, Math.max(1, seconds) * 1000);
  }

  // ---- rendering ----------------------------------------------------------------------------------------
  function renderOverview() {
    $('as-of').textContent = utc(overview.asOf);
    $('as-of').setAttribute('datetime', overview.asOf);
    const rs = overview.activeRuleSet;
    $('ruleset-hash').textContent = rs.hash.slice(0, 12);
    $('ruleset-hash').title = rs.hash;
    $('ruleset-source').textContent = rs.source;
    $('ruleset-loaded').textContent = `${utc(rs.loadedAt)} (${ago(rs.loadedAt)})`;
    $('ruleset-loaded').setAttribute('datetime', rs.loadedAt);
    $('shadow-hash').textContent = overview.shadowRuleSetHash ? overview.shadowRuleSetHash.slice(0, 12) : 'none';
    $('shadow-hash').title = overview.shadowRuleSetHash || '';

    const reload = $('reload-error');
    if (overview.lastReloadError) {
      reload.className = 'reload-bad';
      reload.textContent = `${overview.lastReloadError.message} (${ago(overview.lastReloadError.at)}; previous rule set kept)`;
    } else {
      reload.className = '';
      reload.textContent = 'none';
    }

    const crm = $('crm-state');
    const outage = overview.crmOutage;
    crm.className = outage ? 'reload-bad' : '';
    crm.dataset.state = outage ? 'unreachable' : 'reachable';
    crm.textContent = outage
      ? `UNREACHABLE since ${utc(outage.since)} (${ago(outage.since)}; ${outage.failedPolls} cycle${outage.failedPolls === 1 ? '' : 's'} skipped, no mailbox syncs): ${outage.error}`
      : 'reachable';

    const kill = $('kill-switch');
    const ks = overview.killSwitch;
    kill.className = ks ? 'kill-on' : '';
    kill.textContent = ks ? `ON: every mailbox suspended by ${ks.by} ${ago(ks.at)}: ${ks.reason}` : 'off';
    kill.dataset.state = ks ? 'on' : 'off';

    // CRM records the mapping refused: skipped by the poll, nothing decided on them (rulesync crm check shows why).
    const quarantine = $('crm-quarantine');
    const q = overview.crmQuarantine || [];
    quarantine.className = q.length ? 'reload-bad' : '';
    quarantine.textContent = q.length ? `${q.length} record(s) skipped: ${q.join('; ')}` : 'none';

    const mode = $('mode');
    mode.hidden = overview.actionsEnabled;
    mode.textContent = overview.actionsEnabled ? '' : 'Read-only: this runner has no operator token configured, so it refuses every action.';
    for (const b of document.querySelectorAll('[data-action]')) b.disabled = !overview.actionsEnabled;
    $('suspend-all').disabled = !overview.actionsEnabled;
    $('resume-all').disabled = !overview.actionsEnabled;
    $('forget-token').hidden = !sessionStorage.getItem(TOKEN_KEY);
  }

  function visibleMailboxes() {
    const q = $('mailbox-filter').value.trim().toLowerCase();
    const state = $('state-filter').value;
    return mailboxes.filter((m) => (!state || m.state === state) && (!q ||
      [m.id, m.provider, m.state, m.lastError || '', m.suspension ? m.suspension.reason : ''].some((s) => s.toLowerCase().includes(q))));
  }

  function renderMailboxes() {
    const shown = visibleMailboxes();
    const rows = shown.map((m) => {
      const stateCell = el('td', {}, el('span', { class: `state state-${m.state}`, 'data-testid': 'mailbox-state', text: m.state }));
      if (m.suspension) {
        stateCell.append(el('span', { class: 'why', text: `${m.suspension.automatic ? 'automatically, ' : ''}by ${m.suspension.by} ${ago(m.suspension.at)}: ${m.suspension.reason}` }));
      }
      const actions = el('div', { class: 'row-actions' });
      if (m.state === 'suspended') {
        actions.append(el('button', { type: 'button', class: 'primary', 'data-action': 'resume', 'data-testid': 'resume',
          'aria-label': `Resume Synchronization for ${m.id}`, text: 'Resume Synchronization', onclick: () => resume(m.id) }));
      } else {
        actions.append(el('button', { type: 'button', class: 'danger', 'data-action': 'suspend', 'data-testid': 'suspend',
          'aria-label': `Suspend ${m.id}`, text: 'Suspend', onclick: () => suspend(m.id) }));
      }
      return el('tr', { 'data-testid': 'mailbox-row', 'data-mailbox': m.id, 'data-state': m.state },
        el('th', { scope: 'row', text: m.id }),
        el('td', { text: m.provider }),
        stateCell,
        timeCell(m.lastSyncAt, 'never'),
        el('td', { class: m.lastError ? 'error-text' : 'muted', 'data-testid': 'mailbox-error', text: m.lastError || '—' }),
        el('td', { class: 'num', text: m.pendingEffects }),
        el('td', { class: 'num', text: m.heldEffects }),
        el('td', {}, actions));
    });
    for (const row of rows) row.cells[3].dataset.testid = 'mailbox-last-sync';
    fillBody($('mailboxes'), rows, mailboxes.length ? 'No mailbox matches the filter.' : 'No mailboxes configured.');
    $('mailbox-count').textContent = `${shown.length} of ${mailboxes.length}`;
    if (overview) for (const b of $('mailboxes').querySelectorAll('[data-action]')) b.disabled = !overview.actionsEnabled;
    renderLatency(shown);
  }

  // Occurrences of a recurring series (one CRM record each) are listed together under their series, by original
  // start, where the series' first held occurrence would stand; single meetings keep their place.
  function groupBySeries(held) {
    const series = new Map();
    for (const h of held) if (h.seriesUid) (series.get(h.seriesUid) || series.set(h.seriesUid, []).get(h.seriesUid)).push(h);
    const out = [];
    for (const h of held) {
      if (!h.seriesUid) { out.push({ held: h }); continue; }
      const group = series.get(h.seriesUid);
      if (!group) continue;
      series.delete(h.seriesUid);
      group.sort((a, b) => String(a.originalStart).localeCompare(String(b.originalStart)));
      out.push({ series: h.seriesUid, subject: group[0].meetingSubject, count: group.length });
      for (const o of group) out.push({ held: o });
    }
    return out;
  }

  function renderHeld(held) {
    $('held-count').textContent = `(${held.length})`;
    const cols = $('held').tHead.rows[0].cells.length;
    const rows = groupBySeries(held).map((x) => x.series
      ? el('tr', { 'data-testid': 'series-group', 'data-series': x.series, class: 'series-group' },
        el('th', { scope: 'rowgroup', colspan: cols, text: `Series "${x.subject}": ${x.count} occurrence${x.count === 1 ? '' : 's'} held (one CRM record each)` }))
      : heldRow(x.held));
    fillBody($('held'), rows, 'Nothing is held.');
  }

  function heldRow(h) {
    return el('tr', { 'data-testid': 'held-row', 'data-held': h.id, 'data-meeting': h.meetingUid, 'data-series': h.seriesUid, class: h.seriesUid ? 'occurrence' : null },
      el('td', {}, meetingButton(h.meetingUid, h.meetingSubject),
        h.seriesUid ? el('span', { class: 'why', 'data-testid': 'held-occurrence', text: `occurrence of ${utc(h.originalStart)}` }) : null,
        h.meetingStart ? el('span', { class: 'why', 'data-testid': 'held-meeting-when', text: `${utc(h.meetingStart)}, organizer ${h.meetingOrganizer || 'unknown'}` }) : null),
      el('td', { text: h.mailboxId }),
      el('td', {}, el('code', { text: h.rule })),
      el('td', {}, decision(h.decision)),
      el('td', { text: h.effect }),
      timeCell(h.heldAt),
      el('td', { text: h.whyHeld }),
      el('td', {}, el('div', { class: 'row-actions' },
        el('button', { type: 'button', class: 'primary', 'data-action': 'approve', 'data-testid': 'approve',
          'aria-label': `Approve: ${h.effect}`, text: 'Approve', disabled: overview && !overview.actionsEnabled, onclick: () => approve(h) }),
        el('button', { type: 'button', 'data-action': 'discard', 'data-testid': 'discard',
          'aria-label': `Discard: ${h.effect}`, text: 'Discard', disabled: overview && !overview.actionsEnabled, onclick: () => discard(h) }))));
  }

  function renderShadow(diffs) {
    $('shadow-count').textContent = overview.shadowRuleSetHash ? `(${diffs.length})` : '(no shadow rule set)';
    const rows = diffs.map((d) => el('tr', { 'data-testid': 'shadow-row' },
      timeCell(d.at),
      el('td', { text: d.mailboxId || 'CRM' }),
      el('td', {}, meetingButton(d.meetingUid, d.meetingSubject)),
      el('td', {}, decision(d.liveDecision), ' ', el('code', { text: d.liveRule })),
      el('td', {}, decision(d.shadowDecision), ' ', el('code', { text: d.shadowRule }))));
    fillBody($('shadow'), rows, overview.shadowRuleSetHash ? 'The shadow rule set agrees so far.' : 'No shadow rule set is running.');
  }

  async function loadHistory(uid) {
    const entries = await getJson(`api/meetings/${encodeURIComponent(uid)}/history`);
    shownHistoryUid = uid;
    $('history-summary').textContent = entries.length
      ? `${entries.length} decision${entries.length === 1 ? '' : 's'} about ${uid}, oldest first.`
      : `The journal has no decision about ${uid}.`;
    const rows = entries.map((e) => el('tr', { 'data-testid': 'history-row' },
      el('td', { class: 'nowrap', text: utc(e.at) }),
      el('td', { text: e.mailboxId || 'CRM change feed' }),
      el('td', { text: e.observed }),
      el('td', {}, el('ul', { class: 'plain fact-list' }, ...Object.entries(e.facts).map(([k, v]) => el('li', {}, el('code', { text: `${k}=${v}` }))))),
      el('td', {}, el('code', { text: e.rule, title: `rule set ${e.ruleSetHash}` })),
      el('td', {}, decision(e.decision)),
      el('td', {}, el('ul', { class: 'plain' }, ...e.effects.map((f) => el('li', {}, f.effect, el('span', { class: `status status-${f.status}`, text: f.status })))))));
    fillBody($('history'), rows, 'No decisions.');
  }

  async function showHistory(uid) {
    $('history-uid').value = uid;
    try {
      await loadHistory(uid);
      $('history-title').scrollIntoView({ block: 'start' });
    } catch (e) {
      say(`Could not read the history of ${uid}: ${e.message}`, 'error');
    }
  }

  // ---- charts -------------------------------------------------------------------------------------------
  function niceMax(value) {
    if (value <= 0) return 1;
    const pow = Math.pow(10, Math.floor(Math.log10(value)));
    for (const step of [1, 2, 2.5, 5, 10]) if (step * pow >= value) return step * pow;
    return 10 * pow;
  }

  function renderDecisions(buckets) {
    const chart = $('decisions-chart');
    const W = 640, H = 240, left = 40, right = 8, top = 10, bottom = 28;
    const plotW = W - left - right, plotH = H - top - bottom;
    chart.replaceChildren();
    const totals = buckets.map((b) => KINDS.reduce((s, k) => s + b[k], 0));
    const max = niceMax(Math.max(0, ...totals));
    for (const f of [0, 0.5, 1]) {
      const y = top + plotH - f * plotH;
      chart.append(svg('line', { class: f === 0 ? 'axis' : 'grid', x1: left, x2: W - right, y1: y, y2: y }));
      chart.append(svg('text', { x: left - 6, y: y + 4, 'text-anchor': 'end' }, String(Math.round(f * max * 10) / 10)));
    }
    if (!buckets.length) {
      chart.append(svg('text', { x: left + plotW / 2, y: top + plotH / 2, 'text-anchor': 'middle' }, 'No decisions yet.'));
    }
    const slot = buckets.length ? plotW / buckets.length : plotW;
    const barW = Math.max(1, slot * 0.75);
    const labelEvery = Math.max(1, Math.ceil(buckets.length / 8));
    buckets.forEach((b, i) => {
      const x = left + i * slot + (slot - barW) / 2;
      let y = top + plotH;
      const g = svg('g', { 'data-testid': 'decision-bar', 'data-start': b.start });
      for (const k of KINDS) {
        if (!b[k]) continue;
        const h = (b[k] / max) * plotH;
        y -= h;
        const rect = svg('rect', { class: `k-${k}`, x: x.toFixed(1), y: y.toFixed(1), width: barW.toFixed(1), height: h.toFixed(1), 'data-kind': k, 'data-count': b[k] });
        rect.append(svg('title', {}, `${utc(b.start)}–${utc(b.end).slice(11)}: ${b[k]} ${k}`));
        g.append(rect);
      }
      chart.append(g);
      if (i % labelEvery === 0) {
        chart.append(svg('text', { x: (x + barW / 2).toFixed(1), y: H - 10, 'text-anchor': 'middle' }, utc(b.start).slice(11, 16)));
      }
    });
    const legend = $('decisions-legend');
    legend.replaceChildren(...KINDS.map((k) => {
      const total = buckets.reduce((s, b) => s + b[k], 0);
      return el('li', {}, el('span', { class: `swatch k-${k}`, 'aria-hidden': 'true' }), `${k} ${total}`);
    }));
  }

  function median(values) {
    const s = [...values].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  }

  function renderLatency(shown) {
    const chart = $('latency-chart');
    const rowH = 22, left = 190, right = 70, top = 6, bottom = 24, W = 640;
    const rows = shown.filter((m) => m.recentSyncLatencies.length);
    const H = top + bottom + Math.max(1, rows.length) * rowH;
    chart.setAttribute('viewBox', `0 0 ${W} ${H}`);
    chart.replaceChildren();
    const plotW = W - left - right;
    const max = niceMax(Math.max(0, ...rows.flatMap((m) => m.recentSyncLatencies.map((s) => s.duration))));
    for (const f of [0, 0.5, 1]) {
      const x = left + f * plotW;
      chart.append(svg('line', { class: f === 0 ? 'axis' : 'grid', x1: x, x2: x, y1: top, y2: H - bottom }));
      chart.append(svg('text', { x, y: H - 8, 'text-anchor': 'middle' }, ms(f * max)));
    }
    if (!rows.length) {
      chart.append(svg('text', { x: left + plotW / 2, y: top + rowH / 2 + 4, 'text-anchor': 'middle' }, 'No sync cycles recorded.'));
    }
    rows.forEach((m, i) => {
      const d = m.recentSyncLatencies.map((s) => s.duration);
      const med = median(d), worst = Math.max(...d);
      const y = top + i * rowH;
      const g = svg('g', { 'data-testid': 'latency-row', 'data-mailbox': m.id });
      const name = m.id.length > 28 ? `${m.id.slice(0, 27)}…` : m.id;
      g.append(svg('text', { class: 'label', x: left - 6, y: y + rowH / 2 + 4, 'text-anchor': 'end' }, name));
      const bar = svg('rect', { class: `lat-${m.state}`, x: left, y: y + 4, height: rowH - 8, width: Math.max(1, (med / max) * plotW).toFixed(1) });
      bar.append(svg('title', {}, `${m.id}: median ${ms(med)}, slowest ${ms(worst)} over ${d.length} cycles`));
      g.append(bar);
      const wx = (left + (worst / max) * plotW).toFixed(1);
      g.append(svg('line', { class: 'bar-max', x1: wx, x2: wx, y1: y + 3, y2: y + rowH - 3 }));
      g.append(svg('text', { x: W - right + 6, y: y + rowH / 2 + 4 }, ms(med)));
      chart.append(g);
    });
  }

  // ---- actions ------------------------------------------------------------------------------------------
  let answer = null;

  function ask(title, what, needsReason) {
    const dialog = $('action-dialog');
    const known = sessionStorage.getItem(TOKEN_KEY);
    const name = sessionStorage.getItem(NAME_KEY) || '';
    $('action-title').textContent = title;
    $('action-what').textContent = what;
    $('reason-field').hidden = !needsReason;
    $('action-reason').required = needsReason;
    $('action-reason').value = '';
    $('identity-fields').hidden = !!known;
    $('operator-name').required = !known;
    $('operator-name').value = name;
    $('operator-token').value = '';
    $('identity-known').hidden = !known;
    $('identity-known').textContent = known ? `Acting as ${name} with the operator token of this tab.` : '';
    dialog.showModal();
    (needsReason ? $('action-reason') : known ? $('action-confirm') : name ? $('operator-token') : $('operator-name')).focus();
    return new Promise((resolve) => { answer = resolve; });
  }

  function answerDialog(value) {
    const resolve = answer;
    answer = null;
    $('action-dialog').close();
    if (resolve) resolve(value);
  }

  $('action-form').addEventListener('submit', (event) => {
    event.preventDefault();
    let token = sessionStorage.getItem(TOKEN_KEY);
    let name = sessionStorage.getItem(NAME_KEY) || '';
    if (!token) {
      name = $('operator-name').value.trim();
      token = $('operator-token').value.trim();
      sessionStorage.setItem(NAME_KEY, name);
      if (token) sessionStorage.setItem(TOKEN_KEY, token);
    }
    answerDialog({ name, token, reason: $('action-reason').value.trim() });
  });
  $('action-cancel').addEventListener('click', () => answerDialog(null));
  $('action-dialog').addEventListener('cancel', (event) => { event.preventDefault(); answerDialog(null); });

  async function act(title, what, path, needsReason) {
    const input = await ask(title, what, needsReason);
    if (!input) return;
    const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (input.token) headers.Authorization = `Bearer ${input.token}`;
    const body = { operator: input.name };
    if (needsReason) body.reason = input.reason;
    say(`${title}…`, null);
    try {
      const response = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body), cache: 'no-store' });
      if (response.ok) {
        say((await response.json()).message, 'ok');
      } else {
        if (response.status === 401) sessionStorage.removeItem(TOKEN_KEY);
        say(await errorOf(response), 'refused');
      }
    } catch (e) {
      say(`The runner did not answer: ${e.message}`, 'error');
    }
    await refresh();
  }

  const mailboxPath = (id, verb) => `api/mailboxes/${encodeURIComponent(id)}/${verb}`;
  const heldPath = (id, verb) => `api/held/${encodeURIComponent(id)}/${verb}`;
  const suspend = (id) => act(`Suspend ${id}`, 'It stops syncing and keeps its place; Resume continues from there.', mailboxPath(id, 'suspend'), true);
  const resume = (id) => act(`Resume Synchronization for ${id}`, 'It continues from where it stopped and settles pending changes.', mailboxPath(id, 'resume'), false);
  const approve = (h) => act(`Approve: ${h.decision} "${h.meetingSubject}"`, `${h.effect} (rule ${h.rule}).`, heldPath(h.id, 'approve'), false);
  const discard = (h) => act(`Discard: ${h.decision} "${h.meetingSubject}"`, `${h.effect} will never be carried out.`, heldPath(h.id, 'discard'), false);

  $('suspend-all').addEventListener('click', () => act('Suspend all mailboxes (kill switch)', 'Every mailbox stops syncing and keeps its place.', 'api/suspend-all', true));
  $('resume-all').addEventListener('click', () => act('Resume all (release the kill switch)', 'Mailboxes continue from where they stopped; mailboxes suspended one by one stay suspended.', 'api/resume-all', false));
  $('refresh').addEventListener('click', () => refresh());
  $('forget-token').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    $('forget-token').hidden = true;
    say('The operator token is forgotten; the next action asks for it again.', 'ok');
  });
  $('mailbox-filter').addEventListener('input', renderMailboxes);
  $('state-filter').addEventListener('change', renderMailboxes);
  $('history-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const uid = $('history-uid').value.trim();
    if (uid) showHistory(uid);
  });

  refresh();
})();
