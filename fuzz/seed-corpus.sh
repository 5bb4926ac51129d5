#!/usr/bin/env bash
# Seeds fuzz/corpus/parse_plan from every TOML example in docs/ and every tasks.toml written
# by the integration tests (their raw strings), one file each.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=fuzz/corpus/parse_plan
mkdir -p "$corpus"
python3 - "$corpus" <<'PY'
import hashlib, pathlib, re, sys
corpus = pathlib.Path(sys.argv[1])
seeds = []
for doc in pathlib.Path("docs").glob("*.md"):
    seeds += re.findall(r"```toml\n(.*?)```", doc.read_text(), re.S)
for test in pathlib.Path("tests/integration").glob("*.rs"):
    seeds += [s for s in re.findall(r'r#"\n(.*?)"#', test.read_text(), re.S) if "[tasks" in s]
seeds.append(pathlib.Path("tasks.toml").read_text())
for seed in seeds:
    text = "\n".join(line.strip() for line in seed.splitlines()) + "\n"
    (corpus / hashlib.sha1(text.encode()).hexdigest()).write_text(text)
print(f"{len(seeds)} seeds in {corpus}")
PY
