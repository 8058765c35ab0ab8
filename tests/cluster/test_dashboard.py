"""The dashboard (GET / on a node's admin port) in a real headless browser: Debian's chromium
driven through chromedriver by selenium. The quick start's three raft-example nodes run
under a small load (a client writing, one reading); the page, opened on node-1, shows three
members and one leader; the leader is killed (SIGKILL) and the page shows the new one within
5 s of its election, the dead node as unreachable, and the charts keep getting points; the
dead node is restarted and the page shows it back. Also /cluster's JSON, the 404s and 405s,
and stalled clients that do not keep the admin port from answering. See README.md here.

    HELIOS_BIN=build/bin /usr/bin/python3 -m unittest -v tests/cluster/test_dashboard.py
    ctest --test-dir build/release -R cluster_dashboard

Needs chromium, chromium-driver and python3-selenium (Debian; Debian's selenium is for its
/usr/bin/python3). A screenshot is saved in the test's directory (kept, with the logs, when
the test fails); with HELIOS_SAVE_SCREENSHOT=1 also to docs/dashboard.png, after a longer
run so that the charts show a few minutes' history.
"""

import json
import os
import socket
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from test_cluster import ELECTION_BOUND, WAIT, ClusterTestCase  # noqa: E402

try:
    from selenium import webdriver  # noqa: E402
except ImportError:  # reported by the test, with what to do
    webdriver = None

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PAGE_BOUND = 5.0  # seconds for the page to show a new leader once it is elected
SAVE_SCREENSHOT = os.environ.get("HELIOS_SAVE_SCREENSHOT") == "1"
LOAD_FOR_SCREENSHOT = 90.0  # seconds of load before docs/dashboard.png


def request(node, method, path, body=None, timeout=10):
    req = urllib.request.Request(f"http://{node.admin[0]}:{node.admin[1]}{path}", data=body,
                                 method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


class ReadLoop(threading.Thread):
    """A client reading a key in a loop through one node's client port (moving on to the
    next node of `order` when its connection breaks); counts the answers."""

    def __init__(self, cluster, order, stop):
        super().__init__(name="reader", daemon=True)
        self.cluster, self.order, self.stop = cluster, list(order), stop
        self.answers = 0

    def run(self):
        at, conn = 0, None
        while not self.stop.is_set():
            try:
                if conn is None:
                    node = self.cluster[self.order[at % len(self.order)]]
                    conn = harness.RespConnection(*node.client, timeout=1.0)
                conn.command("GET", "user:1:name")
                self.answers += 1
            except (OSError, ValueError):
                if conn is not None:
                    conn.close()
                conn, at = None, at + 1
                time.sleep(0.05)
            time.sleep(0.002)  # a light load: the point is a visible rate, not a benchmark
        if conn is not None:
            conn.close()


class TestDashboard(ClusterTestCase):
    def start_browser(self):
        """A headless chromium through chromedriver, which the harness starts (stopped by its
        PID with the test)."""
        if webdriver is None:
            raise AssertionError(f"selenium is not importable by {sys.executable}: install "
                                 f"Debian's python3-selenium and use /usr/bin/python3")
        for path in (CHROMIUM, CHROMEDRIVER):
            self.assertTrue(os.access(path, os.X_OK),
                            f"{path} missing: install Debian's chromium and chromium-driver")
        port = harness.PortReservation()
        driver_port = port.take_free(1)[0]
        port.release()
        log = open(os.path.join(self.h.log_dir, "chromedriver.log"), "ab")
        self.addCleanup(log.close)
        self.h.spawn([CHROMEDRIVER, f"--port={driver_port}"], log)
        self.h.wait_for(lambda: harness.http_get("127.0.0.1", driver_port, "/status")[0] == 200,
                        WAIT, "chromedriver answering")
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--no-first-run", "--window-size=1280,1200",
                    f"--user-data-dir={os.path.join(self.h.root, 'chromium')}"):
            options.add_argument(arg)
        driver = webdriver.Remote(command_executor=f"http://127.0.0.1:{driver_port}",
                                  options=options)
        self.addCleanup(driver.quit)
        driver.set_page_load_timeout(30)
        return driver

    # What the page shows (read in one script: the page redraws every second).
    def rows(self, driver):
        """{member id: (data-state, classes)} of the members table."""
        rows = driver.execute_script(
            "return Array.from(document.querySelectorAll('#members tbody tr'))"
            ".map((tr) => [tr.dataset.id, tr.dataset.state, tr.className]);")
        return {int(i): (state, cls.split()) for i, state, cls in rows}

    def page_leader(self, driver):
        """The id of the only highlighted leader row, or None (none or several)."""
        leaders = [i for i, (state, cls) in self.rows(driver).items() if "leader" in cls]
        return leaders[0] if len(leaders) == 1 else None

    def points(self, driver, chart):
        return int(driver.execute_script(
            f"return document.querySelector('svg[data-chart=\"{chart}\"]')"
            f".getAttribute('data-points') || 0;"))

    def screenshot(self, driver, path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.assertTrue(driver.save_screenshot(path), f"screenshot {path}")
        print(f"\n  screenshot: {path}", file=sys.stderr)

    def test_members_leader_change_and_charts(self):
        c = self.h.quickstart_cluster().start()
        lid = c.wait_for_leader(timeout=WAIT)
        # The page is node-1's; node-1 must outlive the leader, so it must not lead.
        if lid == 1:
            code, _, answer = request(c[1], "POST", "/transfer-leader?target=2", b"")
            self.assertEqual(code, 200, answer)
            lid = c.wait_for_leader(exclude=(1,), timeout=WAIT)
        c.wait_for_convergence(timeout=WAIT)
        stop = threading.Event()
        followers = [i for i in (1, 2, 3) if i != lid]
        writer = harness.WriteLoop("w", c, [lid] + followers, stop, timeout=2.0)
        reader = ReadLoop(c, [followers[0], lid, followers[1]], stop)
        for t in (writer, reader):
            t.start()
        self.addCleanup(lambda: (stop.set(), writer.join(10), reader.join(10)))

        # /cluster at node-1: every member, the leader's lag view, metrics summaries.
        cluster = json.loads(request(c[1], "GET", "/cluster")[2])
        self.assertEqual([m["id"] for m in cluster["members"]], [1, 2, 3])
        self.assertEqual(cluster["node_id"], 1)
        for m in cluster["members"]:
            self.assertTrue(m["reachable"], m)
            self.assertEqual(m["status"]["node_id"], m["id"])
            self.assertEqual(m["admin"], f"127.0.0.1:{c[m['id']].admin[1]}")
            self.assertIsNotNone(m["lag"], m)
            self.assertIn("fsync_seconds", m["metrics"])
        self.assertEqual([m["status"]["state"] == "Leader" for m in cluster["members"]],
                         [i == lid for i in (1, 2, 3)])

        # Read-only, and the admin port's refusals.
        for method, path in (("POST", "/"), ("PUT", "/"), ("DELETE", "/cluster"),
                             ("PATCH", "/cluster"), ("POST", "/dashboard/app.js")):
            code, headers, _ = request(c[1], method, path, b"")
            self.assertEqual((code, headers.get("Allow")), (405, "GET"), f"{method} {path}")
        for path in ("/dashboard/", "/dashboard/nope.js", "/index.html", "/cluster/1"):
            self.assertEqual(request(c[1], "GET", path)[0], 404, path)
        code, headers, page = request(c[1], "GET", "/")
        self.assertEqual(code, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/html"))
        self.assertIn("default-src 'none'", headers["Content-Security-Policy"])
        self.assertNotIn("://", page)  # nothing from elsewhere

        # Stalled clients (a request never finished, a request whose answer is never read)
        # hold nothing: the page's node keeps answering, and closes them after its timeout.
        stalled = []
        for i in range(4):
            s = socket.create_connection(c[1].admin, timeout=10)
            s.sendall(b"GET /cluster HTTP/1.1\r\nHost: x\r\n" if i % 2 else
                      b"GET /cluster HTTP/1.1\r\nHost: x\r\n\r\n")
            stalled.append(s)
        self.addCleanup(lambda: [s.close() for s in stalled])

        driver = self.start_browser()
        driver.get(f"http://127.0.0.1:{c[1].admin[1]}/")
        began = time.monotonic()

        def three_and_one_leader():
            rows = self.rows(driver)
            return (sorted(rows) == [1, 2, 3] and self.page_leader(driver) == lid
                    and all(state != "unreachable" for state, _ in rows.values()))
        self.h.wait_for(three_and_one_leader, WAIT, f"three members and node-{lid} leading")
        self.assertEqual(sum(state == "Leader" for state, _ in self.rows(driver).values()), 1)
        text = driver.execute_script(
            "return [document.getElementById('leader').textContent,"
            " document.getElementById('served-by').textContent];")
        self.assertEqual(text, [f"node-{lid}", "node-1"])
        self.h.wait_for(lambda: all(self.points(driver, ch) >= 3 for ch in
                                    ("writes", "reads", "commit", "fsync")), WAIT,
                        "three points on every chart")
        print(f"\n  page: three members, node-{lid} leading, charts drawn after "
              f"{time.monotonic() - began:.1f} s", file=sys.stderr)

        # The stalled connections were closed by the node (read and write timeouts: 5 s).
        code, _, _ = request(c[1], "GET", "/status", timeout=2)
        self.assertEqual(code, 200)
        for s in stalled:
            s.settimeout(10)
            try:
                while s.recv(65536):
                    pass
            except socket.timeout:
                self.fail("a stalled connection still open after 10 s more")
            except OSError:
                pass  # reset: closed too

        # The leader dies: the page shows the new one within PAGE_BOUND of its election.
        writes_before = self.points(driver, "writes")
        c[lid].kill9()
        killed_at = time.monotonic()
        new = c.wait_for_leader(ids=followers, timeout=ELECTION_BOUND)
        elected_at = time.monotonic()
        self.h.wait_for(lambda: self.page_leader(driver) == new
                        and self.rows(driver)[lid][0] == "unreachable", PAGE_BOUND,
                        f"the page showing node-{new} leading and node-{lid} unreachable")
        shown_at = time.monotonic()
        print(f"  node-{lid} killed: node-{new} elected after {elected_at - killed_at:.2f} s, "
              f"on the page {shown_at - elected_at:.2f} s later", file=sys.stderr)
        self.assertEqual(driver.execute_script(
            "return document.getElementById('reachable').textContent;"), "2 of 3")
        self.h.wait_for(lambda: self.points(driver, "writes") > writes_before + 2, WAIT,
                        "more points on the writes chart after the election")
        self.screenshot(driver, os.path.join(self.h.root, "dashboard-failover.png"))

        # Back: the page shows it again, and follows whoever leads once the nodes agree (on
        # a loaded machine another election may follow the restart; the page must show it).
        c[lid].start()

        def page_agrees_with_cluster():
            now, _ = c.agreed_leader()
            return (now is not None and self.page_leader(driver) == now
                    and self.rows(driver).get(lid, ("",))[0] ==
                    ("Leader" if now == lid else "Follower"))
        self.h.wait_for(page_agrees_with_cluster, WAIT,
                        f"the page showing node-{lid} back and the cluster's leader")
        if c.leader() != new:
            print(f"  (another election after node-{lid} came back: node-{c.leader()} leads)",
                  file=sys.stderr)
        self.assertGreater(reader.answers, 0)
        self.assertGreater(len(writer.acked), 0)
        if SAVE_SCREENSHOT:
            time.sleep(LOAD_FOR_SCREENSHOT)  # a history for the charts, not an assertion
            self.screenshot(driver, os.path.join(REPO, "docs", "dashboard.png"))
        self.screenshot(driver, os.path.join(self.h.root, "dashboard.png"))

    def test_phone_width(self):
        """At 375 px wide the members table becomes cards and nothing scrolls sideways."""
        c = self.h.quickstart_cluster().start()
        c.wait_for_leader(timeout=WAIT)
        driver = self.start_browser()
        driver.set_window_size(375, 900)
        driver.get(f"http://127.0.0.1:{c[1].admin[1]}/")
        self.h.wait_for(lambda: len(self.rows(driver)) == 3 and self.page_leader(driver),
                        WAIT, "three members and a leader")
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        self.assertLessEqual(overflow, 0, "the page scrolls sideways at 375 px")
        display = driver.execute_script(
            "return getComputedStyle(document.querySelector('#members thead')).display")
        self.assertEqual(display, "none")
        self.screenshot(driver, os.path.join(self.h.root, "dashboard-phone.png"))


if __name__ == "__main__":
    unittest.main()
