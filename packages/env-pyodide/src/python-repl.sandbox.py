# The Python side of every @rlm/env-pyodide session: `context`, the host functions, FINAL,
# FINAL_VAR, SHOW_VARS, print capture and the cell runner, inside Pyodide.
#
# The build embeds this file as a string (scripts/embed-sandbox-sources.mjs, into
# python-repl.sandbox.generated.ts); the child program runs it once per interpreter, before any model
# code, and keeps `_rlm_install` to set up a session. Run `pnpm --filter @rlm/env-pyodide build` after
# editing it.
#
# Nothing here is a security boundary: Python code can reach every object of the interpreter (and,
# through Pyodide's FFI, the JavaScript realm that hosts it). The walls are the Deno process (no
# permission but reading Pyodide's files and the context file), the child's realm with nothing but the
# bridge in it, and the host, which checks every line the child writes. What this file does is make
# the REPL behave: variables persist, reserved names come back, output is captured.

import ast as _ast
import asyncio as _asyncio
import builtins as _builtins
import json as _json
import sys as _sys
import traceback as _traceback
import types as _types

from pyodide.code import CodeRunner as _CodeRunner


# The loop's functions take their arguments by position on the host; Python may name them. Keyword
# arguments under `options` go into one trailing object (`rlm_query(p, schema=S)` → [p, None, {schema: S}]).
SIGNATURES = {
    "llm_query": (("prompt", "model"), ()),
    "llm_query_batched": (("prompts", "model"), ()),
    "rlm_query": (("prompt", "sub_context"), ("schema",)),
    "rlm_query_batched": (("prompts", "sub_contexts"), ("schema",)),
}
ALIASES = {"subContext": "sub_context", "subContexts": "sub_contexts", "context": "sub_context"}

LEFTOVER_MESSAGE = (
    "This task was still running when its cell ended, so it was cancelled. Await what a cell starts "
    "in that same cell (e.g. results = await asyncio.gather(*tasks))."
)


def _refuse_processes():
    """Processes do not exist here: the calls that would start one raise at once (Pyodide's own would
    end the interpreter with a fatal error, losing every variable)."""
    import os
    import posix

    def refuse(*_args, **_kwargs):
        raise OSError("This Python REPL cannot start processes: there are none in its sandbox.")

    for module in (os, posix):
        for name in ("system", "popen", "fork", "forkpty", "execv", "execve", "spawnv", "spawnve", "posix_spawn", "posix_spawnp"):
            if hasattr(module, name):
                setattr(module, name, refuse)
    try:
        import _posixsubprocess

        _posixsubprocess.fork_exec = refuse
    except ImportError:
        pass


_refuse_processes()


def _rlm_install(bridge, host_function_names, max_calls_in_flight):
    """Builds the session's namespace and returns the runner the child calls for each cell.

    `bridge` is a JavaScript object of the child: `hostCall(name, argsJson)` (a promise of a string:
    "1" + the result's JSON, or "0" + the host's message; it never rejects), `write(stream, text)`
    (stream 1 or 2; dropped when no cell runs) and nothing else.
    """
    host_call = bridge.hostCall
    write = bridge.write
    namespace = {"__name__": "__main__", "__builtins__": _builtins}
    reserved = {}
    state = {"final": None, "cell": 0}
    gate = _asyncio.Semaphore(max_calls_in_flight)

    class HostCallError(RuntimeError):
        """A host function failed; its message says why."""

    def arguments_of(name, args, kwargs):
        """The JSON argument list a host function gets for a Python call."""
        signature = SIGNATURES.get(name)
        if signature is None:
            # Tools take keyword arguments, which travel as one trailing object:
            # `search(pattern="x")` reaches the host as [{"pattern": "x"}].
            return list(args) + ([kwargs] if kwargs else [])
        positional, options = signature
        if len(args) > len(positional) + (1 if options else 0):
            raise TypeError(f"{name}() takes at most {len(positional)} positional arguments ({len(args)} given)")
        values = list(args[: len(positional)])
        trailing = dict(args[len(positional)]) if len(args) > len(positional) else {}
        for key, value in kwargs.items():
            canonical = ALIASES.get(key, key)
            if canonical in positional:
                index = positional.index(canonical)
                if index < len(args):
                    raise TypeError(f"{name}() got multiple values for argument '{key}'")
                while len(values) <= index:
                    values.append(None)
                values[index] = value
            elif canonical in options:
                trailing[canonical] = value
            else:
                known = ", ".join(list(positional) + list(options))
                raise TypeError(f"{name}() got an unexpected keyword argument '{key}' (it takes {known})")
        if trailing:
            values.extend([None] * (len(positional) - len(values)))
            values.append(trailing)
        while values and values[-1] is None:
            values.pop()
        return values

    def make_host_function(name):
        async def host_function(*args, **kwargs):
            payload = arguments_of(name, args, kwargs)
            try:
                args_json = _json.dumps(payload, ensure_ascii=False, allow_nan=False)
            except (TypeError, ValueError) as error:
                raise TypeError(
                    f"{name}: the arguments must be JSON data (str, int, float, bool, None, list, dict "
                    f"with str keys): {error}"
                ) from None
            async with gate:
                answer = str(await host_call(name, args_json))
            if answer[:1] == "1":
                return None if len(answer) == 1 else _json.loads(answer[1:])
            raise HostCallError(answer[1:])

        host_function.__name__ = name
        host_function.__qualname__ = name
        return host_function

    def text_of(value):
        if isinstance(value, str):
            return value, None
        try:
            return _json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False), "json"
        except (TypeError, ValueError):
            return str(value), None

    def FINAL(value):
        """Sets the final answer: a string as it is, other values as JSON."""
        text, format = text_of(value)
        state["final"] = {"source": "FINAL", "value": text, **({"format": format} if format else {})}

    def FINAL_VAR(name):
        """Sets the value of the variable `name` as the final answer."""
        if not isinstance(name, str):
            raise TypeError(
                'FINAL_VAR takes the name of a variable as a string, e.g. FINAL_VAR("answer"); '
                "to answer with a value, call FINAL(value)."
            )
        key = name.strip()
        if key.isidentifier():
            if key not in namespace:
                raise NameError(
                    f"FINAL_VAR: there is no variable named '{key}'. Assign it in a cell first, or "
                    "pass the answer itself to FINAL(value)."
                )
            text, format = text_of(namespace[key])
            state["final"] = {
                "source": "FINAL_VAR",
                "value": text,
                "variableName": key,
                **({"format": format} if format else {}),
            }
            return
        # Not a name: the model wrote its answer where the name goes. It is taken as the answer.
        state["final"] = {"source": "FINAL_VAR", "value": name}

    def SHOW_VARS():
        """Lists the variables made so far, with their types."""
        shown = [
            f"{key}: {type(value).__name__}"
            for key, value in namespace.items()
            if not key.startswith("_")
            and key not in reserved
            and not isinstance(value, _types.ModuleType)
            and value is not initial_answer
        ]
        if not shown:
            return "No variables yet. Names assigned at the top level of a cell persist to later cells."
        return "Variables: " + ", ".join(shown)

    class Output:
        """sys.stdout / sys.stderr for cells: text goes to the child, which keeps the cell's share."""

        def __init__(self, stream):
            self.stream = stream

        def write(self, text):
            if not isinstance(text, str):
                raise TypeError(f"write() argument must be str, not {type(text).__name__}")
            write(self.stream, text)
            return len(text)

        def writelines(self, lines):
            for line in lines:
                self.write(line)

        def flush(self):
            pass

        def isatty(self):
            return False

        @property
        def encoding(self):
            return "utf-8"

    stdout = Output(1)
    stderr = Output(2)

    def define(name, value):
        reserved[name] = value
        namespace[name] = value

    for name in host_function_names:
        define(name, make_host_function(name))
    # The reference's newer way to finish: answer["content"] = ...; answer["ready"] = True.
    initial_answer = {"content": "", "ready": False}
    namespace["answer"] = initial_answer
    define("FINAL", FINAL)
    define("FINAL_VAR", FINAL_VAR)
    define("SHOW_VARS", SHOW_VARS)

    def bind(name, value):
        define(name, value)

    original_print = _builtins.print

    def restore():
        for name, value in reserved.items():
            namespace[name] = value
        _sys.stdout = stdout
        _sys.stderr = stderr
        # print is the model's way to show anything: a cell that shadowed or replaced it gets it back.
        _builtins.print = original_print
        if namespace.get("print", original_print) is not original_print:
            del namespace["print"]

    def error_of(error, file_name, syntax):
        name = type(error).__name__
        message = str(error) if not syntax else (error.msg or str(error))
        line = None
        if syntax and getattr(error, "filename", None) == file_name:
            line = error.lineno
        frames = [frame for frame in _traceback.extract_tb(error.__traceback__) if frame.filename == file_name]
        if frames:
            line = frames[-1].lineno
        # Only the cell's own frames: the runner's are noise to the model.
        stack = "".join(_traceback.format_list(frames)) + "".join(_traceback.format_exception_only(error))
        if not message:
            message = name
        described = {"name": name, "message": message, "stack": stack}
        if line is not None:
            described["line"] = line
        return described

    async def run_cell(code, cell_id, file_name):
        """Runs one cell; returns its outcome as JSON text. Never raises."""
        state["final"] = None
        state["cell"] = cell_id
        restore()
        try:
            try:
                runner = _CodeRunner(
                    code,
                    return_mode="last_expr",
                    quiet_trailing_semicolon=True,
                    filename=file_name,
                    flags=_ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
                ).compile()
            except SyntaxError as error:
                return _json.dumps({"outcome": "syntax", "error": error_of(error, file_name, True)})
            try:
                value = runner.run_async(namespace)
                if _asyncio.iscoroutine(value):
                    value = await value
            except _asyncio.CancelledError as error:
                current = _asyncio.current_task()
                if current is not None and current.cancelling() > 0:
                    return _json.dumps({"outcome": "cancelled"})
                # Awaiting a task an earlier cell left behind: an error of this cell, not its end.
                result = {"outcome": "rejected", "error": error_of(error, file_name, False)}
                if not result["error"]["message"] or result["error"]["message"] == "CancelledError":
                    result["error"]["message"] = LEFTOVER_MESSAGE
                return _json.dumps(result)
            except BaseException as error:  # noqa: BLE001 - SystemExit and KeyboardInterrupt are the cell's too
                result = {"outcome": "rejected", "error": error_of(error, file_name, False)}
                if isinstance(error, MemoryError):
                    result["memory"] = True
                return _json.dumps(result)
            result = {"outcome": "fulfilled"}
            if value is not None:
                try:
                    result["value"] = repr(value)
                except BaseException as error:  # noqa: BLE001
                    result["value"] = f"<repr failed: {type(error).__name__}: {error}>"
            # The reference's newer protocol: answer["content"] with answer["ready"] = True.
            answer = namespace.get("answer")
            if state["final"] is None and isinstance(answer, dict) and answer.get("ready") is True:
                text, format = text_of(answer.get("content", ""))
                state["final"] = {"source": "FINAL", "value": text, **({"format": format} if format else {})}
            if state["final"] is not None:
                result["final"] = state["final"]
            return _json.dumps(result)
        finally:
            state["cell"] = 0
            restore()

    def load_context(data, kind, separator):
        """Binds `context` from the context file's bytes: a str, a list of str (split at `separator`) or JSON."""
        text = data.to_bytes().decode("utf-8")
        if kind == "string":
            value = text
        elif kind == "split":
            value = text.split(separator)
        else:
            value = _json.loads(text)
        define("context", value)

    running = {"task": None}
    loop = _asyncio.get_event_loop()
    # Tasks a cell starts (asyncio.ensure_future, create_task, gather) are its own: whatever is left
    # of them when the cell ends is cancelled, so nothing of it runs later, and a later cell that
    # awaits one is told why at once.
    cell_tasks = []
    create_task = loop.create_task

    # Pyodide's loop breaks with task factories on Python 3.14; its create_task is wrapped instead
    # (asyncio.create_task, ensure_future and gather all go through it).
    def tracked_create_task(coroutine, **kwargs):
        task = create_task(coroutine, **kwargs)
        if state["cell"] != 0:
            cell_tasks.append(task)
        return task

    loop.create_task = tracked_create_task

    def start_cell(code, cell_id, file_name, done):
        """Starts a cell as a task of the event loop; `done` gets its outcome's JSON text."""
        task = _asyncio.ensure_future(run_cell(code, cell_id, file_name))
        running["task"] = task
        del cell_tasks[:]

        def report(finished):
            running["task"] = None
            try:
                outcome = finished.result()
            except BaseException as error:  # noqa: BLE001 - a cancelled task, or the runner failed
                outcome = _json.dumps(
                    {"outcome": "cancelled"}
                    if isinstance(error, _asyncio.CancelledError)
                    else {"outcome": "rejected", "error": {"name": type(error).__name__, "message": str(error)}}
                )
            leftovers = [left for left in cell_tasks if left is not task and not left.done()]
            del cell_tasks[:]
            for left in leftovers:
                left.cancel(LEFTOVER_MESSAGE)
            rounds = [0]

            def finish():
                # A few turns of the loop let the cancelled tasks wind down; code that swallows the
                # cancellation is cut off when the cell ends (nothing of it runs afterwards).
                if rounds[0] < 20 and any(not left.done() for left in leftovers):
                    rounds[0] += 1
                    loop.call_soon(finish)
                    return
                done(outcome)

            finish()

        task.add_done_callback(report)

    def cancel_cell():
        task = running["task"]
        if task is not None:
            task.cancel()

    restore()
    return {"bind": bind, "load_context": load_context, "start_cell": start_cell, "cancel_cell": cancel_cell}


def _rlm_parse_json(text):
    """The context or an added value, parsed inside the interpreter so its objects are Python's."""
    return _json.loads(text)
