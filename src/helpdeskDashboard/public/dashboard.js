// The helpdesk dashboard: fetches the report for the chosen days and draws it with Chart.js.
// Every text from the server goes in through textContent, never as markup.
(function () {
  'use strict';
  var COLORS = { resolved: '#2e7d32', escalated: '#0b5cad', abandoned: '#b26a00', open: '#0b5cad', closed: '#9aa4ae', yes: '#2e7d32', no: '#b42318' };
  var status = document.getElementById('status');
  var from = document.getElementById('from').value;
  var to = document.getElementById('to').value;

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  /** A table: header labels, then rows; cells that are numbers are right-aligned. */
  function fillTable(id, headers, rows) {
    var table = document.getElementById(id + '-table');
    var head = el('thead');
    var tr = el('tr');
    headers.forEach(function (h, i) {
      var th = el('th', h, i > 0 ? 'num' : undefined);
      th.scope = 'col';
      tr.appendChild(th);
    });
    head.appendChild(tr);
    var body = el('tbody');
    if (rows.length === 0) {
      var empty = el('tr');
      var cell = el('td', 'この期間のデータはありません。');
      cell.colSpan = headers.length;
      empty.appendChild(cell);
      body.appendChild(empty);
    }
    rows.forEach(function (row) {
      var r = el('tr');
      row.forEach(function (value, i) {
        r.appendChild(el(i === 0 ? 'th' : 'td', value, i === 0 ? 'text' : typeof value === 'number' ? 'num' : undefined));
      });
      body.appendChild(r);
    });
    table.appendChild(head);
    table.appendChild(body);
  }

  function draw(id, type, labels, datasets, options, plugins) {
    return new window.Chart(document.getElementById(id + '-chart'), {
      type: type,
      data: { labels: labels, datasets: datasets },
      options: Object.assign({ responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { position: 'bottom' } } }, options || {}),
      plugins: plugins || [],
    });
  }

  /** Shades the hours [open, close) of an hour-of-day chart behind its bars, labelled 受付時間. */
  function businessHoursBand(open, close) {
    return {
      id: 'businessHours',
      beforeDatasetsDraw: function (chart) {
        var x = chart.scales.x;
        var area = chart.chartArea;
        var step = x.getPixelForValue(1) - x.getPixelForValue(0);
        var left = x.getPixelForValue(open) - step / 2;
        var right = x.getPixelForValue(close - 1) + step / 2;
        var ctx = chart.ctx;
        ctx.save();
        ctx.fillStyle = 'rgba(11, 92, 173, 0.08)';
        ctx.fillRect(left, area.top, right - left, area.bottom - area.top);
        ctx.fillStyle = '#0b5cad';
        ctx.font = '12px sans-serif';
        ctx.textAlign = 'center';
        ctx.textBaseline = 'top';
        ctx.fillText('受付時間', (left + right) / 2, area.top + 2);
        ctx.restore();
      },
    };
  }

  var stacked = { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } };
  var horizontalStacked = { indexAxis: 'y', scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } } };
  var percent = function (rate) { return rate === null ? '—' : (rate * 100).toFixed(1) + '%'; };
  var minutes = function (m) { return m === null ? '—' : m + ' 分'; };
  var short = function (text) { return text.length > 24 ? text.slice(0, 23) + '…' : text; };

  function render(data) {
    var r = data.report;
    var title = function (id) { return data.entryTitles[id] || id; };
    var topic = function (t) { return data.topicNames[t] || t; };
    var summary = document.getElementById('summary');
    [
      ['会話', r.summary.conversations, 'conversations'],
      ['ボットで解決', r.summary.resolved, 'resolved'],
      ['担当者へ引き継ぎ', r.summary.escalated, 'escalated'],
      ['放棄', r.summary.abandoned, 'abandoned'],
      ['ボットでの解決率', percent(r.containmentRate), 'containment'],
    ].forEach(function (f) {
      var box = el('div', undefined, 'figure');
      box.dataset.figure = f[2];
      box.appendChild(el('div', f[0]));
      box.appendChild(el('div', f[1], 'value'));
      summary.appendChild(box);
    });

    var days = r.daily.map(function (d) { return d.day.slice(5).replace('-', '/'); });
    draw('daily', 'bar', days, [
      { label: 'ボットで解決', data: r.daily.map(function (d) { return d.resolved; }), backgroundColor: COLORS.resolved },
      { label: '担当者へ引き継ぎ', data: r.daily.map(function (d) { return d.escalated; }), backgroundColor: COLORS.escalated },
      { label: '放棄', data: r.daily.map(function (d) { return d.abandoned; }), backgroundColor: COLORS.abandoned },
    ], stacked);
    fillTable('daily', ['日付', 'ボットで解決', '担当者へ引き継ぎ', '放棄'], r.daily.map(function (d) { return [d.day, d.resolved, d.escalated, d.abandoned]; }));

    draw('topics', 'bar', r.topics.map(function (t) { return topic(t.topic); }), [
      { label: 'ボットで解決', data: r.topics.map(function (t) { return t.resolved; }), backgroundColor: COLORS.resolved },
      { label: '担当者へ引き継ぎ', data: r.topics.map(function (t) { return t.escalated; }), backgroundColor: COLORS.escalated },
      { label: '放棄', data: r.topics.map(function (t) { return t.abandoned; }), backgroundColor: COLORS.abandoned },
    ], stacked);
    fillTable('topics', ['話題', '会話', 'ボットで解決', '担当者へ引き継ぎ', '放棄'], r.topics.map(function (t) { return [topic(t.topic), t.conversations, t.resolved, t.escalated, t.abandoned]; }));

    draw('sections', 'bar', r.shownEntries.map(function (e) { return short(title(e.entryId)); }), [
      { label: '案内した回数', data: r.shownEntries.map(function (e) { return e.shown; }), backgroundColor: COLORS.open },
    ], { indexAxis: 'y', scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } });
    fillTable('sections', ['ガイドの項目', '案内した回数'], r.shownEntries.map(function (e) { return [title(e.entryId), e.shown]; }));

    draw('feedback', 'bar', r.entries.map(function (e) { return short(title(e.entryId)); }), [
      { label: 'はい', data: r.entries.map(function (e) { return e.solved; }), backgroundColor: COLORS.yes },
      { label: 'いいえ', data: r.entries.map(function (e) { return e.unsolved; }), backgroundColor: COLORS.no },
    ], horizontalStacked);
    fillTable('feedback', ['ガイドの項目', 'はい', 'いいえ', '案内した回数'], r.entries.map(function (e) { return [title(e.entryId), e.solved, e.unsolved, e.shown]; }));

    var hours = data.businessHours;
    var open = function (h) { return h >= hours.open && h < hours.close; };
    var hourLabels = r.handoffs.byHour.map(function (_n, h) { return h + '時'; });
    document.getElementById('hours-note').textContent = '電話の' + hours.text + '。受付時間の時間帯に色を付けています。';
    draw('hours', 'bar', hourLabels, [
      { label: '受付時間内', data: r.handoffs.byHour.map(function (n, h) { return open(h) ? n : 0; }), backgroundColor: COLORS.open },
      { label: '受付時間外', data: r.handoffs.byHour.map(function (n, h) { return open(h) ? 0 : n; }), backgroundColor: COLORS.closed },
    ], stacked, [businessHoursBand(hours.open, hours.close)]);
    fillTable('hours', ['時間帯', '引き継ぎ'], r.handoffs.byHour.map(function (n, h) { return [h + '時台' + (open(h) ? '（受付時間内）' : ''), n]; }));

    var t = r.handoffs;
    fillTable('times', ['', '件数', '中央値', '90パーセンタイル'], [
      ['受付（担当者が対応を始める）まで', t.timeToTake.count, minutes(t.timeToTake.medianMinutes), minutes(t.timeToTake.p90Minutes)],
      ['解決まで', t.timeToResolve.count, minutes(t.timeToResolve.medianMinutes), minutes(t.timeToResolve.p90Minutes)],
    ]);
    fillTable('unanswered', ['質問', '件数'], r.unanswered.map(function (q) { return [q.question, q.count]; }));

    status.textContent = r.from + ' ～ ' + r.to + '（' + r.days + '日間）の集計です。';
    document.body.dataset.state = 'ready';
  }

  function fail(message) {
    status.textContent = message;
    status.classList.add('problem');
    document.body.dataset.state = 'failed';
  }

  fetch('/helpdesk/api/dashboard?from=' + encodeURIComponent(from) + '&to=' + encodeURIComponent(to), { headers: { accept: 'application/json' } })
    .then(function (res) {
      if (res.status === 401) {
        window.location.href = '/helpdesk/signin?next=' + encodeURIComponent(window.location.pathname + window.location.search);
        return undefined;
      }
      return res.json().then(function (body) {
        if (!res.ok) throw new Error(body.error || 'HTTP ' + res.status);
        return body;
      });
    })
    .then(function (data) {
      if (data) render(data);
    })
    .catch(function (err) {
      fail('集計を読み込めませんでした：' + err.message);
    });
})();
