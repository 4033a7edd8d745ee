"""The server under soak: started with `./lmi serve` (or one already running), its /ping, /metrics and processes."""

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

WORKER_MODULE = "lmi_worker"
# A Mistral-style template for a model directory without one, so the soak's chat requests have a prompt to render.
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
    "{% else %}{{ message['content'] + eos_token }}{% endif %}{% endfor %}"
)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def has_chat_template(model_dir):
    config = model_dir / "tokenizer_config.json"
    return (model_dir / "chat_template.jinja").is_file() or (
        config.is_file() and '"chat_template"' in config.read_text(encoding="utf-8"))


def with_chat_template(model_dir, scratch):
    """`model_dir` itself if it has a chat template, else a directory of links to its files plus a template."""
    if has_chat_template(model_dir):
        return model_dir
    overlay = scratch / model_dir.name
    overlay.mkdir()
    for entry in model_dir.iterdir():
        (overlay / entry.name).symlink_to(entry.resolve())
    (overlay / "chat_template.jinja").write_text(CHAT_TEMPLATE, encoding="utf-8")
    return overlay


def http_call(url, headers, body=None, timeout=10.0):
    """(status, body text) of a GET, or of a JSON POST when there is a body; status 0 when nothing answered."""
    if body is not None:
        headers = dict(headers, **{"Content-Type": "application/json"})
    request = urllib.request.Request(url, data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")
    except (OSError, ValueError) as error:
        return 0, str(error)


def rss_mb(pid):
    """VmRSS of a process in MB (2^20 bytes), None when it is gone."""
    try:
        with open("/proc/%d/status" % pid, encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def worker_children(java_pid):
    """Pids of the processes `java_pid` started with `-m lmi_worker`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, encoding="ascii", errors="replace") as stat:
                # The command name may hold spaces and parentheses; the parent pid follows the last ')'.
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            if parent != java_pid:
                continue
            with open("/proc/%s/cmdline" % entry, "rb") as cmdline:
                args = cmdline.read().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        if b"-m" in args and WORKER_MODULE.encode() in args:
            found.append(int(entry))
    return sorted(found)


class Server:
    """The server the soak drives: its URL, the pids whose memory it watches, and, when it started it, its process."""

    def __init__(self, url, headers, java_pid=None, worker_pid=None, process=None, log_path=None):
        self.url = url.rstrip("/")
        self.headers = headers
        self.java_pid = java_pid
        self.fixed_worker_pid = worker_pid
        self.process = process
        self.log_path = log_path

    @classmethod
    def start(cls, repo, model_dir, port, log_path, headers, extra_args):
        """`./lmi serve` on 127.0.0.1:port, as a user starts it; its output goes to log_path."""
        # The management listener on any free port: the soak needs none of it, and 8081 may be taken.
        command = [str(repo / "lmi"), "serve", "--model", str(model_dir), "--port", str(port),
                   "--bind_address", "127.0.0.1", "--management_address", "http://127.0.0.1:0"] + extra_args
        with open(log_path, "wb") as log:
            # Its own session: a Ctrl-C of the soak reaches the soak, which then stops the server with SIGTERM.
            process = subprocess.Popen(command, cwd=repo, stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        # ./lmi execs java: the process started is the Java daemon.
        return cls("http://127.0.0.1:%d" % port, headers, java_pid=process.pid, process=process, log_path=log_path)

    def get(self, path, timeout=10.0):
        return http_call(self.url + path, self.headers, timeout=timeout)

    def post(self, path, body, timeout=60.0):
        return http_call(self.url + path, self.headers, body, timeout)

    def wait_ready(self, timeout):
        """Waits for /ping 200; raises RuntimeError naming why it did not come."""
        deadline = time.monotonic() + timeout
        status, body = 0, ""
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError("the server exited with %d before /ping answered" % self.process.returncode)
            status, body = self.get("/ping", timeout=5.0)
            if status == 200:
                return
            time.sleep(1.0)
        raise RuntimeError("/ping did not answer 200 within %.0f s (last: %d %s)" % (timeout, status, body[:200]))

    def worker_pid(self):
        """The worker's pid now: the one given, else the Java process's lmi_worker child (None when none runs)."""
        if self.fixed_worker_pid is not None:
            return self.fixed_worker_pid
        if self.java_pid is None:
            return None
        children = worker_children(self.java_pid)
        return children[0] if children else None

    def stop(self, timeout):
        """SIGTERM, then waits; returns the exit status (None, after a SIGKILL, when it did not exit in time)."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None

    def log_tail(self, lines=30):
        if self.log_path is None or not Path(self.log_path).is_file():
            return ""
        with open(self.log_path, "rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - 16384))
            return b"\n".join(log.read().splitlines()[-lines:]).decode("utf-8", "replace")
