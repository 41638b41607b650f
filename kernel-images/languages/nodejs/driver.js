'use strict';
/**
 * Node.js language driver for the Backend.AI kernel runner (query mode).
 *
 * The runner starts this script with Node.js and exchanges one JSON array per line with it over
 * the script's stdin and stdout (the control channel):
 *
 * - runner to driver: ["code", source] runs source in one vm context that persists across
 *   requests.
 * - driver to runner: ["ready", null] once at startup, then ["stdout", text], ["stderr", text]
 *   and one ["finished", {"exitCode": n}] for each request.
 *
 * Output of console.log and process.stdout.write becomes stdout records in the order it was
 * written, and console.error and process.stderr.write become stderr records. An uncaught
 * exception prints its stack on stderr and ends the run with exit code 1, process.exit(n) ends
 * it with code n, and SIGINT ends it with code 130. A request that uses await outside a function
 * runs as the body of an async function, and its run ends when that function's promise settles.
 *
 * The runner interrupts a run by sending SIGINT to the driver's process group, and Node.js cannot
 * make itself a process group leader, so the runner has to start the driver through setsid.
 *
 * Uses Node.js's built-in modules only. Tested with Node.js 18 (Debian bookworm).
 */

const fs = require('fs');
const path = require('path');
const readline = require('readline');
const { StringDecoder } = require('string_decoder');
const { Readable, Writable } = require('stream');
const util = require('util');
const vm = require('vm');
const { createRequire } = require('module');

// Maximum length, in characters, of the text in one stdout or stderr record.
const MAX_RECORD_CHARS = 65536;
// Milliseconds that written text waits for more writes to the same stream before it is sent.
const FLUSH_DELAY_MILLIS = 10;
// Exit code of a run ended by SIGINT, as a shell reports SIGINT.
const INTERRUPTED_EXIT_CODE = 130;
const CONTROL_OUT_FD = 1;
const LOG_FD = 2;

const realExit = process.exit.bind(process);
const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Writes one line to stderr, which the runner copies into its log. */
function log(message) {
  try {
    fs.writeSync(LOG_FD, `${message}\n`);
  } catch {
    // The runner has closed stderr, so the line cannot be logged anywhere.
  }
}

/**
 * Writes all of text to fd, waiting while the pipe is full. The control channel is blocking
 * unless a child process that inherited it made it non-blocking, hence the EAGAIN loop.
 */
function writeAllSync(fd, text) {
  let data = Buffer.from(text, 'utf8');
  while (data.length > 0) {
    try {
      const written = fs.writeSync(fd, data);
      data = data.subarray(written);
    } catch (error) {
      if (error.code !== 'EAGAIN') {
        throw error;
      }
      Atomics.wait(sleepCell, 0, 0, 1);
    }
  }
}

function sendRecord(type, payload) {
  // JSON.stringify escapes line breaks, so each record is one line.
  writeAllSync(CONTROL_OUT_FD, `${JSON.stringify([type, payload])}\n`);
}

/**
 * Merges consecutive writes to one stream into records, keeping the order of stdout and stderr
 * text. Pending text is sent when the other stream is written to, when it reaches
 * MAX_RECORD_CHARS, when it is FLUSH_DELAY_MILLIS old (checked on each write and by a timer), and
 * before the finished record.
 */
class OutputCollector {
  constructor() {
    this.pendingStream = null;
    this.pending = [];
    this.pendingChars = 0;
    this.pendingSince = 0;
    this.timer = null;
  }

  write(stream, text) {
    if (!text) {
      return;
    }
    if (stream !== this.pendingStream) {
      this.flush();
    }
    if (this.pending.length === 0) {
      this.pendingSince = Date.now();
      this.timer = setTimeout(() => this.flush(), FLUSH_DELAY_MILLIS);
    }
    this.pendingStream = stream;
    this.pending.push(text);
    this.pendingChars += text.length;
    if (
      this.pendingChars >= MAX_RECORD_CHARS ||
      Date.now() - this.pendingSince >= FLUSH_DELAY_MILLIS
    ) {
      this.flush();
    }
  }

  flush() {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.length === 0) {
      return;
    }
    const text = this.pending.join('');
    const stream = this.pendingStream;
    this.pending = [];
    this.pendingChars = 0;
    this.pendingStream = null;
    for (let start = 0; start < text.length; start += MAX_RECORD_CHARS) {
      sendRecord(stream, text.slice(start, start + MAX_RECORD_CHARS));
    }
  }

  /** Sends a record after all output written so far. */
  sendAfterOutput(type, payload) {
    this.flush();
    sendRecord(type, payload);
  }
}

/** Returns a writable stream that turns what is written into records of one stream. */
function createRecordStream(collector, stream) {
  const decoder = new StringDecoder('utf8');
  const writable = new Writable({
    decodeStrings: false,
    write(chunk, encoding, callback) {
      const text =
        typeof chunk === 'string'
          ? Buffer.from(chunk, encoding).toString('utf8')
          : decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      collector.write(stream, text);
      callback();
    },
  });
  // The stream has no fd property, because child_process would hand that descriptor, the control
  // channel, to the child.
  writable.isTTY = false;
  return writable;
}

/** Thrown by process.exit() inside a run, so that the run ends instead of the driver. */
class ExitRequest {
  constructor(code) {
    this.code = code;
  }
}

class InterruptedRun extends Error {
  constructor() {
    super('Interrupted by SIGINT');
    this.name = 'Interrupted';
  }
}

/**
 * Replaces process.stdin, process.stdout, process.stderr and process.exit, so that user code
 * cannot read or write the control channel or end the driver. Returns the control channel's
 * input stream.
 */
function takeOverProcessStreams(collector) {
  const controlIn = process.stdin;
  const replacements = {
    stdin: Readable.from([]),
    stdout: createRecordStream(collector, 'stdout'),
    stderr: createRecordStream(collector, 'stderr'),
  };
  for (const [name, value] of Object.entries(replacements)) {
    Object.defineProperty(process, name, {
      value,
      configurable: true,
      enumerable: true,
      writable: true,
    });
  }
  process.exit = (code) => {
    throw new ExitRequest(code === undefined ? process.exitCode : code);
  };
  return controlIn;
}

/**
 * Returns a copy of the stdio option of a child process in which no descriptor is the control
 * channel: stdin that would be inherited is ignored, and stdout or stderr that would be inherited
 * is replaced by makeOutput(streamName, index), which returns a new stdio entry. Entries that name
 * descriptors 1 and 2 or process.stdout and process.stderr count as inherited.
 */
function guardStdio(stdio, makeOutput) {
  const entries = typeof stdio === 'string' ? [stdio, stdio, stdio] : [...stdio];
  while (entries.length < 3) {
    entries.push('pipe');
  }
  return entries.map((entry, index) => {
    if (index === 0) {
      return entry === 'inherit' || entry === 0 || entry === process.stdin ? 'ignore' : entry;
    }
    if (index > 2) {
      return entry;
    }
    let stream = null;
    if (entry === 'inherit') {
      stream = index === 1 ? 'stdout' : 'stderr';
    } else if (entry === 1 || entry === process.stdout) {
      stream = 'stdout';
    } else if (entry === 2 || entry === process.stderr) {
      stream = 'stderr';
    }
    return stream === null ? entry : makeOutput(stream, index);
  });
}

/** Returns [argument list with a copy of the options object, that copy]. */
function withOptionsCopy(args) {
  const copy = [...args];
  const index = copy.findIndex(
    (value, position) =>
      position > 0 && value !== null && typeof value === 'object' && !Array.isArray(value),
  );
  if (index === -1) {
    const options = {};
    copy.push(options);
    return [copy, options];
  }
  copy[index] = { ...copy[index] };
  return [copy, copy[index]];
}

/**
 * Wraps the functions of the child_process module that can give a child the driver's stdin,
 * stdout or stderr, which are the control channel. Output that would go there reaches the user as
 * records instead: through a temporary file for the synchronous functions, sent after the child
 * exits with its stdout before its stderr, and through a pipe for spawn() and fork().
 *
 * NOTE: Native addons, and descriptors that user code opens on /dev/stdout, still write to the
 * control channel, and the runner drops such lines.
 */
function guardChildProcesses(stdout, stderr) {
  const childProcess = require('child_process');
  const os = require('os');
  const targets = { stdout, stderr };

  for (const name of ['spawnSync', 'execSync', 'execFileSync']) {
    const original = childProcess[name];
    childProcess[name] = function guardedSync(...args) {
      const [guardedArgs, options] = withOptionsCopy(args);
      const files = [];
      if (options.stdio !== undefined) {
        options.stdio = guardStdio(options.stdio, (stream) => {
          const name = `driver-${process.pid}-${files.length}-${Date.now()}`;
          const file = path.join(os.tmpdir(), name);
          const fd = fs.openSync(file, 'wx+', 0o600);
          files.push({ stream, file, fd });
          return fd;
        });
      }
      try {
        return original.apply(this, guardedArgs);
      } finally {
        // stdout first, as the child most likely wrote its normal output before an error.
        const ordered = [
          ...files.filter((entry) => entry.stream === 'stdout'),
          ...files.filter((entry) => entry.stream === 'stderr'),
        ];
        for (const { stream, file, fd } of ordered) {
          fs.closeSync(fd);
          targets[stream].write(fs.readFileSync(file));
          fs.unlinkSync(file);
        }
      }
    };
  }

  for (const name of ['spawn', 'fork']) {
    const original = childProcess[name];
    childProcess[name] = function guardedAsync(...args) {
      const [guardedArgs, options] = withOptionsCopy(args);
      let stdio = options.stdio;
      if (name === 'fork' && stdio === undefined) {
        stdio = options.silent ? 'pipe' : 'inherit';
      }
      // Maps a stdio index to the stream that receives what the child writes there.
      const relays = new Map();
      if (stdio !== undefined) {
        options.stdio = guardStdio(stdio, (stream, index) => {
          relays.set(index, stream);
          return 'pipe';
        });
        if (name === 'fork' && !options.stdio.includes('ipc')) {
          options.stdio.push('ipc');
        }
      }
      const child = original.apply(this, guardedArgs);
      for (const [index, stream] of relays) {
        child.stdio[index].on('data', (chunk) => targets[stream].write(chunk));
      }
      return child;
    };
  }
}

// Globals of the main context that the user's context shares. A new vm context has only the
// built-in JavaScript objects.
const SHARED_GLOBALS = [
  'AbortController', 'AbortSignal', 'Blob', 'Buffer', 'BroadcastChannel', 'Event',
  'EventTarget', 'MessageChannel', 'MessageEvent', 'MessagePort', 'TextDecoder', 'TextEncoder',
  'URL', 'URLSearchParams', 'atob', 'btoa', 'clearImmediate', 'clearInterval', 'clearTimeout',
  'crypto', 'fetch', 'performance', 'process', 'queueMicrotask', 'setImmediate', 'setInterval',
  'setTimeout', 'structuredClone',
];

/**
 * Creates the context that user code runs in. require() resolves modules from the working
 * directory, as in a script saved there.
 *
 * NOTE: Objects made in the main context, such as the values that required modules return, have
 * the main context's prototypes, so `value instanceof Array` is false for an array from a module.
 */
function createUserContext(stdout, stderr) {
  const sandbox = {};
  for (const name of SHARED_GLOBALS) {
    if (name in globalThis) {
      sandbox[name] = globalThis[name];
    }
  }
  const mainFile = path.join(process.cwd(), '[user code]');
  sandbox.console = new console.Console({ stdout, stderr });
  sandbox.require = createRequire(mainFile);
  sandbox.module = { exports: {}, filename: mainFile };
  sandbox.exports = sandbox.module.exports;
  sandbox.__filename = mainFile;
  sandbox.__dirname = process.cwd();
  const context = vm.createContext(sandbox, { name: 'user code' });
  sandbox.global = vm.runInContext('globalThis', context);
  return context;
}

const ASYNC_PREFIX = '(async () => {';
const ASYNC_SUFFIX = '\n})()';
const LEADING_DECLARATION = /^(?:const|let|var)\s+(?=[A-Za-z_$][\w$]*\s*=)/gm;

/**
 * Compiles source as a script, or, if it uses await outside a function, as the body of an async
 * function. Returns {script, isAsync}, or throws the script's SyntaxError.
 *
 * In the async form, a declaration at the start of a line, such as `const rows = await load();`,
 * becomes an assignment to a global, so later requests can use the name. NOTE: The rewrite works
 * on lines, not on the syntax tree, so it also changes such lines inside template strings, and
 * other declarations (indented ones and destructuring) stay local to the request.
 */
function compile(source, filename) {
  try {
    return { script: new vm.Script(source, { filename }), isAsync: false };
  } catch (error) {
    if (!(error instanceof SyntaxError) || !/\bawait\b/.test(source)) {
      throw error;
    }
    const body = source.replace(LEADING_DECLARATION, '');
    try {
      const script = new vm.Script(ASYNC_PREFIX + body + ASYNC_SUFFIX, {
        filename,
        columnOffset: -ASYNC_PREFIX.length,
      });
      return { script, isAsync: true };
    } catch {
      // The source has another syntax error, so report the one of the source as written.
      throw error;
    }
  }
}

/** Returns the stack or description of a thrown value, without the driver's own frames. */
function describeError(error) {
  if (error instanceof InterruptedRun) {
    return 'Interrupted by SIGINT';
  }
  let text;
  if (error !== null && typeof error === 'object' && typeof error.stack === 'string') {
    text = error.stack;
  } else {
    text = `Uncaught ${util.inspect(error)}`;
  }
  const driverFrame = new RegExp(
    `^\\s+at .*(?:${escapeRegExp(__filename)}|node:vm|node:internal/)`,
  );
  return text
    .split('\n')
    .filter((line) => !driverFrame.test(line))
    .join('\n');
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function exitCodeOf(request) {
  const code = Number(request.code);
  return Number.isInteger(code) ? code : 1;
}

/** Runs requests one after another in the persistent context. */
class CodeRunner {
  constructor(collector, context) {
    this.collector = collector;
    this.context = context;
    this.runCount = 0;
    this.queue = Promise.resolve();
    // Rejects the awaited promise of the current async run, or is null while no async run waits.
    this.interruptWaiting = null;
  }

  enqueue(source) {
    this.queue = this.queue.then(() => this.run(source));
  }

  /** Ends the waiting part of an async run. breakOnSigint stops a synchronous run. */
  interrupt() {
    if (this.interruptWaiting !== null) {
      this.interruptWaiting(new InterruptedRun());
    }
  }

  async run(source) {
    this.runCount += 1;
    const exitCode = await this.execute(source, `<input-${this.runCount}>`);
    this.collector.sendAfterOutput('finished', { exitCode });
  }

  async execute(source, filename) {
    try {
      const { script, isAsync } = compile(source, filename);
      const result = script.runInContext(this.context, {
        breakOnSigint: true,
        displayErrors: false,
      });
      if (isAsync) {
        await new Promise((resolve, reject) => {
          this.interruptWaiting = reject;
          result.then(resolve, reject);
        });
      }
      return 0;
    } catch (error) {
      if (error instanceof ExitRequest) {
        return exitCodeOf(error);
      }
      this.collector.write('stderr', `${describeError(error)}\n`);
      if (error instanceof InterruptedRun || error?.code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED') {
        return INTERRUPTED_EXIT_CODE;
      }
      return 1;
    } finally {
      this.interruptWaiting = null;
    }
  }
}

/** Logs a warning if the driver is not a process group leader, because interrupts miss it then. */
function checkProcessGroup() {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    // The command name in brackets may contain spaces, so the fields are counted after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const processGroup = Number(fields[2]);
    if (processGroup !== process.pid) {
      log(
        `warning: the driver (pid ${process.pid}) is in process group ${processGroup}, ` +
          'so the runner cannot interrupt it; start it with setsid',
      );
    }
  } catch (error) {
    log(`cannot read the process group from /proc/self/stat: ${error.message}`);
  }
}

function main() {
  checkProcessGroup();
  const collector = new OutputCollector();
  const controlIn = takeOverProcessStreams(collector);
  guardChildProcesses(process.stdout, process.stderr);
  const context = createUserContext(process.stdout, process.stderr);
  const runner = new CodeRunner(collector, context);

  // Without a listener, SIGINT would end the driver while no synchronous run is active.
  process.on('SIGINT', () => runner.interrupt());
  // Errors thrown by callbacks after their run has finished, such as in setTimeout.
  process.on('uncaughtException', (error) => {
    if (error instanceof ExitRequest) {
      log(`ignored process.exit(${error.code}) called outside a run`);
      return;
    }
    collector.write('stderr', `${describeError(error)}\n`);
  });
  process.on('unhandledRejection', (reason) => {
    collector.write('stderr', `Unhandled promise rejection: ${describeError(reason)}\n`);
  });

  const lines = readline.createInterface({ input: controlIn, crlfDelay: Infinity });
  lines.on('line', (line) => {
    let request;
    try {
      request = JSON.parse(line);
    } catch (error) {
      log(`ignoring invalid control line ${JSON.stringify(line.slice(0, 200))}: ${error.message}`);
      return;
    }
    if (!Array.isArray(request) || typeof request[0] !== 'string') {
      log(`ignoring a control line that is not [operation, payload]: ${line.slice(0, 200)}`);
      return;
    }
    const [operation, payload] = request;
    if (operation === 'code') {
      runner.enqueue(typeof payload === 'string' ? payload : '');
    } else {
      runner.queue = runner.queue.then(() => {
        collector.write('stderr', `The nodejs driver does not support '${operation}' yet.\n`);
        collector.sendAfterOutput('finished', { exitCode: 1 });
      });
    }
  });
  lines.on('close', () => {
    log('control channel closed, exiting');
    collector.flush();
    realExit(0);
  });

  sendRecord('ready', null);
  log(`ready (pid ${process.pid}, Node.js ${process.version})`);
}

main();
