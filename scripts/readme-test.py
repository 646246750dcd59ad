#!/usr/bin/env python3
"""Runs the commands of README.md, so that they cannot fall behind the code.

"Getting started" runs in an empty folder, against the ResultCache package packed from this clone (a nuget.config
maps the package id to that feed); "Try it" runs in the clone. Each section's blocks run in one bash, in order, with
`set -euo pipefail`; a C# block whose first line is `// File.cs` is written to that file where the commands stand.
Ports are swapped for free ones. Any other section with a shell block fails the run, so no command escapes CI.
Then the output is checked for what the README says the reader will see.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN = {"Getting started", "Try it"}
SKIP = {"bash scripts/test.sh"}  # the test script itself, which runs this one


def sections(readme):
    """{heading: [(language, text)]} for every '## ' section's fenced blocks."""
    result, heading, block, language = {}, None, None, None
    for line in readme.splitlines():
        if block is not None:
            if line.startswith("```"):
                result.setdefault(heading, []).append((language, "\n".join(block)))
                block = None
            else:
                block.append(line)
        elif line.startswith("## "):
            heading = line[3:].strip()
        elif line.startswith("```"):
            language, block = line[3:].strip(), []
    return result


def script(blocks):
    lines = []
    for language, text in blocks:
        if language == "sh":
            lines += [line for line in text.splitlines() if line.strip() not in SKIP]
        elif language == "csharp":
            name = re.match(r"// (\S+\.cs)\b", text)
            if name:
                lines += [f"cat > {name.group(1)} <<'CSHARP'", text, "CSHARP"]
    return "\n".join(lines) + "\n"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(name, text, cwd, env):
    ports = {port: str(free_port()) for port in ("6379", "5000", "5080")}
    for port, free in ports.items():
        text = re.sub(rf"\b{port}\b", free, text)
    print(f"== README: {name} (in {cwd})\n{text}", flush=True)
    # Output goes to a file, not a pipe: an app left running in the background would hold a pipe open.
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(["bash", "-c", "set -euo pipefail\n" + text], cwd=cwd, env=env, text=True,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            status = process.wait(timeout=600)
        finally:
            try:
                os.killpg(process.pid, signal.SIGKILL)  # anything a failed step left running
            except ProcessLookupError:
                pass
            subprocess.run(["redis-cli", "-p", ports["6379"], "shutdown", "nosave"], capture_output=True)
        log.seek(0)
        output = log.read()
    print(output, flush=True)
    if status != 0:
        sys.exit(f"README section '{name}' failed: exit code {status}")
    return output


def expect(condition, message, output):
    if not condition:
        sys.exit(f"README check failed: {message}\n--- output ---\n{output}")


def getting_started(blocks):
    work = tempfile.mkdtemp(prefix="resultcache-readme-")
    try:
        subprocess.run(["dotnet", "pack", "src/Runtime", "-c", "Release", "-o", os.path.join(work, "feed")],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(work, "nuget.config"), "w") as config:
            config.write("""<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="resultcache" value="feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="resultcache"><package pattern="ResultCache" /></packageSource>
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
  </packageSourceMapping>
</configuration>
""")
        env = dict(os.environ, NUGET_PACKAGES=os.path.join(work, "packages"), DOTNET_NOLOGO="1")
        output = run("Getting started", script(blocks), work, env)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    times = [float(t) for t in re.findall(r"^\S.*  ([0-9.]+) s$", output, re.M)]
    expect(len(times) == 4, f"four timed calls, found {len(times)}", output)
    expect(times[0] >= 0.9 and times[2] >= 0.9, "the misses (no Redis, then an empty Redis) ran the 1 s body", output)
    expect(times[1] < 0.9, "the second call without Redis was a hit", output)
    expect(re.search(r"^rc:Prices\.GetPriceAsync:", output, re.M), "the entry is listed in Redis", output)
    # After the restart, the only call was answered from Redis.
    expect(re.search(r'^cache_hits_total\{[^}]*cache_method="Prices\.GetPriceAsync"[^}]*\} 1$', output, re.M),
           "one hit in /metrics", output)
    expect("cache_misses_total" not in output, "no miss after the restart", output)


def try_it(blocks):
    output = run("Try it", script(blocks), ROOT, dict(os.environ, DOTNET_NOLOGO="1"))
    expect("Healthy" in output, "the WebApi sample reports Healthy", output)
    expect(re.search(r"^cache_invalidations_total\{[^}]*\} 1$", output, re.M), "the write invalidated", output)


def main():
    with open(os.path.join(ROOT, "README.md")) as readme:
        found = sections(readme.read())
    for heading, blocks in found.items():
        if heading not in RUN and any(language == "sh" for language, _ in blocks):
            sys.exit(f"README section '{heading}' has shell commands that CI does not run: move them, or run them here.")
    getting_started(found["Getting started"])
    try_it(found["Try it"])
    print("README commands passed.")


if __name__ == "__main__":
    main()
