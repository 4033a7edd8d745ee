#!/usr/bin/python3
"""Soak test: drives a real LMI server with mixed closed-loop traffic for a while, then checks that nothing leaked.

    /usr/bin/python3 tests/soak/soak.py [--duration 600] [--concurrency 64] [--seed 1] [--model DIR]
    /usr/bin/python3 tests/soak/soak.py --url http://127.0.0.1:8080 --pids JAVA_PID[,WORKER_PID]

Prints a progress line every --progress-interval seconds and a figures block at the end; exits 1 when a check
fails, 2 when the soak could not start. tests/soak/README.md says what is driven and checked.
"""

import argparse
import asyncio
import os
import random
import shlex
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import metrics
from exchange import ERROR, Client, Outcome
from memory import RssSeries, write_csv
from server_process import Server, free_port, rss_mb, with_chat_template
from tally import Tally
from traffic import TrafficMix, random_ids

REPO = Path(__file__).resolve().parents[2]
# A one-token chat request, to learn whether a running server's model has a chat template.
CHAT_PROBE = b'{"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 1}'


def default_model():
    testdata = os.environ.get("LMI_TESTDATA") or str(REPO.parent / "shared" / "testdata")
    return str(Path(testdata) / "tiny-llama")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=600, help="seconds of load (default 600; CI: 120)")
    parser.add_argument("--concurrency", type=int, default=64, help="closed-loop clients (default 64)")
    parser.add_argument("--seed", type=int, default=1, help="seeds the request mix (default 1)")
    parser.add_argument("--model", default=None, help="model directory to serve (default $LMI_TESTDATA/tiny-llama)")
    parser.add_argument("--port", type=int, default=0, help="port for the server it starts (default: a free one)")
    parser.add_argument("--server-arg", action="append", default=[], metavar="ARG",
                        help="one more argument for ./lmi serve (repeat it: --server-arg=--option.block_size "
                             "--server-arg=32)")
    parser.add_argument("--url", help="drive this running server instead of starting one")
    parser.add_argument("--pids", help="with --url: JAVA_PID[,WORKER_PID] whose RSS to watch (the worker is "
                                       "found as the Java process's lmi_worker child when not given)")
    parser.add_argument("--api-key", default=os.environ.get("OPTION_API_KEY"),
                        help="sent as Authorization: Bearer (default $OPTION_API_KEY)")
    parser.add_argument("--max-model-len", type=int, default=512, help="the model's max_model_len (default 512)")
    parser.add_argument("--max-prompt-tokens", type=int, default=300, help="longest prompt (default 300)")
    parser.add_argument("--max-new-tokens", type=int, default=256, help="largest max_tokens (default 256)")
    parser.add_argument("--warmup", type=float, default=None,
                        help="seconds before the RSS figures start (default: a fifth of --duration, 30 to 120)")
    parser.add_argument("--request-deadline", type=float, default=120,
                        help="a request not answered within this many seconds is stuck (default 120)")
    parser.add_argument("--idle-wait", type=float, default=30,
                        help="after the load, seconds for running and waiting to reach 0 (default 30)")
    parser.add_argument("--java-rss-limit-mb", type=float, default=64,
                        help="most the Java RSS median may grow from the first to the second half (default 64)")
    parser.add_argument("--worker-rss-limit-mb", type=float, default=32,
                        help="most the worker RSS median may grow from the first to the second half (default 32)")
    parser.add_argument("--sample-interval", type=float, default=5, help="seconds between RSS samples (default 5)")
    parser.add_argument("--progress-interval", type=float, default=60, help="seconds between progress lines")
    parser.add_argument("--startup-timeout", type=float, default=600,
                        help="seconds for /ping to answer 200 (default 600: ./lmi serve may build the jars first)")
    parser.add_argument("--rss-csv", help="write every RSS sample to this file: seconds,process,MB")
    parser.add_argument("--server-log", help="where the started server's output goes (default: a temp file)")
    args = parser.parse_args(argv)
    if args.pids and not args.url:
        parser.error("--pids needs --url")
    if args.warmup is None:
        args.warmup = max(30.0, min(120.0, args.duration / 5))
    if args.max_prompt_tokens + 1 > args.max_model_len:
        parser.error("--max-prompt-tokens must leave room in --max-model-len")
    return args


def log(message):
    print("soak: %s" % message, flush=True)


class Soak:
    """One soak run: the load, the samplers, and every figure the final block prints."""

    def __init__(self, args, server, chat_enabled):
        self.args = args
        self.server = server
        self.chat_enabled = chat_enabled
        self.tally = Tally()
        self.java = RssSeries("java", args.java_rss_limit_mb)
        self.worker = RssSeries("worker", args.worker_rss_limit_mb)
        self.failures = []
        self.max_blocks_used = 0
        self.max_running = 0
        self.max_waiting = 0
        self.probes = 0
        self.failed_probes = Counter()
        self.load_seconds = 0.0
        self.started = 0.0
        self.stopping = False

    def elapsed(self):
        return time.monotonic() - self.started

    async def run_load(self):
        host, port = self.server.url.split("//", 1)[1].split(":")
        shared_prefix = random_ids(random.Random(self.args.seed), self.args.max_prompt_tokens + 1)
        self.started = time.monotonic()
        stop_at = self.started + self.args.duration
        sampler = asyncio.create_task(self.sample_until_stopped())
        clients = [asyncio.create_task(self.client_loop(i, host, int(port), shared_prefix, stop_at))
                   for i in range(self.args.concurrency)]
        await asyncio.gather(*clients)
        self.load_seconds = self.elapsed()
        self.stopping = True
        await sampler

    async def client_loop(self, index, host, port, shared_prefix, stop_at):
        mix = TrafficMix(random.Random(self.args.seed * 1_000_003 + index), self.chat_enabled,
                         self.args.max_model_len, self.args.max_prompt_tokens, self.args.max_new_tokens,
                         shared_prefix)
        client = Client(host, port, self.server.headers)
        while time.monotonic() < stop_at and not self.stopping:
            plan = mix.next_plan()
            began = time.monotonic()
            try:
                outcome = await asyncio.wait_for(client.run(plan), self.args.request_deadline)
            except asyncio.TimeoutError:
                client.drop_connection()
                outcome = Outcome(ERROR, label="stuck", detail="no answer within %.0f s" % self.args.request_deadline)
            self.tally.record(plan, outcome, time.monotonic() - began)
        client.drop_connection()

    async def sample_until_stopped(self):
        next_progress = self.args.progress_interval
        last_requests, last_tokens, last_at = 0, 0, 0.0
        last_worker = None
        while not self.stopping:
            await asyncio.sleep(self.args.sample_interval)
            now = self.elapsed()
            scrape = await asyncio.to_thread(self.probe_health)
            worker_pid = self.server.worker_pid()
            self.sample_rss(now, worker_pid)
            if last_worker is not None and worker_pid != last_worker:
                self.failures.append("the worker changed from pid %s to %s at %.0f s" % (last_worker, worker_pid, now))
            last_worker = worker_pid or last_worker
            if self.server.process is not None and self.server.process.poll() is not None:
                self.failures.append("the server exited with %d at %.0f s" % (self.server.process.returncode, now))
                self.stopping = True
            if now >= next_progress:
                next_progress += self.args.progress_interval
                requests, tokens = self.tally.requests, self.tally.tokens
                span = max(now - last_at, 1e-9)
                log("%5.0f s  %s  %.1f req/s  %.0f tok/s  |  %s  |  RSS java %s worker %s" % (
                    now, self.outcome_summary(), (requests - last_requests) / span, (tokens - last_tokens) / span,
                    self.scrape_summary(scrape), self.last_mb(self.java), self.last_mb(self.worker)))
                last_requests, last_tokens, last_at = requests, tokens, now

    def probe_health(self):
        """/ping and /metrics, which must answer 200 under any load; returns the metrics (None if they failed)."""
        self.probes += 1
        status, _ = self.server.get("/ping")
        if status != 200:
            self.failed_probes["/ping %d" % status] += 1
        values = self.scrape()
        if values is None:
            self.failed_probes["/metrics"] += 1
        return values

    def scrape(self):
        status, body = self.server.get("/metrics")
        if status != 200:
            return None
        values = metrics.parse(body)
        self.max_blocks_used = max(self.max_blocks_used, values.get(metrics.BLOCKS_USED, 0))
        self.max_running = max(self.max_running, values.get(metrics.RUNNING, 0))
        self.max_waiting = max(self.max_waiting, values.get(metrics.WAITING, 0))
        return values

    def sample_rss(self, now, worker_pid):
        for series, pid in ((self.java, self.server.java_pid), (self.worker, worker_pid)):
            if pid is not None:
                mb = rss_mb(pid)
                if mb is not None:
                    series.add(now, pid, mb)

    @staticmethod
    def last_mb(series):
        return "%.0f MB" % series.samples[-1][1] if series.samples else "-"

    @staticmethod
    def scrape_summary(values):
        if values is None:
            return "/metrics did not answer"
        return "running %d waiting %d blocks %d/%d" % (
            values.get(metrics.RUNNING, -1), values.get(metrics.WAITING, -1),
            values.get(metrics.BLOCKS_USED, -1), values.get(metrics.BLOCKS_TOTAL, -1))

    def outcome_summary(self):
        tally = self.tally
        errors = sum(tally.errors.values())
        return "%d req: ok %d cancelled %d disconnected %d errors %d" % (
            tally.requests, tally.count("ok"), tally.count("cancelled"), tally.count("disconnected"), errors)

    def check_idle(self):
        """After the load: running and waiting back to 0 within --idle-wait, then no KV block in use."""
        waited_from = time.monotonic()
        values = None
        while time.monotonic() - waited_from < self.args.idle_wait:
            values = self.scrape()
            if values is not None and values.get(metrics.RUNNING) == 0 and values.get(metrics.WAITING) == 0:
                break
            time.sleep(0.5)
        waited = time.monotonic() - waited_from
        if values is None:
            self.failures.append("/metrics did not answer after the load")
            return "no /metrics", None
        idle = values.get(metrics.RUNNING) == 0 and values.get(metrics.WAITING) == 0
        if not idle:
            self.failures.append("stuck: %s still %.1f s after the load stopped" % (
                self.scrape_summary(values), waited))
        time.sleep(1.0)
        settled = self.scrape() or values
        used = settled.get(metrics.BLOCKS_USED)
        if used != 0:
            self.failures.append("leaked KV blocks: %s used with the server idle" % used)
        return "%s (idle after %.1f s)" % (self.scrape_summary(settled), waited), settled


def start_server(args, scratch, headers):
    """The server to drive and whether its model renders chat prompts."""
    if args.url:
        pids = [int(pid) for pid in args.pids.split(",")] if args.pids else []
        server = Server(args.url, headers, java_pid=pids[0] if pids else None,
                        worker_pid=pids[1] if len(pids) > 1 else None)
        server.wait_ready(args.startup_timeout)
        status, body = server.post("/v1/chat/completions", CHAT_PROBE)
        chat = status == 200
        if not chat:
            log("chat requests left out: a one-token /v1/chat/completions answered %d %s" % (status, body[:160]))
        return server, chat
    model = Path(args.model or default_model())
    if not (model / "config.json").is_file():
        raise RuntimeError("no model in %s (set --model or LMI_TESTDATA)" % model)
    served = with_chat_template(model, scratch)
    port = args.port or free_port()
    log_path = Path(args.server_log) if args.server_log else scratch / "server.log"
    log("starting ./lmi serve --model %s on 127.0.0.1:%d (log: %s)" % (served, port, log_path))
    server = Server.start(REPO, served, port, log_path, headers, args.server_arg)
    try:
        server.wait_ready(args.startup_timeout)
    except RuntimeError:
        server.stop(30)
        print(server.log_tail(), file=sys.stderr)
        raise
    return server, True


def print_figures(soak, args, argv, idle_line, before, after, exit_line):
    tally = soak.tally
    seconds = max(soak.load_seconds, 1e-9)
    lines = ["", "==== soak figures ====",
             "command: /usr/bin/python3 tests/soak/soak.py %s" % " ".join(shlex.quote(a) for a in argv),
             "server: %s  java pid %s  worker pids %s" % (soak.server.url, soak.server.java_pid,
                                                           ",".join(map(str, soak.worker.pids)) or "-"),
             "load: %.0f s at concurrency %d, seed %d, chat %s; RSS after a %.0f s warm-up" % (
                 soak.load_seconds, args.concurrency, args.seed, "on" if soak.chat_enabled else "off", args.warmup),
             "throughput: %d requests (%.2f req/s), %d output tokens (%.1f tok/s)" % (
                 tally.requests, tally.requests / seconds, tally.tokens, tally.tokens / seconds),
             "requests: " + soak.outcome_summary()]
    for key, count in sorted(tally.errors.items()):
        lines.append("  %s: %d" % (key, count))
    for api in sorted({kind.split("/")[0] for kind in tally.kinds}):
        lines.append("  %s: " % api + ", ".join("%s %d" % (kind.split("/", 1)[1], count)
                                                for kind, count in sorted(tally.kinds.items())
                                                if kind.startswith(api + "/")))
    lines += ["stuck requests: %d (deadline %.0f s); slowest answer %.1f s (%s)" % (
        tally.count("error: stuck"), args.request_deadline, tally.slowest_s, tally.slowest_kind)]
    lines += ["peak during the load: running %d, waiting %d, KV blocks used %d; health probes (/ping, /metrics "
              "every %.0f s) %d, failed %d" % (soak.max_running, soak.max_waiting, soak.max_blocks_used,
                                              args.sample_interval, soak.probes, sum(soak.failed_probes.values()))]
    lines += ["after the load: " + idle_line]
    if after is not None:
        delta = metrics.status_delta(metrics.requests_by_status(before), metrics.requests_by_status(after))
        lines += ["server lmi_requests_total during the soak: " +
                  (", ".join("%d: %d" % item for item in sorted(delta.items())) or "none")]
    for series in (soak.java, soak.worker):
        figures = series.figures(args.warmup)
        if figures is None:
            lines.append("RSS %s: too few samples after the warm-up" % series.name)
            continue
        lines.append("RSS %-6s start %.0f MB, end %.0f MB, max %.0f MB, slope %+.1f MB/10 min, "
                     "second-half median growth %+.1f MB (limit %.0f): %s" % (
                         series.name, figures["start"], figures["end"], figures["max"], figures["slope"],
                         figures["growth"], series.growth_limit_mb, "ok" if figures["passed"] else "FAIL"))
    if exit_line:
        lines.append(exit_line)
    if tally.examples:
        lines += ["first failures:"] + ["  " + example for example in tally.examples]
    lines += ["failures:"] + ["  " + failure for failure in soak.failures] if soak.failures else []
    lines.append("RESULT: %s" % ("FAIL" if soak.failures else "PASS"))
    print("\n".join(lines), flush=True)


def judge(soak, args):
    """Adds the failures the figures show to those the run saw."""
    tally = soak.tally
    for key, count in sorted(tally.errors.items()):
        soak.failures.append("%d requests ended in %s" % (count, key))
    if tally.count("ok") == 0:
        soak.failures.append("no request succeeded")
    for probe, count in sorted(soak.failed_probes.items()):
        soak.failures.append("%s failed %d of %d health probes during the load" % (probe, count, soak.probes))
    for series in (soak.java, soak.worker):
        figures = series.figures(args.warmup)
        if figures is not None and not figures["passed"]:
            soak.failures.append("RSS %s grew %.1f MB from the first to the second half (limit %.0f)" % (
                series.name, figures["growth"], series.growth_limit_mb))


def main(argv):
    args = parse_args(argv)
    headers = {"Authorization": "Bearer " + args.api_key} if args.api_key else {}
    scratch = Path(tempfile.mkdtemp(prefix="lmi-soak-"))
    try:
        server, chat = start_server(args, scratch, headers)
    except RuntimeError as error:
        log("could not start: %s" % error)
        return 2
    soak = Soak(args, server, chat)
    exit_line, idle_line, before, after = None, "not reached", {}, None
    try:
        status, body = server.get("/metrics")
        before = metrics.parse(body) if status == 200 else {}
        log("driving %s for %.0f s at concurrency %d (seed %d)" % (server.url, args.duration, args.concurrency,
                                                                    args.seed))
        asyncio.run(soak.run_load())
        idle_line, after = soak.check_idle()
        judge(soak, args)
    finally:
        if server.process is not None:
            code = server.stop(60)
            worker_left = [pid for pid in soak.worker.pids if rss_mb(pid) is not None]
            exit_line = "server exit after SIGTERM: %s" % ("killed: no exit within 60 s" if code is None else code)
            if code != 0:
                soak.failures.append(exit_line)
            if worker_left:
                soak.failures.append("worker processes %s still run after the server exited" % worker_left)
    print_figures(soak, args, argv, idle_line, before, after, exit_line)
    if args.rss_csv:
        write_csv(args.rss_csv, [soak.java, soak.worker])
    if soak.failures:
        if server.log_path is not None:
            log("the server's log (%s) ends with:\n%s" % (server.log_path, server.log_tail()))
        return 1
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
