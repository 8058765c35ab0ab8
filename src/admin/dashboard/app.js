// The Helios dashboard's script (index.html): asks this node for GET /cluster once a second
// (cluster_view.h has the JSON), fills the members table, and keeps the last five minutes of
// cluster-wide rates and latencies in memory for four plain SVG charts. No library, no
// request to any other origin or node.
'use strict';

(() => {
  const POLL_MS = 1000;
  const TIMEOUT_MS = 5000;
  const WINDOW_MS = 5 * 60 * 1000;
  const GAP_MS = 3500;  // a longer gap between two points breaks the line

  // The client commands that count as writes and reads: the command table's "write" and
  // "readonly" commands (src/api/command_table.cc), and EXEC (one log entry); the unit test
  // tests/unit/admin/dashboard_test.cc checks these lists against the table.
  const WRITE_COMMANDS = [
    'append', 'blmove', 'blmpop', 'blpop', 'brpop', 'brpoplpush', 'bzmpop', 'bzpopmax',
    'bzpopmin', 'copy', 'decr', 'decrby', 'del', 'exec', 'expire', 'expireat', 'flushall',
    'flushdb', 'getdel', 'getex', 'getset', 'hdel', 'hincrby', 'hincrbyfloat', 'hmset', 'hset',
    'hsetnx', 'incr', 'incrby', 'incrbyfloat', 'linsert', 'lmove', 'lmpop', 'lpop', 'lpush',
    'lpushx', 'lrem', 'lset', 'ltrim', 'mset', 'msetnx', 'persist', 'pexpire', 'pexpireat',
    'psetex', 'rename', 'renamenx', 'rpop', 'rpoplpush', 'rpush', 'rpushx', 'sadd',
    'sdiffstore', 'set', 'setex', 'setnx', 'setrange', 'sinterstore', 'smove', 'spop', 'srem',
    'sunionstore', 'unlink', 'zadd', 'zdiffstore', 'zincrby', 'zinterstore', 'zmpop', 'zpopmax',
    'zpopmin', 'zrangestore', 'zrem', 'zremrangebylex', 'zremrangebyrank', 'zremrangebyscore',
    'zunionstore',
  ];
  const READ_COMMANDS = [
    'dbsize', 'exists', 'expiretime', 'get', 'getrange', 'hexists', 'hget', 'hgetall', 'hkeys',
    'hlen', 'hmget', 'hrandfield', 'hscan', 'hstrlen', 'hvals', 'keys', 'lindex', 'llen',
    'lpos', 'lrange', 'mget', 'object', 'pexpiretime', 'pttl', 'randomkey', 'scan', 'scard',
    'sdiff', 'sinter', 'sintercard', 'sismember', 'smembers', 'smismember', 'srandmember',
    'sscan', 'strlen', 'substr', 'sunion', 'touch', 'ttl', 'type', 'zcard', 'zcount', 'zdiff',
    'zinter', 'zlexcount', 'zmscore', 'zrandmember', 'zrange', 'zrangebylex', 'zrangebyscore',
    'zrank', 'zrevrange', 'zrevrangebylex', 'zrevrangebyscore', 'zrevrank', 'zscan', 'zscore',
    'zunion',
  ];
  const WRITES = new Set(WRITE_COMMANDS);
  const READS = new Set(READ_COMMANDS);

  const $ = (id) => document.getElementById(id);
  const SVG = 'http://www.w3.org/2000/svg';

  // --- history -----------------------------------------------------------------------------

  // One point a second: {t (unix ms), writes, reads, commitP50, commitP99, fsyncP50,
  // fsyncP99}; null where nothing happened (no commit in that second) or nothing is known.
  const points = [];
  let previous = null;  // {time, members: Map id -> {uptime, metrics}}

  const delta = (now, before) => (now >= before ? now - before : now);  // a restart resets

  function sameBounds(a, b) {
    return a.le.length === b.le.length && a.le.every((v, i) => v === b.le[i]);
  }

  // What a histogram recorded between two summaries (before may be null: a new node).
  function histogramDelta(now, before) {
    if (!now) return null;
    if (!before || !sameBounds(now, before) || now.count < before.count) {
      return before ? null : {le: now.le, cumulative: now.cumulative.slice(), count: now.count};
    }
    return {
      le: now.le,
      cumulative: now.cumulative.map((v, i) => Math.max(0, v - before.cumulative[i])),
      count: now.count - before.count,
    };
  }

  function addHistogram(sum, h) {
    if (!h) return sum;
    if (!sum) return {le: h.le, cumulative: h.cumulative.slice(), count: h.count};
    if (!sameBounds(sum, h)) return sum;
    h.cumulative.forEach((v, i) => { sum.cumulative[i] += v; });
    sum.count += h.count;
    return sum;
  }

  // The q-quantile of a histogram in ms, interpolated within its bucket (null: no events).
  function quantile(h, q) {
    if (!h || h.count <= 0) return null;
    const target = q * h.count;
    let lower = 0;
    let below = 0;
    for (let i = 0; i < h.le.length; i++) {
      const upper = h.le[i];
      const at = h.cumulative[i];
      if (at >= target) {
        const fraction = at > below ? (target - below) / (at - below) : 1;
        return 1000 * (lower + (upper - lower) * fraction);
      }
      lower = upper;
      below = at;
    }
    return 1000 * lower;  // above the last finite bucket: its bound, a floor
  }

  function ingest(cluster) {
    const now = cluster.time_ms;
    const members = new Map();
    for (const m of cluster.members) {
      if (m.metrics && m.status) {
        members.set(m.id, {uptime: m.status.uptime_ms, metrics: m.metrics});
      }
    }
    if (previous && now > previous.time) {
      const seconds = (now - previous.time) / 1000;
      let writes = 0;
      let reads = 0;
      let commit = null;
      let fsync = null;
      let seen = 0;
      for (const [id, m] of members) {
        const before = previous.members.get(id);
        if (!before) continue;  // no earlier figure: next second
        const restarted = m.uptime < before.uptime;
        const was = restarted ? {commands: {}} : before.metrics;
        seen++;
        for (const [cmd, n] of Object.entries(m.metrics.commands || {})) {
          const d = delta(n, (was.commands || {})[cmd] || 0);
          if (WRITES.has(cmd)) writes += d;
          else if (READS.has(cmd)) reads += d;
        }
        commit = addHistogram(commit, histogramDelta(m.metrics.commit_seconds,
                                                     was.commit_seconds));
        fsync = addHistogram(fsync, histogramDelta(m.metrics.fsync_seconds, was.fsync_seconds));
      }
      if (seen > 0) {
        points.push({
          t: now,
          writes: writes / seconds,
          reads: reads / seconds,
          commitP50: quantile(commit, 0.5),
          commitP99: quantile(commit, 0.99),
          fsyncP50: quantile(fsync, 0.5),
          fsyncP99: quantile(fsync, 0.99),
        });
      }
    }
    previous = {time: now, members};
    while (points.length && points[0].t < now - WINDOW_MS) points.shift();
  }

  // --- formatting --------------------------------------------------------------------------

  function rate(v) {
    if (v === null || v === undefined) return '\u2014';
    if (v >= 10000) return (v / 1000).toFixed(0) + 'k';
    if (v >= 1000) return (v / 1000).toFixed(1) + 'k';
    return v >= 10 ? v.toFixed(0) : v.toFixed(1);
  }

  function ms(v) {
    if (v === null || v === undefined) return '\u2014';
    if (v >= 100) return v.toFixed(0);
    if (v >= 10) return v.toFixed(1);
    return v.toFixed(2);
  }

  function ago(thenMs, nowMs) {
    const s = Math.max(0, Math.round((nowMs - thenMs) / 1000));
    if (s < 60) return s + ' s ago';
    if (s < 3600) return Math.round(s / 60) + ' min ago';
    if (s < 86400) return (s / 3600).toFixed(1) + ' h ago';
    return Math.round(s / 86400) + ' d ago';
  }

  const count = (n) => (n === null || n === undefined ? '\u2014' : Number(n).toLocaleString());

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v;
      else if (k.startsWith('data-')) e.setAttribute(k, v);
      else e[k] = v;
    }
    for (const c of children) {
      if (c !== null && c !== undefined) e.append(c);
    }
    return e;
  }

  // --- the members table -------------------------------------------------------------------

  function leaderOf(cluster) {
    let best = null;
    for (const m of cluster.members) {
      const s = m.status;
      if (s && s.state === 'Leader' && (!best || s.term > best.status.term)) best = m;
    }
    return best;
  }

  function linksCell(m) {
    const s = m.status;
    if (s) {
      const peers = s.peers || [];
      const up = peers.filter((p) => p.connected).length;
      const down = peers.filter((p) => !p.connected).map((p) => p.name);
      return el('span', {class: up === peers.length ? 'ok' : 'bad',
                         title: down.length ? 'not connected to ' + down.join(', ') : ''},
                up + '/' + peers.length + ' up',
                down.length ? el('span', {class: 'sub'}, 'down: ' + down.join(', ')) : null);
    }
    if (m.link) {
      return el('span', {class: m.link.connected ? 'ok' : 'bad'},
                'peer link ' + (m.link.connected ? 'up' : 'down'));
    }
    return '\u2014';
  }

  function snapshotCell(m, now) {
    const snap = m.status && m.status.snapshot;
    if (!snap) return '\u2014';
    if (!snap.index) return snap.in_progress ? 'taking the first\u2026' : 'none';
    const when = snap.time_ms > 0 ? ago(snap.time_ms, now) : 'before the last start';
    return el('span', {}, '#' + count(snap.index),
              el('span', {class: 'sub'}, snap.in_progress ? 'taking one now' : when));
  }

  function row(m, leaderId, now) {
    const s = m.status;
    const isLeader = s && s.state === 'Leader' && m.id === leaderId;
    const classes = [isLeader ? 'leader' : '', s ? '' : 'down', m.self ? 'self' : ''];
    const name = el('td', {'data-label': 'Member'}, el('strong', {}, m.name),
                    el('span', {class: 'sub'},
                       [m.self ? 'this node' : '', m.kind !== 'voter' ? m.kind : '',
                        m.admin || 'admin address unknown'].filter(Boolean).join(' \u00b7 ')));
    const role = el('td', {'data-label': 'Role'},
                    s ? (isLeader ? el('span', {class: 'badge leader'}, '\u2605 Leader')
                                  : s.state)
                      : el('span', {title: m.error || ''}, 'unreachable',
                           el('span', {class: 'sub'}, m.error || '')));
    const num = (label, v) => el('td', {class: 'num', 'data-label': label}, count(v));
    return el('tr', {class: classes.filter(Boolean).join(' '), 'data-id': String(m.id),
                     'data-state': s ? s.state : 'unreachable'},
              name, role,
              num('Term', s ? s.term : null),
              num('Commit', s ? s.commit_index : null),
              num('Applied', s ? s.last_applied : null),
              num('Lag', m.lag),
              el('td', {'data-label': 'Links'}, linksCell(m)),
              el('td', {'data-label': 'Last snapshot'}, snapshotCell(m, now)));
  }

  function renderMembers(cluster) {
    const leader = leaderOf(cluster);
    const rows = cluster.members.map((m) => row(m, leader ? leader.id : null, cluster.time_ms));
    document.querySelector('#members tbody').replaceChildren(...rows);
    const answering = cluster.members.filter((m) => m.status).length;
    $('cluster-id').textContent = cluster.cluster_id ? '\u00b7 ' + cluster.cluster_id : '';
    $('leader').textContent = leader ? leader.name : 'none';
    $('leader').className = leader ? 'ok' : 'bad';
    $('term').textContent = count(leader ? leader.status.term : cluster.term);
    $('reachable').textContent = answering + ' of ' + cluster.members.length;
    $('reachable').className = answering === cluster.members.length ? '' : 'bad';
    $('served-by').textContent = cluster.name;
    document.title = (leader ? leader.name + ' leads' : 'no leader') + ' \u00b7 Helios';
  }

  // --- charts ------------------------------------------------------------------------------

  const CHARTS = {
    writes: {lines: [['writes', 'rate']], format: rate},
    reads: {lines: [['reads', 'rate']], format: rate},
    commit: {lines: [['commitP50', 'p50'], ['commitP99', 'p99']], format: ms},
    fsync: {lines: [['fsyncP50', 'p50'], ['fsyncP99', 'p99']], format: ms},
  };

  // An axis label: at most three significant digits.
  function tick(v) {
    if (v >= 1000) return Number((v / 1000).toPrecision(3)) + 'k';
    return String(Number(v.toPrecision(3)));
  }

  function niceMax(v) {
    if (!(v > 0)) return 1;
    const step = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 4, 6, 8, 10]) {  // quarters of these read well
      if (m * step >= v) return m * step;
    }
    return 10 * step;
  }

  function svgEl(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function drawChart(svg, spec, now) {
    const width = Math.max(200, svg.clientWidth || 300);
    const height = Math.max(100, svg.clientHeight || 160);
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    const left = 46;
    const right = 6;
    const top = 6;
    const bottom = 18;
    const t0 = now - WINDOW_MS;
    const x = (t) => left + ((t - t0) / WINDOW_MS) * (width - left - right);
    let max = 0;
    let shown = 0;
    for (const p of points) {
      for (const [key] of spec.lines) {
        if (p[key] !== null) {
          max = Math.max(max, p[key]);
        }
      }
      if (p[spec.lines[0][0]] !== null) shown++;
    }
    max = niceMax(max);
    const y = (v) => height - bottom - (v / max) * (height - top - bottom);
    const parts = [];
    for (let i = 0; i <= 4; i++) {
      const v = (max * i) / 4;
      parts.push(svgEl('line', {class: 'grid', x1: left, x2: width - right, y1: y(v), y2: y(v)}));
      parts.push(svgEl('text', {x: left - 5, y: y(v) + 4, 'text-anchor': 'end'}, tick(v)));
    }
    for (let m = 5; m >= 0; m--) {
      const t = now - m * 60000;
      parts.push(svgEl('text', {x: x(t), y: height - 3,
                                'text-anchor': m === 5 ? 'start' : m === 0 ? 'end' : 'middle'},
                       m === 0 ? 'now' : `\u2212${m}m`));
    }
    for (const [key, cls] of spec.lines) {
      let d = '';
      let last = null;
      for (const p of points) {
        const v = p[key];
        if (v === null) {
          last = null;
          continue;
        }
        const cmd = last === null || p.t - last > GAP_MS ? 'M' : 'L';
        d += `${cmd}${x(p.t).toFixed(1)},${y(Math.min(v, max)).toFixed(1)}`;
        last = p.t;
      }
      if (d) parts.push(svgEl('path', {class: `line ${cls}`, d}));
    }
    if (shown === 0) {
      parts.push(svgEl('text', {class: 'empty', x: (left + width) / 2, y: height / 2,
                                'text-anchor': 'middle'}, 'no data yet'));
    }
    svg.replaceChildren(...parts);
    svg.setAttribute('data-points', String(shown));
  }

  function renderCharts(now) {
    const last = points.length ? points[points.length - 1] : null;
    for (const [name, spec] of Object.entries(CHARTS)) {
      const svg = document.querySelector(`svg[data-chart="${name}"]`);
      drawChart(svg, spec, now);
      const figure = svg.closest('figure');
      const values = spec.lines.map(([key]) => spec.format(last ? last[key] : null));
      figure.querySelector('[data-now]').textContent =
          spec.lines.length > 1 ? values.join(' / ') : values[0];
    }
  }

  // --- polling -----------------------------------------------------------------------------

  let latest = null;  // the last /cluster answer
  let lastOk = 0;

  function showConnection(ok, text) {
    const c = $('connection');
    c.textContent = text;
    c.classList.toggle('stale', !ok);
  }

  async function poll() {
    const started = Date.now();
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
    try {
      const res = await fetch('/cluster', {cache: 'no-store', signal: abort.signal});
      const body = await res.json();
      if (!res.ok) throw new Error(body.error || 'HTTP ' + res.status);
      latest = body;
      lastOk = Date.now();
      ingest(body);
      renderMembers(body);
      renderCharts(body.time_ms);
      showConnection(true, `Updated ${new Date(lastOk).toLocaleTimeString()} ` +
                           `(${body.name} asked ${body.members.length} members in ` +
                           `${body.elapsed_ms} ms)`);
    } catch (e) {
      const since = lastOk ? ' since ' + new Date(lastOk).toLocaleTimeString() : '';
      showConnection(false, `No answer from this node${since}: ${e.message || e}`);
    } finally {
      clearTimeout(timer);
      setTimeout(poll, Math.max(0, POLL_MS - (Date.now() - started)));
    }
  }

  let resizeQueued = false;
  window.addEventListener('resize', () => {
    if (resizeQueued || !latest) return;
    resizeQueued = true;
    requestAnimationFrame(() => {
      resizeQueued = false;
      renderCharts(latest.time_ms);
    });
  });

  poll();
})();
