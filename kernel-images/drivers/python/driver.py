"""Python language driver for the Backend.AI kernel runner.

The kernel runner starts this script as ``python3 -u driver.py`` and exchanges one JSON
array per line with it over the script's original stdin and stdout (the control channel):

* runner to driver: ``["code", source]`` runs ``source`` in the persistent namespace.
* driver to runner: ``["ready", null]`` once at startup, then ``["stdout", text]``,
  ``["stderr", text]`` and one ``["finished", {"exitCode": n}]`` for each request.

File descriptors 1 and 2 are replaced by pipes, so output written below Python (by
``os.system``, child processes and C extensions) also comes back as records. The driver's
original stderr stays open for its own log lines, which the runner copies into its log.

The driver makes itself a process group leader. The runner interrupts a run by sending
SIGINT to that group, which raises KeyboardInterrupt in the user's code and stops the
child processes that the code started in the foreground.

Uses the standard library only. Tested with Python 3.11.
"""

import builtins
import codecs
import json
import linecache
import os
import select
import signal
import sys
import threading
import time
import traceback
import types

# Maximum length, in characters, of the text in one stdout or stderr record.
MAX_RECORD_CHARS = 65536
# Seconds that written text waits for more writes to the same stream before it is sent.
FLUSH_DELAY = 0.01
# Exit code reported for a run ended by KeyboardInterrupt, as a shell reports SIGINT.
INTERRUPTED_EXIT_CODE = 130

_log_fd = 2


def log(message):
    """Write one line to the driver's original stderr, which the runner copies into its log."""
    line = message + "\n"
    try:
        os.write(_log_fd, line.encode("utf-8", "replace"))
    except OSError:
        pass


def replace_surrogates(text):
    """Return text with lone surrogates replaced by U+FFFD, so it encodes as UTF-8."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)


def write_all(fd, data):
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


class ControlChannel:
    """JSON-lines connection to the kernel runner."""

    def __init__(self, in_fd, out_fd):
        self._reader = os.fdopen(in_fd, "rb")
        self._out_fd = out_fd
        self._lock = threading.Lock()

    def read(self):
        """Return the next request as (operation, payload), or None once the runner closed it."""
        while True:
            line = self._reader.readline()
            if not line:
                return None
            try:
                operation, payload = json.loads(line)
                return operation, payload
            except (ValueError, TypeError) as e:
                log("ignoring invalid control line %r: %s" % (line[:200], e))

    def send(self, record_type, payload):
        data = json.dumps([record_type, payload], ensure_ascii=True) + "\n"
        with self._lock:
            write_all(self._out_fd, data.encode("ascii"))


class InterruptGuard:
    """Turns SIGINT into KeyboardInterrupt, but only inside user code.

    The main thread enters the guard (``with guard:``) while it writes to the control
    channel, so an interrupt never cuts a record in half. A SIGINT that arrives inside the
    guard is raised when the guard is left.
    """

    def __init__(self):
        self.in_user_code = False
        self._main_thread_id = threading.main_thread().ident
        self._depth = 0
        self._deferred = False

    def handle_sigint(self, signum, frame):
        if not self.in_user_code:
            return
        if self._depth:
            self._deferred = True
            return
        raise KeyboardInterrupt

    def __enter__(self):
        if threading.get_ident() == self._main_thread_id:
            self._depth += 1

    def __exit__(self, exc_type, exc, tb):
        if threading.get_ident() != self._main_thread_id:
            return
        self._depth -= 1
        if self._depth == 0 and self._deferred:
            self._deferred = False
            if self.in_user_code and exc_type is None:
                raise KeyboardInterrupt


class OutputCollector:
    """Merges stdout and stderr text into records and keeps the order it was written in.

    Text comes from the Python-level streams and from the pipes behind file descriptors 1
    and 2. Before Python-level text is added, whatever the pipes already hold is read, so
    ``print('a'); os.system('echo b'); print('c')`` arrives as a, b, c. Consecutive writes
    to one stream are merged for up to FLUSH_DELAY seconds.

    NOTE: When both pipes have data at once, stdout's is sent first, so a child process that
    writes to stderr and then to stdout faster than the pipes are read may show swapped order.
    """

    def __init__(self, channel, pipes):
        self._channel = channel
        # Maps a pipe's read end to (stream name, incremental UTF-8 decoder).
        self._pipes = {
            fd: (stream, codecs.getincrementaldecoder("utf-8")(errors="replace"))
            for fd, stream in pipes.items()
        }
        self._pipe_poller = select.poll()
        for fd in self._pipes:
            self._pipe_poller.register(fd, select.POLLIN)
        self._lock = threading.RLock()
        self._pending_changed = threading.Condition(self._lock)
        self._pending_stream = None
        self._pending = []
        self._pending_chars = 0

    def start_threads(self):
        threading.Thread(target=self._forward_pipes, name="pipe-reader", daemon=True).start()
        threading.Thread(target=self._flush_periodically, name="flusher", daemon=True).start()

    def write(self, stream, text):
        with self._lock:
            self._read_pipes()
            self._append(stream, text)

    def flush(self):
        with self._lock:
            self._read_pipes()
            self._send_pending()

    def send_after_output(self, record_type, payload):
        """Send a record after all output written so far."""
        with self._lock:
            self._read_pipes()
            self._send_pending()
            self._channel.send(record_type, payload)

    def _append(self, stream, text):
        if not text:
            return
        if stream != self._pending_stream:
            self._send_pending()
        was_empty = not self._pending
        self._pending_stream = stream
        self._pending.append(text)
        self._pending_chars += len(text)
        if self._pending_chars >= MAX_RECORD_CHARS:
            self._send_pending()
        elif was_empty:
            self._pending_changed.notify()

    def _send_pending(self):
        if not self._pending:
            return
        text = replace_surrogates("".join(self._pending))
        stream = self._pending_stream
        self._pending = []
        self._pending_chars = 0
        self._pending_stream = None
        for start in range(0, len(text), MAX_RECORD_CHARS):
            self._channel.send(stream, text[start : start + MAX_RECORD_CHARS])

    def _read_pipes(self):
        # One poll() call is cheaper than trying a read on every pipe.
        for fd, _ in self._pipe_poller.poll(0):
            self._read_pipe(fd)

    def _read_pipe(self, fd):
        stream, decoder = self._pipes[fd]
        while True:
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                return
            if not data:
                return
            self._append(stream, decoder.decode(data))

    def _forward_pipes(self):
        fds = list(self._pipes)
        while True:
            try:
                readable, _, _ = select.select(fds, [], [])
            except InterruptedError:
                continue
            with self._lock:
                for fd in readable:
                    self._read_pipe(fd)

    def _flush_periodically(self):
        with self._lock:
            while True:
                while not self._pending:
                    self._pending_changed.wait()
                deadline = time.monotonic() + FLUSH_DELAY
                remaining = FLUSH_DELAY
                while self._pending and remaining > 0:
                    self._pending_changed.wait(remaining)
                    remaining = deadline - time.monotonic()
                self._send_pending()


class RecordTextStream:
    """Text stream that sends what is written as stdout or stderr records.

    It replaces ``sys.stdout`` and ``sys.stderr``. ``fileno()`` returns the descriptor
    whose pipe carries the same stream, for code that hands it to child processes.
    """

    def __init__(self, collector, guard, stream, fd):
        self._collector = collector
        self._guard = guard
        self._stream = stream
        self._fd = fd
        self.buffer = RecordBinaryStream(self)

    encoding = "utf-8"
    errors = "strict"
    newlines = None
    closed = False

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError("write() argument must be str, not " + type(text).__name__)
        with self._guard:
            self._collector.write(self._stream, text)
        return len(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        with self._guard:
            self._collector.flush()

    def fileno(self):
        return self._fd

    def isatty(self):
        return False

    def readable(self):
        return False

    def writable(self):
        return True

    def seekable(self):
        return False


class RecordBinaryStream:
    """Binary view (``sys.stdout.buffer``) that decodes UTF-8 with replacement."""

    def __init__(self, text_stream):
        self._text_stream = text_stream
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    closed = False

    def write(self, data):
        self._text_stream.write(self._decoder.decode(bytes(data)))
        return len(data)

    def flush(self):
        self._text_stream.flush()

    def fileno(self):
        return self._text_stream.fileno()

    def isatty(self):
        return False

    def writable(self):
        return True


def print_user_traceback(exc, file):
    """Print the traceback of exc without the driver's own frames.

    The driver's frames are the exec() call that runs the request and, for output and
    interrupts, the stream and signal handler methods that user code called into.
    """
    report = traceback.TracebackException(type(exc), exc, exc.__traceback__)
    seen = set()
    pending = [report]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        user_frames = [f for f in current.stack if f.filename != __file__]
        current.stack = traceback.StackSummary.from_list(user_frames)
        pending.append(current.__cause__)
        pending.append(current.__context__)
    file.write("".join(report.format()))


class CodeRunner:
    """Runs requests in one persistent ``__main__`` namespace."""

    def __init__(self, collector, guard, stdout, stderr):
        self._collector = collector
        self._guard = guard
        self._stdout = stdout
        self._stderr = stderr
        self._run_count = 0
        self._libc = None
        main_module = types.ModuleType("__main__")
        main_module.__builtins__ = builtins
        sys.modules["__main__"] = main_module
        self._namespace = main_module.__dict__

    def run(self, source):
        """Run source and send its finished record."""
        self._run_count += 1
        filename = "<input-%d>" % self._run_count
        # Entries with mtime None survive linecache.checkcache, so tracebacks from functions
        # defined in earlier runs still show their source lines.
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        sys.stdout = self._stdout
        sys.stderr = self._stderr
        exit_code = self._execute(source, filename)
        self._flush_c_stdio()
        self._collector.send_after_output("finished", {"exitCode": exit_code})

    def _execute(self, source, filename):
        try:
            code = compile(source, filename, "exec")
        except (SyntaxError, ValueError) as e:
            traceback.print_exception(type(e), e, None, file=self._stderr)
            return 1
        try:
            try:
                self._guard.in_user_code = True
                exec(code, self._namespace)
            finally:
                self._guard.in_user_code = False
            return 0
        except SystemExit as e:
            return self._exit_code_of(e)
        except BaseException as e:
            print_user_traceback(e, self._stderr)
            if isinstance(e, KeyboardInterrupt):
                return INTERRUPTED_EXIT_CODE
            return 1

    def _exit_code_of(self, e):
        """Return the process exit code that Python itself would use for SystemExit(e.code)."""
        if e.code is None:
            return 0
        if isinstance(e.code, int):
            return e.code
        print(e.code, file=self._stderr)
        return 1

    def _flush_c_stdio(self):
        """Flush C stdio buffers, which are fully buffered because fd 1 is a pipe."""
        if self._libc is False:
            return
        try:
            if self._libc is None:
                import ctypes

                self._libc = ctypes.CDLL(None)
            self._libc.fflush(None)
        except (ImportError, OSError, AttributeError) as e:
            log("cannot flush C stdio buffers: %s" % e)
            self._libc = False


def redirect_standard_fds():
    """Move the control channel off fds 0-2 and point fds 1 and 2 at pipes.

    Returns (control_in, control_out, log_fd, stdout_pipe, stderr_pipe). The duplicates
    that os.dup() and os.pipe() return are not inherited by child processes, so a
    background process cannot keep the control channel open after the driver exits.
    """
    control_in = os.dup(0)
    control_out = os.dup(1)
    log_fd = os.dup(2)
    null_fd = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null_fd, 0)
    os.close(null_fd)
    stdout_read, stdout_write = os.pipe()
    os.dup2(stdout_write, 1)
    os.close(stdout_write)
    stderr_read, stderr_write = os.pipe()
    os.dup2(stderr_write, 2)
    os.close(stderr_write)
    os.set_blocking(stdout_read, False)
    os.set_blocking(stderr_read, False)
    return control_in, control_out, log_fd, stdout_read, stderr_read


def main():
    global _log_fd
    control_in, control_out, _log_fd, stdout_read, stderr_read = redirect_standard_fds()
    os.setpgrp()

    channel = ControlChannel(control_in, control_out)
    collector = OutputCollector(channel, {stdout_read: "stdout", stderr_read: "stderr"})
    guard = InterruptGuard()
    signal.signal(signal.SIGINT, guard.handle_sigint)
    stdout = RecordTextStream(collector, guard, "stdout", 1)
    stderr = RecordTextStream(collector, guard, "stderr", 2)
    runner = CodeRunner(collector, guard, stdout, stderr)
    collector.start_threads()

    # Behave like the interactive interpreter: import from the working directory, not from
    # the driver's folder.
    sys.path[0] = ""
    sys.argv = [""]

    channel.send("ready", None)
    log("ready (pid %d, Python %s)" % (os.getpid(), sys.version.split()[0]))
    while True:
        request = channel.read()
        if request is None:
            break
        operation, payload = request
        if operation == "code":
            runner.run(payload if isinstance(payload, str) else "")
        else:
            collector.write("stderr", "The python driver does not support %r yet.\n" % operation)
            collector.send_after_output("finished", {"exitCode": 1})
    log("control channel closed, exiting")
    # Skip waiting for non-daemon threads that user code may have left running.
    os._exit(0)


if __name__ == "__main__":
    main()
