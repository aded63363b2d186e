#!/usr/bin/env python3
"""Drive the appliance VM's serial console (stdlib only).

Connects to qemu's serial unix socket (run-vm.sh: $VM_SERIAL), logs in when it
sees a login prompt, runs one shell command (optionally with sudo, answering
the sudo password prompt) and returns its output and exit status, found with
unique markers. Repeated calls reuse the logged-in shell. Slow consoles (TCG)
are fine: every wait has an explicit timeout and fails with what was seen.

  vm_console.py --socket S --password-file F [--sudo] [--timeout 120] -- 'cmd'
  vm_console.py --socket S --wait-login 600      # only wait for the prompt
Exit status: the command's, or 124 on timeout, 2 on usage/connection errors.
"""
import argparse
import base64
import os
import re
import secrets
import socket
import sys
import time

PROMPT = "BWSH$ "
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-B]|\r")


class ConsoleTimeout(Exception):
    pass


class Console:
    def __init__(self, path, connect_timeout=30.0, log=None):
        self.log = log
        self.buf = ""
        deadline = time.monotonic() + connect_timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError as e:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise ConnectionError(f"cannot connect to {path}: {e}") from e
                time.sleep(0.2)

    def close(self):
        self.sock.close()

    def send(self, text):
        self.sock.sendall(text.encode())

    def _read(self, timeout):
        self.sock.settimeout(max(0.05, timeout))
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        if not data:
            raise ConnectionError("console closed (VM stopped?)")
        text = data.decode("utf-8", "replace")
        if self.log:
            self.log.write(text)
            self.log.flush()
        self.buf += text
        return True

    def expect(self, patterns, timeout, poke=None, poke_every=15.0):
        """Wait for the first regex in patterns; return (index, match).
        Consumes the buffer up to the end of the match. poke is sent every
        poke_every seconds of silence (e.g. '\\r' to get a fresh prompt)."""
        regs = [re.compile(p) for p in patterns]
        deadline = time.monotonic() + timeout
        last = time.monotonic()
        while True:
            clean = ANSI.sub("", self.buf)
            best = None
            for i, r in enumerate(regs):
                m = r.search(clean)
                if m and (best is None or m.start() < best[1].start()):
                    best = (i, m)
            if best:
                self.buf = clean[best[1].end():]
                return best
            now = time.monotonic()
            if now > deadline:
                tail = clean[-400:]
                raise ConsoleTimeout(
                    f"timeout after {timeout:.0f}s waiting for {patterns}; last output:\n{tail}")
            if poke and now - last > poke_every:
                self.send(poke)
                last = now
            if self._read(min(1.0, deadline - now)):
                last = time.monotonic()

    def ensure_shell(self, user, password, timeout):
        """Get to our shell prompt, logging in if the console shows login:."""
        self.buf = ""
        self.send("\r")
        i, _ = self.expect([r"login: $", re.escape(PROMPT) + r"$", r"[$#] $"],
                           timeout, poke="\r")
        if i == 0:
            self.send(user + "\r")
            self.expect([r"[Pp]assword: ?$"], 60)
            self.send(password + "\r")
            i, _ = self.expect([r"[$#] $", r"Login incorrect"], 120)
            if i == 1:
                raise PermissionError("login incorrect")
        # Our prompt, no wrapping, no history, no colours, no bracketed paste.
        self.send("export PS1='BWSH\\$ ' TERM=dumb HISTFILE=/dev/null; stty cols 500 -echo;"
                  " bind 'set enable-bracketed-paste off' 2>/dev/null\r")
        self.expect([re.escape(PROMPT) + r"$"], 60)

    def run(self, command, timeout=120.0, sudo=False, password=None):
        """Run command in the logged-in shell; return (status, output)."""
        tag = secrets.token_hex(4)
        begin, end = f"__BW{tag}_BEGIN__", f"__BW{tag}_RC="
        # The command travels base64-encoded on one line: no quoting problems,
        # no continuation prompts for multi-line scripts.
        b64 = base64.b64encode(command.encode()).decode()
        script = f'"$(echo {b64} | base64 -d)"'
        if sudo:
            # '%%' prints as '%', so the echoed command never matches the prompt.
            run = f"sudo -p 'SUDO{tag}%%PW:' bash -c {script}"
        else:
            run = f"bash -c {script}"
        # The markers are printed from pieces so the echoed line never matches.
        line = (f"printf '%s\\n' '__BW{tag}''_BEGIN__'; {run}; "
                f"printf '__BW{tag}_RC=%d__\\n' $?\r")
        self.buf = ""
        self.send(line)
        self.expect([re.escape(begin) + r"\n"], 60)
        deadline = time.monotonic() + timeout
        out = ""
        while True:
            i, m = self.expect([re.escape(end) + r"(\d+)__\n", rf"SUDO{tag}%PW:"],
                               max(1.0, deadline - time.monotonic()))
            out += m.string[:m.start()]
            if i == 0:
                self.expect([re.escape(PROMPT)], 30)
                return int(m.group(1)), out
            if password is None:
                raise PermissionError("sudo asked for a password and none was given")
            self.send(password + "\r")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--socket", default=os.environ.get("VM_SERIAL"))
    ap.add_argument("--user", default="admin")
    ap.add_argument("--password-file")
    ap.add_argument("--sudo", action="store_true")
    ap.add_argument("--timeout", type=float, default=120.0, help="command timeout (s)")
    ap.add_argument("--login-timeout", type=float, default=600.0,
                    help="time to reach a login/shell prompt (s)")
    ap.add_argument("--wait-login", type=float, metavar="SECONDS",
                    help="only wait for 'login:' and print the time it took")
    ap.add_argument("--log", help="append everything the console prints to this file")
    ap.add_argument("command", nargs="*")
    a = ap.parse_args()
    if not a.socket:
        ap.error("--socket (or VM_SERIAL) is required")
    log = open(a.log, "a") if a.log else None
    try:
        con = Console(a.socket, log=log)
    except ConnectionError as e:
        print(f"vm_console: {e}", file=sys.stderr)
        return 2
    try:
        if a.wait_login is not None:
            t0 = time.monotonic()
            con.expect([r"login: $"], a.wait_login, poke="\r", poke_every=20)
            print(f"login prompt after {time.monotonic() - t0:.1f}s")
            return 0
        if not a.password_file or not a.command:
            ap.error("--password-file and a command are required")
        with open(a.password_file) as f:
            password = f.readline().rstrip("\n")
        con.ensure_shell(a.user, password, a.login_timeout)
        rc, out = con.run(" ".join(a.command), a.timeout, a.sudo, password)
        sys.stdout.write(out)
        return rc
    except ConsoleTimeout as e:
        print(f"vm_console: {e}", file=sys.stderr)
        return 124
    except (ConnectionError, PermissionError) as e:
        print(f"vm_console: {e}", file=sys.stderr)
        return 2
    finally:
        con.close()


if __name__ == "__main__":
    sys.exit(main())
