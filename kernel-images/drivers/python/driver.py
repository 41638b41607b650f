"""Python language driver for the Backend.AI kernel runner.

The kernel runner starts this script as ``python3 -u driver.py`` and exchanges one JSON
array per line with it over the script's original stdin and stdout (the control channel).
kernel-images/README.md describes the protocol; in short:

* runner to driver: ``["code", source]`` runs ``source`` in the persistent namespace,
  ``["input", line]`` supplies the line for an ``input()`` call, and ``["complete", json]`` requests
  completions of the code before the cursor.
* driver to runner: ``["ready", {"features": ["input", "complete"]}]`` once at startup,
  then ``stdout``, ``stderr``, ``media`` and ``waiting-input`` records, one
  ``["finished", {"exitCode": n}]`` for each ``code`` request and one
  ``["completion", [...]]`` for each ``complete`` request.

File descriptors 1 and 2 are replaced by pipes, so output written below Python (by
``os.system``, child processes and C extensions) also comes back as records. The driver's
original stderr stays open for its own log lines, which the runner copies into its log.

The driver makes itself a process group leader. The runner interrupts a run by sending
SIGINT to that group, which raises KeyboardInterrupt in the user's code and stops the
child processes that the code started in the foreground.

The ``lablup`` package in ``lib/`` (media output and a matplotlib backend) is put on
``sys.path`` and ``PYTHONPATH``, and ``MPLBACKEND`` is set to that backend unless the
environment sets a backend already.

Uses the standard library only. Tested with Python 3.11.
"""

import builtins
import codecs
import fcntl
import getpass
import json
import linecache
import os
import queue
import re
import rlcompleter
import select
import signal
import stat
import sys
import threading
import time
import traceback
import types

# Maximum length, in characters, of the text in one stdout or stderr record.
MAX_RECORD_CHARS = 65536
# Maximum length, in bytes, of the control line of one media record. The runner drops
# control lines of more than 8 MiB.
MAX_MEDIA_LINE_BYTES = 4 * 1024 * 1024
# Seconds that written text waits for more writes to the same stream before it is sent.
FLUSH_DELAY = 0.01
# Reads of 64 KiB that a pipe gets per check before Python-level output is added.
MAX_READS_PER_CHECK = 32
# Exit code reported for a run ended by KeyboardInterrupt, as a shell reports SIGINT.
INTERRUPTED_EXIT_CODE = 130
# Maximum number of completions returned for one request.
MAX_COMPLETIONS = 500
FEATURES = ["input", "complete"]
LIB_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib")
MATPLOTLIB_BACKEND = "module://lablup.matplotlib_backend"

_log_fd = 2
_driver_pid = os.getpid()
_real_exit = os._exit


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


def encode_record(record_type, payload):
    """Return the control line of a record, ASCII-only, so lone surrogates cannot break it."""
    return (json.dumps([record_type, payload], ensure_ascii=True) + "\n").encode("ascii")


class ControlChannel:
    """JSON-lines connection to the kernel runner.

    A reader thread parses the requests: ``input`` lines go to ``inputs`` and all other
    requests to ``requests``. Both get ``None`` once the runner closes the channel.
    """

    def __init__(self, in_fd, out_fd, guard):
        self._reader = os.fdopen(in_fd, "rb")
        self._out_fd = out_fd
        self._guard = guard
        self._lock = threading.Lock()
        self.requests = queue.SimpleQueue()
        self.inputs = queue.SimpleQueue()

    def start_reader(self):
        threading.Thread(target=self._read_requests, name="request-reader", daemon=True).start()

    def _read_requests(self):
        self._guard.control_fd = self._reader.fileno()
        for line in self._reader:
            self._guard.parsing_line = True
            try:
                self._take_line(line)
            finally:
                self._guard.parsing_line = False
        self._end_of_requests()

    def _take_line(self, line):
        try:
            operation, payload = json.loads(line)
        except (ValueError, TypeError) as e:
            log("ignoring invalid control line %r: %s" % (line[:200], e))
            return
        if operation == "input":
            self.inputs.put(payload if isinstance(payload, str) else "")
            return
        if operation in ("code", "complete"):
            # Set here, not when the main thread takes the request, so an interrupt
            # that arrives before then is kept for the request (InterruptGuard).
            self._guard.request_active = True
        self.requests.put((operation, payload))

    def _end_of_requests(self):
        self.requests.put(None)
        self.inputs.put(None)

    def send(self, record_type, payload):
        self.send_line(encode_record(record_type, payload))

    def send_line(self, line):
        with self._lock:
            write_all(self._out_fd, line)


class InterruptGuard:
    """Turns SIGINT into KeyboardInterrupt, but only inside user code.

    The main thread enters the guard (``with guard:``) while it writes to the control
    channel, so an interrupt never cuts a record in half. A SIGINT that arrives inside the
    guard is raised when the guard is left.

    A SIGINT that arrives while a request is active but before its user code starts is kept
    and raised when the user code starts, so an interrupt sent right after a request is not
    lost. One that arrives between requests is ignored.

    The runner signals only while a request is active on its side, so a SIGINT that arrives
    while the request line is still in the control pipe, or while the reader thread parses it,
    is kept for that request too.
    """

    def __init__(self):
        self.in_user_code = False
        self.request_active = False
        self._pending = False
        self._main_thread_id = threading.main_thread().ident
        self._depth = 0
        self._deferred = False
        self.control_fd = None
        self.parsing_line = False

    def _request_arriving(self):
        """Return True if a request line is in the control pipe or being parsed."""
        if self.parsing_line:
            return True
        if self.control_fd is None:
            return False
        try:
            readable, _, _ = select.select([self.control_fd], [], [], 0)
        except (OSError, ValueError):
            return False
        return bool(readable)

    def handle_sigint(self, signum, frame):
        if not self.in_user_code:
            if self.request_active or self._request_arriving():
                self._pending = True
            return
        if self._depth:
            self._deferred = True
            return
        raise KeyboardInterrupt

    def enter_user_code(self):
        """Mark the start of user code, raising KeyboardInterrupt for a kept interrupt."""
        self.in_user_code = True
        if self._pending:
            self._pending = False
            raise KeyboardInterrupt

    def leave_user_code(self):
        self.in_user_code = False

    def end_request(self):
        """Forget interrupts of the request that ends; called before its end record is sent."""
        self.request_active = False
        self._pending = False
        self._deferred = False

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


def pipe_above_standard_fds():
    """Return a pipe (read, write) whose descriptors are above 2, both close-on-exec.

    os.pipe() takes the lowest free descriptors, which are 0-2 when user code closed them.
    """
    low_read, low_write = os.pipe()
    read_fd = fcntl.fcntl(low_read, fcntl.F_DUPFD_CLOEXEC, 3)
    write_fd = fcntl.fcntl(low_write, fcntl.F_DUPFD_CLOEXEC, 3)
    os.close(low_read)
    os.close(low_write)
    return read_fd, write_fd


class OutputCollector:
    """Merges stdout and stderr text into records and keeps the order it was written in.

    Text comes from the Python-level streams and from the pipes behind file descriptors 1
    and 2. Before Python-level text is added, whatever the pipes already hold is read, so
    ``print('a'); os.system('echo b'); print('c')`` arrives as a, b, c. Consecutive writes
    to one stream are merged for up to FLUSH_DELAY seconds.

    A pipe whose write ends are all closed, for example after ``os.close(1)``, is dropped at
    its end of file, and ``restore_standard_fds`` points fds 1 and 2 at new pipes before the
    next run.

    NOTE: When both pipes have data at once, stdout's is sent first, so a child process that
    writes to stderr and then to stdout faster than the pipes are read may show swapped order.
    """

    def __init__(self, channel):
        self._channel = channel
        # Maps a pipe's read end to [stream name, incremental UTF-8 decoder].
        self._pipes = {}
        # Maps 1 and 2 to the (st_dev, st_ino) of the pipe the driver put there.
        self._standard_pipes = {}
        self._wake_read, self._wake_write = pipe_above_standard_fds()
        os.set_blocking(self._wake_read, False)
        os.set_blocking(self._wake_write, False)
        self._lock = threading.RLock()
        self._pending_changed = threading.Condition(self._lock)
        self._pending_stream = None
        self._pending = []
        self._pending_chars = 0

    def start_threads(self):
        threading.Thread(target=self._forward_pipes, name="pipe-reader", daemon=True).start()
        threading.Thread(target=self._flush_periodically, name="flusher", daemon=True).start()

    def restore_standard_fds(self):
        """Point fds 1 and 2 at pipes to this collector unless they still are."""
        with self._lock:
            self._ensure_stdin()
            for fd, stream in ((1, "stdout"), (2, "stderr")):
                if self._is_standard_pipe(fd):
                    continue
                read_fd, write_fd = pipe_above_standard_fds()
                os.dup2(write_fd, fd)
                os.close(write_fd)
                info = os.fstat(fd)
                if fd in self._standard_pipes:
                    log("user code closed or replaced fd %d; pointed it at a new pipe" % fd)
                self._standard_pipes[fd] = (info.st_dev, info.st_ino)
                self._add_pipe(read_fd, stream)

    @staticmethod
    def _ensure_stdin():
        """Reopen /dev/null as fd 0 if user code closed it, so new pipes land above it."""
        try:
            os.fstat(0)
        except OSError:
            null_fd = os.open(os.devnull, os.O_RDONLY)
            if null_fd != 0:
                os.dup2(null_fd, 0)
                os.close(null_fd)

    def _is_standard_pipe(self, fd):
        try:
            info = os.fstat(fd)
        except OSError:
            return False
        return stat.S_ISFIFO(info.st_mode) and self._standard_pipes.get(fd) == (
            info.st_dev,
            info.st_ino,
        )

    def _add_pipe(self, read_fd, stream):
        os.set_blocking(read_fd, False)
        self._pipes[read_fd] = [stream, codecs.getincrementaldecoder("utf-8")(errors="replace")]
        try:
            os.write(self._wake_write, b"x")
        except BlockingIOError:
            pass

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
        self.send_line_after_output(encode_record(record_type, payload))

    def send_line_after_output(self, line):
        with self._lock:
            self._read_pipes()
            self._send_pending()
            self._channel.send_line(line)

    def finish_output(self):
        """Send all output, including an incomplete UTF-8 sequence left in a pipe as U+FFFD."""
        with self._lock:
            self._read_pipes()
            for fd in list(self._pipes):
                stream, decoder = self._pipes[fd]
                self._append(stream, decoder.decode(b"", final=True))
                decoder.reset()
            self._send_pending()

    def _append(self, stream, text):
        if not text:
            return
        if stream != self._pending_stream:
            self._send_pending()
        was_empty = not self._pending
        self._pending_stream = stream
        # A long text is cut right away, so a 50 MB write does not wait in one piece.
        for start in range(0, len(text), MAX_RECORD_CHARS):
            piece = text[start : start + MAX_RECORD_CHARS]
            self._pending.append(piece)
            self._pending_chars += len(piece)
            if self._pending_chars >= MAX_RECORD_CHARS:
                self._send_pending()
                self._pending_stream = stream
        if self._pending and was_empty:
            self._pending_changed.notify()

    def _send_pending(self):
        if not self._pending:
            return
        text = "".join(self._pending)
        stream = self._pending_stream
        self._pending = []
        self._pending_chars = 0
        self._pending_stream = None
        for start in range(0, len(text), MAX_RECORD_CHARS):
            piece = replace_surrogates(text[start : start + MAX_RECORD_CHARS])
            self._channel.send(stream, piece)

    def _read_pipes(self):
        if not self._pipes:
            return
        readable, _, _ = select.select(list(self._pipes), [], [], 0)
        for fd in readable:
            self._read_pipe(fd)

    def _read_pipe(self, fd):
        entry = self._pipes.get(fd)
        if entry is None:
            return
        stream, decoder = entry
        for _ in range(MAX_READS_PER_CHECK):
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                return
            if not data:
                self._append(stream, decoder.decode(b"", final=True))
                del self._pipes[fd]
                os.close(fd)
                return
            self._append(stream, decoder.decode(data))

    def _forward_pipes(self):
        while True:
            with self._lock:
                fds = list(self._pipes)
            try:
                readable, _, _ = select.select(fds + [self._wake_read], [], [])
            except InterruptedError:
                continue
            except OSError:
                # A pipe was closed between the copy and select(); take a new copy.
                continue
            with self._lock:
                if self._wake_read in readable:
                    try:
                        os.read(self._wake_read, 4096)
                    except BlockingIOError:
                        pass
                for fd in readable:
                    if fd != self._wake_read:
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
    whose pipe carries the same stream, for code that hands it to child processes. After
    ``close()`` writes raise ValueError as on a closed file, until the next run reopens it.
    """

    def __init__(self, collector, guard, stream, fd):
        self._collector = collector
        self._guard = guard
        self._stream = stream
        self._fd = fd
        self._closed = False
        self.buffer = RecordBinaryStream(self)

    encoding = "utf-8"
    errors = "strict"
    newlines = None

    @property
    def closed(self):
        return self._closed

    def reopen(self):
        self._closed = False

    def close(self):
        if not self._closed:
            self.flush()
            self._closed = True

    def _check_open(self):
        if self._closed:
            raise ValueError("I/O operation on closed file.")

    def write(self, text):
        self._check_open()
        if not isinstance(text, str):
            raise TypeError("write() argument must be str, not " + type(text).__name__)
        with self._guard:
            self._collector.write(self._stream, text)
        return len(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        self._check_open()
        with self._guard:
            self._collector.flush()

    def fileno(self):
        self._check_open()
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

    @property
    def closed(self):
        return self._text_stream.closed

    def close(self):
        self._text_stream.close()

    def write(self, data):
        self._text_stream.write(self._decoder.decode(bytes(data)))
        return len(data)

    def finish(self):
        """Write an incomplete UTF-8 sequence left at the end of a run as U+FFFD."""
        rest = self._decoder.decode(b"", final=True)
        self._decoder.reset()
        if rest and not self.closed:
            self._text_stream.write(rest)

    def flush(self):
        self._text_stream.flush()

    def fileno(self):
        return self._text_stream.fileno()

    def isatty(self):
        return False

    def writable(self):
        return True


class InputReader:
    """Reads lines for ``input()``, ``getpass.getpass()`` and ``sys.stdin`` from ``input`` requests.

    Each read sends the prompt as stdout, then ``["waiting-input", {"isPassword": ...}]``,
    and waits for the next ``input`` request.
    """

    def __init__(self, collector, guard, channel, stdout):
        self._collector = collector
        self._guard = guard
        self._channel = channel
        self._stdout = stdout

    def discard_pending(self):
        """Drop input lines left over from an earlier run."""
        while True:
            try:
                line = self._channel.inputs.get_nowait()
            except queue.Empty:
                return
            if line is None:
                # The channel is closed; keep the marker for the next read.
                self._channel.inputs.put(None)
                return

    def read_line(self, prompt, is_password):
        """Return one line of input without its newline; raise EOFError once the runner is gone."""
        if prompt:
            # Like the built-in input(), which writes the prompt to the current sys.stdout.
            stream = sys.stdout if sys.stdout is not None else self._stdout
            stream.write(str(prompt))
            stream.flush()
        with self._guard:
            self._collector.send_after_output("waiting-input", {"isPassword": is_password})
        line = self._channel.inputs.get()
        if line is None:
            self._channel.inputs.put(None)
            raise EOFError("EOF when reading a line")
        if line.endswith("\n"):
            line = line[:-1]
        return line

    def input(self, prompt=""):
        return self.read_line(prompt, False)

    def getpass(self, prompt="Password: ", stream=None):
        return self.read_line(prompt, True)


class RecordInputStream:
    """Replacement for ``sys.stdin`` that reads each line through an ``input`` request.

    NOTE: The agent protocol has no end of input, so ``read()`` and ``readlines()`` return
    one line per call instead of everything up to EOF.
    """

    encoding = "utf-8"
    errors = "strict"
    newlines = None
    closed = False

    def __init__(self, reader):
        self._reader = reader

    def readline(self, size=-1):
        return self._reader.read_line("", False) + "\n"

    def read(self, size=-1):
        return self.readline()

    def readlines(self, hint=-1):
        return [self.readline()]

    def __iter__(self):
        return self

    def __next__(self):
        return self.readline()

    def fileno(self):
        return 0

    def isatty(self):
        return False

    def readable(self):
        return True

    def writable(self):
        return False

    def seekable(self):
        return False

    def close(self):
        pass


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

    def __init__(self, collector, guard, streams, input_reader):
        self._collector = collector
        self._guard = guard
        self._stdout, self._stderr, self._stdin = streams
        # Tracebacks and driver messages go here, because user code may close sys.stderr.
        self._driver_stderr = RecordTextStream(collector, guard, "stderr", 2)
        self._input_reader = input_reader
        self._run_count = 0
        self._libc = None
        main_module = types.ModuleType("__main__")
        main_module.__builtins__ = builtins
        sys.modules["__main__"] = main_module
        self.namespace = main_module.__dict__

    def run(self, source):
        """Run source and send its finished record."""
        self._run_count += 1
        filename = "<input-%d>" % self._run_count
        # Entries with mtime None survive linecache.checkcache, so tracebacks from functions
        # defined in earlier runs still show their source lines.
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        self._input_reader.discard_pending()
        self._collector.restore_standard_fds()
        for stream in (self._stdout, self._stderr):
            stream.reopen()
        sys.stdout = self._stdout
        sys.stderr = self._stderr
        sys.stdin = self._stdin
        exit_code = self._execute(source, filename)
        self._flush_c_stdio()
        self._guard.end_request()
        for stream in (self._stdout, self._stderr):
            stream.buffer.finish()
        self._collector.finish_output()
        self._collector.send_after_output("finished", {"exitCode": exit_code})

    def reject(self, operation):
        self._guard.end_request()
        self._collector.write("stderr", "The python driver does not know %r.\n" % operation)
        self._collector.send_after_output("finished", {"exitCode": 1})

    def _execute(self, source, filename):
        try:
            code = compile(source, filename, "exec")
        except (SyntaxError, ValueError) as e:
            traceback.print_exception(type(e), e, None, file=self._driver_stderr)
            return 1
        error = None
        try:
            self._guard.enter_user_code()
            exec(code, self.namespace)
        except BaseException as e:
            error = e
        if os.getpid() != _driver_pid:
            end_forked_child(error)
        self._guard.leave_user_code()
        if error is None:
            return 0
        if isinstance(error, SystemExit):
            return self._exit_code_of(error)
        print_user_traceback(error, self._driver_stderr)
        if isinstance(error, KeyboardInterrupt):
            return INTERRUPTED_EXIT_CODE
        return 1

    def _exit_code_of(self, e):
        """Return the process exit code that Python itself would use for SystemExit(e.code)."""
        if e.code is None:
            return 0
        if isinstance(e.code, int):
            return e.code
        print(e.code, file=self._driver_stderr)
        return 1

    def flush_all_output(self):
        """Send output that user code wrote so far, including C stdio buffers."""
        self._flush_c_stdio()
        with self._guard:
            self._collector.finish_output()

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


class Completer:
    """Completion of ``complete`` requests with rlcompleter on the user's namespace."""

    # The dotted name at the end of the code, such as "os.pa" in "print(os.pa".
    _NAME_AT_END = re.compile(r"[^\W\d][\w.]*$")

    def __init__(self, collector, guard, namespace):
        self._collector = collector
        self._guard = guard
        self._namespace = namespace

    def complete(self, payload):
        try:
            matches = self._matches(self._code_before_cursor(payload))
        finally:
            self._guard.end_request()
        self._collector.send_after_output("completion", matches)

    @staticmethod
    def _code_before_cursor(payload):
        """Return the code of a ``{"code": ..., "options": {...}}`` payload, or the raw text."""
        try:
            request = json.loads(payload)
        except (TypeError, ValueError):
            return payload if isinstance(payload, str) else ""
        if isinstance(request, dict) and isinstance(request.get("code"), str):
            return request["code"]
        return ""

    def _matches(self, code):
        match = self._NAME_AT_END.search(code)
        if match is None:
            return []
        text = match.group()
        completer = rlcompleter.Completer(self._namespace)
        matches = []
        # rlcompleter reads attributes, which may run user code such as __getattr__, so an
        # interrupt (the runner's completion timeout) can stop it.
        try:
            self._guard.enter_user_code()
            for state in range(MAX_COMPLETIONS * 2):
                candidate = completer.complete(text, state)
                if candidate is None:
                    break
                if candidate not in matches:
                    matches.append(candidate)
                if len(matches) >= MAX_COMPLETIONS:
                    break
        except BaseException as e:
            log("completion of %r failed: %r" % (text[:100], e))
        finally:
            self._guard.leave_user_code()
        return [replace_surrogates(m) for m in matches]


def install_media_channel(collector, guard):
    """Make ``lablup.display`` and the matplotlib backend send media records to the runner."""
    from lablup import _channel

    def emit_media(mime_type, data):
        line = encode_record("media", [mime_type, data])
        if len(line) > MAX_MEDIA_LINE_BYTES:
            raise ValueError(
                "The %s output has %d bytes, more than the maximum of %d; save it to a file "
                "instead." % (mime_type, len(line), MAX_MEDIA_LINE_BYTES)
            )
        with guard:
            collector.send_line_after_output(line)

    _channel.set_emitter(emit_media)


def configure_environment():
    """Put lablup on the import path of the driver and its child processes, and select its
    matplotlib backend unless the environment selects one."""
    sys.path.append(LIB_DIR)
    python_path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = LIB_DIR + (os.pathsep + python_path if python_path else "")
    if not os.environ.get("MPLBACKEND"):
        os.environ["MPLBACKEND"] = MATPLOTLIB_BACKEND


def install_fork_handler():
    """Make a forked child (multiprocessing, os.fork) write to fds 1 and 2 directly.

    The child has none of the driver's threads, and another thread may have held the
    collector's lock at the fork, so the record streams would hang or lose text there.
    Fds 1 and 2 are pipes that the driver reads, so the child's output still arrives.
    """

    def use_plain_streams():
        from lablup import _channel

        _channel.set_emitter(None)
        sys.stdout = open(1, "w", encoding="utf-8", errors="replace", closefd=False, buffering=1)
        sys.stderr = open(2, "w", encoding="utf-8", errors="replace", closefd=False, buffering=1)
        sys.stdin = open(os.devnull, "r", encoding="utf-8")
        builtins.input = _original_input
        getpass.getpass = _original_getpass

    os.register_at_fork(after_in_child=use_plain_streams)


_original_input = builtins.input
_original_getpass = getpass.getpass


def end_forked_child(error):
    """End a process that user code forked (os.fork) once it returns into the driver.

    The child is a copy of the driver without the driver's threads, which may have held locks at
    the fork. So the child must not touch the driver's state. It ends the way a script would, with
    the traceback on its plain stderr.
    """
    status = 0
    try:
        if isinstance(error, SystemExit):
            if error.code is None:
                status = 0
            elif isinstance(error.code, int):
                status = error.code
            else:
                print(error.code, file=sys.stderr)
                status = 1
        elif error is not None:
            traceback.print_exception(type(error), error, error.__traceback__, file=sys.stderr)
            status = 1
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        _real_exit(status & 0xFF)


def install_exit_flush(runner):
    """Make os._exit() in the driver send pending output before the process ends."""

    def exit_after_flush(status):
        if os.getpid() == _driver_pid:
            try:
                runner.flush_all_output()
            except BaseException as e:
                log("flushing output before os._exit failed: %r" % e)
        _real_exit(status)

    os._exit = exit_after_flush


def redirect_standard_fds():
    """Move the control channel off fds 0-2 and point fd 0 at /dev/null.

    Returns (control_in, control_out, log_fd). The duplicates that os.dup() returns are not
    inherited by child processes, so a background process cannot keep the control channel
    open after the driver exits.
    """
    control_in = os.dup(0)
    control_out = os.dup(1)
    log_fd = os.dup(2)
    null_fd = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null_fd, 0)
    os.close(null_fd)
    return control_in, control_out, log_fd


def main():
    global _log_fd
    control_in, control_out, _log_fd = redirect_standard_fds()
    # A session leader, such as a process started by setsid or PID 1 of a container, already
    # leads its group, and setpgrp() would fail with EPERM.
    if os.getpgrp() != os.getpid():
        os.setpgrp()
    configure_environment()

    guard = InterruptGuard()
    channel = ControlChannel(control_in, control_out, guard)
    collector = OutputCollector(channel)
    # Points fds 1 and 2 at the collector's pipes.
    collector.restore_standard_fds()
    signal.signal(signal.SIGINT, guard.handle_sigint)
    stdout = RecordTextStream(collector, guard, "stdout", 1)
    stderr = RecordTextStream(collector, guard, "stderr", 2)
    input_reader = InputReader(collector, guard, channel, stdout)
    stdin = RecordInputStream(input_reader)
    runner = CodeRunner(collector, guard, (stdout, stderr, stdin), input_reader)
    completer = Completer(collector, guard, runner.namespace)
    builtins.input = input_reader.input
    getpass.getpass = input_reader.getpass
    install_media_channel(collector, guard)
    install_fork_handler()
    install_exit_flush(runner)
    collector.start_threads()
    channel.start_reader()

    # Behave like the interactive interpreter: import from the working directory, not from
    # the driver's folder.
    sys.path[0] = ""
    sys.argv = [""]

    channel.send("ready", {"features": FEATURES})
    log("ready (pid %d, Python %s)" % (os.getpid(), sys.version.split()[0]))
    while True:
        request = channel.requests.get()
        if request is None:
            break
        operation, payload = request
        if operation == "code":
            runner.run(payload if isinstance(payload, str) else "")
        elif operation == "complete":
            completer.complete(payload)
        else:
            runner.reject(operation)
    log("control channel closed, exiting")
    # Skip waiting for non-daemon threads that user code may have left running.
    _real_exit(0)


if __name__ == "__main__":
    main()
