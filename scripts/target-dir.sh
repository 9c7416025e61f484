# Sourced by the scripts: a cargo target directory outside the clone keeps builds warm
# between clones (CI, worktrees); ./target when /var/cache is not writable.
if [ -z "${CARGO_TARGET_DIR:-}" ]; then
  if mkdir -p /var/cache/gigafund/target 2>/dev/null && [ -w /var/cache/gigafund/target ]; then
    export CARGO_TARGET_DIR=/var/cache/gigafund/target
  else
    export CARGO_TARGET_DIR="$PWD/target"
  fi
fi
