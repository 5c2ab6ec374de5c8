// The dev stack owns its children even when it cannot act any more. `valkey-bun dev` starts every process in a
// process group of its own (so a terminal's Ctrl-C reaches only the launcher, which stops them in order) and tells
// a tiny /bin/sh sidekick each group id through a pipe. Should that pipe close without a "done" line (the launcher
// was killed with SIGKILL, crashed, or the OS closed it), the sidekick sends SIGTERM to every group still listed,
// and SIGKILL half a second later: the server and every app are gone within a second, and the port is free.
// A shell rather than a second Node or Bun process: it costs a millisecond to start and nothing while it waits.

import { spawn, type ChildProcess } from "node:child_process";

const SCRIPT = `
groups=" "
while IFS= read -r line; do
  case "$line" in
    done) exit 0 ;;
    +*) groups="$groups\${line#+} " ;;
    -*) groups=$(printf '%s' "$groups" | sed "s/ \${line#-} / /") ;;
  esac
done
[ "$groups" = " " ] && exit 0
for g in $groups; do kill -s TERM -- "-$g" 2>/dev/null; done
sleep 0.5
for g in $groups; do kill -s KILL -- "-$g" 2>/dev/null; done
exit 0
`;

export interface Reaper {
  /** Spawn options that put a child in a process group of its own (its pid is the group id). */
  readonly detached: boolean;
  /** A child whose group to end if the launcher dies. */
  add(child: ChildProcess): void;
  /** The launcher is stopping normally: the sidekick exits without touching anyone. */
  release(): void;
}

/** No sidekick on Windows (no process groups to signal): children are stopped only by a launcher that lives. */
export function startReaper(): Reaper {
  if (process.platform === "win32") return { detached: false, add() {}, release() {} };
  const sidekick = spawn("/bin/sh", ["-c", SCRIPT], { stdio: ["pipe", "ignore", "ignore"], detached: true });
  sidekick.unref();
  const input = sidekick.stdin!;
  (input as unknown as { unref?: () => void }).unref?.();
  input.on("error", () => {}); // the sidekick gone (killed by hand): nothing left to tell it
  const send = (line: string) => {
    if (!input.destroyed && input.writable) input.write(`${line}\n`);
  };
  return {
    detached: true,
    add(child) {
      const pid = child.pid;
      if (pid === undefined) return;
      send(`+${pid}`);
      child.once("exit", () => send(`-${pid}`));
    },
    release() {
      send("done");
      input.end();
    },
  };
}
