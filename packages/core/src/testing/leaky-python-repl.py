# A Python REPL with NO sandbox, for core's self-test of the Python security suite only
# (test-environment-python-security.test.ts). Never run model code with it.
#
# It runs in a plain `python3` process of the host: files, environment variables, processes and sockets
# are all reachable, on purpose, and `import js` gives a "JavaScript realm" that is a real Node.js
# process with `process`, `require`, `fetch` and `import()` (what Pyodide would give if it ran without
# the Deno wall). Everything else behaves the way the suite expects of a REPL: cells with top-level
# await and a last-expression value, persistent variables, reserved names restored after each cell,
# host functions over a line protocol, FINAL, output captured, leftover tasks cancelled, MemoryError
# reported as a memory error. The host side is test-environment-python-security-fixture.ts.
#
# argv[1] is a comma-separated list of holes (see LEAKY_PYTHON_HOLES there); each makes exactly one
# of those behaviours wrong.
#
# Protocol: the host writes JSON lines on stdin ({"type": "start" | "cell" | "result", ...}); this
# process writes JSON lines on fd 3 ({"type": "ready" | "out" | "call", ...}, and for the end of a cell
# `{"type": "cellDone", "id": n}` TAB `{result}`). With the hole `protocolOnStdout` it writes them on
# its stdout, mixed with what the cell writes there.

import ast
import asyncio
import builtins
import codecs
import inspect
import json
import os
import resource
import subprocess
import sys
import threading
import traceback
import types

HOLES = set(filter(None, (sys.argv[1] if len(sys.argv) > 1 else "").split(",")))
CELL_FILE = "<cell>"
MEMORY_LIMIT_BYTES = 512 * 1024 * 1024
REALM_MEMORY_LIMIT_BYTES = 1024 * 1024 * 1024

# A cap on the address space, so allocation bombs end in MemoryError instead of taking the machine.
resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, resource.getrlimit(resource.RLIMIT_AS)[1]))

PROTOCOL_FD = 1 if "protocolOnStdout" in HOLES else 3
protocol_lock = threading.Lock()


def send(message, body=None):
    line = json.dumps(message) + ("\t" + json.dumps(body) if body is not None else "") + "\n"
    data = line.encode("utf-8", "surrogatepass")
    with protocol_lock:
        view = memoryview(data)
        while view:
            view = view[os.write(PROTOCOL_FD, view) :]


# Everything the cell writes on fd 1 (print and sys.stdout too, so that the order holds) goes through a
# pipe this process reads, so it reaches the host as output of the cell before the cell's end (a marker
# written at the end flushes it).
FLUSH_MARKER = b"\x00rlm-leaky-flush-" + os.urandom(8).hex().encode() + b"\x00"
flushed = threading.Event()


def pass_surrogates_else_replace(error):
    # Lone surrogates a cell printed come through as they are; bytes that are not UTF-8 become U+FFFD.
    try:
        return codecs.lookup_error("surrogatepass")(error)
    except UnicodeDecodeError:
        return "\ufffd", error.start + 1


codecs.register_error("rlm-leaky-output", pass_surrogates_else_replace)


def forward_raw_stdout(read_fd):
    decoder = codecs.getincrementaldecoder("utf-8")("rlm-leaky-output")
    pending = b""
    while True:
        chunk = os.read(read_fd, 65536)
        if not chunk:
            return
        pending += chunk
        while True:
            index = pending.find(FLUSH_MARKER)
            if index < 0:
                break
            text = decoder.decode(pending[:index])
            if text:
                send({"type": "out", "stream": 1, "text": text})
            pending = pending[index + len(FLUSH_MARKER) :]
            flushed.set()
        keep = len(FLUSH_MARKER) - 1
        if len(pending) > keep:
            text = decoder.decode(pending[:-keep])
            if text:
                send({"type": "out", "stream": 1, "text": text})
            pending = pending[-keep:]


if PROTOCOL_FD == 3:
    read_fd, write_fd = os.pipe()
    os.dup2(write_fd, 1)
    os.close(write_fd)
    threading.Thread(target=forward_raw_stdout, args=(read_fd,), daemon=True).start()


def flush_raw_stdout():
    if PROTOCOL_FD != 3:
        return
    flushed.clear()
    os.write(1, FLUSH_MARKER)
    flushed.wait(5)


class Output:
    """sys.stdout / sys.stderr of cells: every write goes to the host as output of the running cell."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if not text:
            return 0
        if self.stream == 1 and PROTOCOL_FD == 3:
            data = memoryview(text.encode("utf-8", "surrogatepass"))
            while data:
                data = data[os.write(1, data) :]
        else:
            send({"type": "out", "stream": self.stream, "text": text})
        return len(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        pass

    def isatty(self):
        return False

    encoding = "utf-8"


# ---- The "JavaScript realm": a Node.js process, started on first use, with every host capability.

REALM_SOURCE = r"""
const vm = require('node:vm');
const readline = require('node:readline');
const stringify = JSON.stringify;
const parse = JSON.parse;
const kept = new Set();
// Node's own fetch parses HTTP with WebAssembly, which cannot reserve its memory under the realm's
// address-space limit: this one, over node:http, reaches the network just as well.
const fetchOverHttp = (url) =>
  new Promise((resolve, reject) => {
    require('node:http')
      .get(String(url), (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => { body += chunk; });
        response.on('end', () => resolve({ status: response.statusCode, text: async () => body }));
      })
      .on('error', reject);
  });
const realm = vm.createContext({ process, require, fetch: fetchOverHttp, console, Buffer, setTimeout, module, global: undefined });
vm.runInContext('globalThis.global = globalThis', realm);
const run = (code) =>
  vm.runInContext(`(function () {\n${code}\n})()`, realm, {
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
function describe(value) {
  if (value === undefined) return { undefined: true };
  if (value !== null && (typeof value === 'object' || typeof value === 'function')) kept.add(value);
  if (typeof value === 'function') return { proxy: `function ${value.name}` };
  try {
    const json = stringify(value);
    if (json !== undefined && (value === null || typeof value !== 'object' || json !== '{}')) return { json };
  } catch {}
  return { proxy: Object.prototype.toString.call(value) };
}
const send = (message) => process.stdout.write(`${stringify(message)}\n`);
readline.createInterface({ input: process.stdin }).on('line', async (line) => {
  const request = parse(line);
  try {
    if (request.roundtrip !== undefined) {
      // Through the realm's own JSON, which cells can replace.
      const json = vm.runInContext('JSON', realm);
      send({ ok: true, json: String(json.stringify(json.parse(request.roundtrip))) });
      return;
    }
    let value = run(request.code);
    if (value !== null && typeof value === 'object' && typeof value.then === 'function') value = await value;
    send({ ok: true, ...describe(value) });
  } catch (error) {
    send({ ok: false, name: String(error?.name ?? 'Error'), message: String(error?.message ?? error) });
  }
});
"""


class JsException(Exception):
    """An error thrown in the realm."""


class JsProxy:
    """A value of the realm that is not plain data (a function, `process`, a buffer)."""

    def __init__(self, description):
        self.description = description

    def __repr__(self):
        return f"<JsProxy {self.description}>"


class Realm:
    def __init__(self):
        self.process = None
        self.lock = threading.Lock()

    def request(self, message):
        with self.lock:
            if self.process is None:

                def raise_memory_limit():
                    # Node cannot start under this process's limit; the realm gets its own.
                    resource.setrlimit(
                        resource.RLIMIT_AS, (REALM_MEMORY_LIMIT_BYTES, resource.getrlimit(resource.RLIMIT_AS)[1])
                    )

                self.process = subprocess.Popen(
                    [os.environ.get("RLM_LEAKY_PYTHON_NODE", "node"), "-e", REALM_SOURCE],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    preexec_fn=raise_memory_limit,
                )
            self.process.stdin.write((json.dumps(message) + "\n").encode())
            self.process.stdin.flush()
            line = self.process.stdout.readline()
        if not line:
            raise JsException("the JavaScript realm ended")
        reply = json.loads(line)
        if not reply["ok"]:
            if "allocation failed" in reply["message"]:
                raise MemoryError(reply["message"])
            raise JsException(f"{reply['name']}: {reply['message']}")
        return reply

    def run(self, code):
        reply = self.request({"code": code})
        if "json" in reply:
            return json.loads(reply["json"])
        if "proxy" in reply:
            return JsProxy(reply["proxy"])
        return None

    def roundtrip(self, text):
        return self.request({"roundtrip": text})["json"]


realm = Realm()


def install_js_module():
    module = types.ModuleType("js")

    def function_constructor(code):
        return lambda *_args: realm.run(code)

    module.Function = function_constructor

    def module_getattr(name):
        if name.startswith("__"):
            raise AttributeError(name)
        value = realm.run(f"return globalThis[{json.dumps(name)}]")
        if value is None:
            raise AttributeError(f"js has no attribute {name!r}")
        return value

    module.__getattr__ = module_getattr
    sys.modules["js"] = module


install_js_module()


# ---- The REPL.

loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
cells = asyncio.Queue()
pending_calls = {}
next_call = [0]
state = {"cell": 0, "final": None}
cell_tasks = []
cell_handles = []
earlier_leftovers = []


def read_stdin():
    for line in sys.stdin.buffer:
        message = json.loads(line)
        if message["type"] == "result":
            loop.call_soon_threadsafe(settle_call, message)
        else:
            loop.call_soon_threadsafe(cells.put_nowait, message)
    os._exit(0)


def settle_call(message):
    future = pending_calls.pop(message["call"], None)
    if future is not None and not future.done():
        future.set_result(message)


def track_tasks(event_loop, coroutine, **kwargs):
    task = asyncio.Task(coroutine, loop=event_loop, **kwargs)
    if state["cell"] != 0:
        cell_tasks.append(task)
    return task


loop.set_task_factory(track_tasks)
original_call_at = loop.call_at


def tracked_call_at(when, callback, *args, context=None):
    handle = original_call_at(when, callback, *args, context=context)
    if state["cell"] != 0:
        cell_handles.append(handle)
    return handle


loop.call_at = tracked_call_at


class HostCallError(RuntimeError):
    """A host function failed; its message says why."""


def make_host_function(name):
    async def host_function(*args, **kwargs):
        payload = list(args) + ([kwargs] if kwargs else [])
        try:
            text = json.dumps(payload, allow_nan=False)
        except (TypeError, ValueError) as error:
            raise TypeError(f"{name}: the arguments must be JSON data: {error}") from None
        next_call[0] += 1
        call = next_call[0]
        future = loop.create_future()
        pending_calls[call] = future
        send({"type": "call", "call": call, "name": name}, json.loads(text))
        reply = await future
        if not reply["ok"]:
            raise HostCallError(reply["message"])
        if "value" not in reply:
            return None
        if "bridgeInRealm" in HOLES:
            return json.loads(realm.roundtrip(json.dumps(reply["value"])))
        return reply["value"]

    host_function.__name__ = name
    return host_function


def text_of(value):
    if isinstance(value, str):
        return value, None
    try:
        return json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False), "json"
    except (TypeError, ValueError):
        return str(value), None


def FINAL(value):
    text, format = text_of(value)
    state["final"] = {"source": "FINAL", "value": text, **({"format": format} if format else {})}


def FINAL_VAR(name):
    if name not in namespace:
        raise NameError(f"FINAL_VAR: there is no variable named {name!r}")
    text, format = text_of(namespace[name])
    state["final"] = {"source": "FINAL_VAR", "value": text, "variableName": name, **({"format": format} if format else {})}


namespace = {"__name__": "__main__", "__builtins__": builtins}
reserved = {"FINAL": FINAL, "FINAL_VAR": FINAL_VAR}
stdout = Output(1)
stderr = Output(2)
original_print = builtins.print


def restore():
    if "noRestore" in HOLES:
        return
    namespace.update(reserved)
    sys.stdout = stdout
    sys.stderr = stderr
    builtins.print = original_print
    if namespace.get("print", original_print) is not original_print:
        del namespace["print"]


def error_of(error, kind):
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == CELL_FILE]
    line = frames[-1].lineno if frames else None
    if isinstance(error, SyntaxError):
        line = error.lineno
    message = (error.msg if isinstance(error, SyntaxError) else str(error)) or type(error).__name__
    described = {
        "kind": kind,
        "name": type(error).__name__,
        "message": message,
        "stack": "".join(traceback.format_list(frames)) + "".join(traceback.format_exception_only(error)),
    }
    if line is not None:
        described["line"] = line
    return described


async def run_code(code):
    """Runs a cell's code in the namespace; returns the value of a last bare expression."""
    tree = ast.parse(code, CELL_FILE)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr) and not code.rstrip().endswith(";"):
        last = tree.body.pop().value
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    body = compile(tree, CELL_FILE, "exec", flags=flags)
    outcome = eval(body, namespace)  # noqa: S307 - running the cell is the point
    if body.co_flags & inspect.CO_COROUTINE:
        await outcome
    if last is None:
        return None
    expression = compile(ast.Expression(last), CELL_FILE, "eval", flags=flags)
    value = eval(expression, namespace)  # noqa: S307
    if expression.co_flags & inspect.CO_COROUTINE:
        value = await value
    return value


async def run_cell(message):
    state["final"] = None
    restore()
    if "awaitsLeftovers" in HOLES and earlier_leftovers:
        await asyncio.gather(*earlier_leftovers, return_exceptions=True)
    state["cell"] = message["id"]
    del cell_tasks[:]
    del cell_handles[:]
    result = {}
    try:
        try:
            value = await run_code(message["code"])
            if value is not None:
                result["value"] = repr(value)
        except SyntaxError as error:
            result["error"] = error_of(error, "syntax")
        except MemoryError as error:
            result["error"] = error_of(error, "runtime" if "memoryErrorAsRuntime" in HOLES else "memory")
        except BaseException as error:  # noqa: BLE001 - SystemExit and KeyboardInterrupt are the cell's
            result["error"] = error_of(error, "runtime")
    finally:
        state["cell"] = 0
    if state["final"] is not None:
        result["final"] = state["final"]
    leftovers = [task for task in cell_tasks if not task.done()]
    if "leftoversRun" not in HOLES:
        for task in leftovers:
            task.cancel()
        for handle in cell_handles:
            handle.cancel()
        # A few turns of the loop let the cancelled tasks wind down.
        for _ in range(5):
            await asyncio.sleep(0)
    earlier_leftovers.extend(leftovers)
    restore()
    flush_raw_stdout()
    send({"type": "cellDone", "id": message["id"]}, result)


async def main(start):
    for name in start["hostFunctions"]:
        reserved[name] = make_host_function(name)
    reserved["context"] = start["context"]
    restore()
    send({"type": "ready"})
    while True:
        message = await cells.get()
        # Each cell is a task of its own, not tracked as a leftover of itself.
        await asyncio.ensure_future(run_cell(message))


start_line = sys.stdin.buffer.readline()
threading.Thread(target=read_stdin, daemon=True).start()
loop.run_until_complete(main(json.loads(start_line)))
