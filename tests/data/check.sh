# Sourced by the shell tests of this folder: `check DESCRIPTION COMMAND...`
# runs the command, prints "ok: ..." or "FAILED: ...", and a failure sets
# fail=1 (the script's exit status).
fail=0
check() {
    desc=$1; shift
    if "$@"; then echo "ok: $desc"; else echo "FAILED: $desc"; fail=1; fi
}
