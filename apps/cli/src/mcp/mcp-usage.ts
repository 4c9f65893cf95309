/** `rlm mcp --help`. */
export function mcpUsage(): string {
  return `Usage: rlm mcp [--root DIR]... [--http [--port N] [--host H]] --model PROVIDER:MODEL [run options]
       rlm-mcp ...   (the same)

A Model Context Protocol server with one tool, rlm_ask({ question, paths?, text?, max_cost_usd? }):
it reads files, folders or globs inside the roots and answers with a Recursive Language Model.

  --root DIR            a folder rlm_ask may read (repeatable; default: the working folder).
                        Paths outside the roots, by .. or by symbolic links, are refused.
  --http                serve Streamable HTTP instead of stdio
  --port N              the HTTP port (default 3939; 0 picks a free one)
  --host H              the HTTP address (default 127.0.0.1: this machine only)
  --trajectory-dir DIR  where each run's trajectory is written (default
                        $XDG_STATE_HOME/rlm/trajectories, else ~/.local/state/rlm/trajectories)

Every run option of rlm (--model, --sub-model, --base-url, --env, --max-cost, --max-turns,
--exclude, --tools, --cache, …), the RLM_* variables and the config files apply as they do to
rlm "QUESTION"; a call's max_cost_usd lowers --max-cost for that call. Keys are read at each call:
a missing key is the call's error, not the server's.

Claude Code:  claude mcp add rlm -- rlm-mcp --model openai:gpt-5.4-mini
Inspector:    npx @modelcontextprotocol/inspector --cli rlm-mcp --model openai:gpt-5.4-mini \\
                --method tools/list
`;
}
