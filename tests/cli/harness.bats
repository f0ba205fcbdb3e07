#!/usr/bin/env bats
# The tests themselves: none waits forever, and one that needs a terminal
# skips, saying why, where no pseudo-terminal can be had.

load helpers

# A bats run inside a test, in a clean environment (the outer run's BATS_*
# variables would confuse it) with the outer PATH but bats' own directory.
inner_bats() {
	env -i PATH="${PATH//$BATS_LIBEXEC:/}" HOME="$HOME" XE2E_BUILD="${XE2E_BUILD:-}" "$@"
}

# A script(1) that cannot create a pseudo-terminal, as in a container
# without /dev/pts.
no_pty_path() {
	mkdir -p "$BATS_TEST_TMPDIR/nopty"
	cat >"$BATS_TEST_TMPDIR/nopty/script" <<'EOF'
#!/bin/sh
echo "script: failed to create pseudo-terminal: No such file or directory" >&2
exit 1
EOF
	chmod +x "$BATS_TEST_TMPDIR/nopty/script"
	echo "$BATS_TEST_TMPDIR/nopty:$PATH"
}

@test "harness: a prompt test without a pseudo-terminal skips with the reason" {
	PATH=$(no_pty_path) run inner_bats timeout 120 bats --formatter tap \
		-f 'interactive yes and no at a terminal prompt' "$BATS_TEST_DIRNAME/verify_sas.bats"
	assert_success
	assert_output --partial '# skip no pseudo-terminal: script(1) cannot create one here'
}

@test "harness: a test that hangs on a FIFO is ended by the time limit" {
	local at=@ # a test line of its own here would be taken for one of this file
	cat >"$BATS_TEST_TMPDIR/hang.bats" <<EOF
load '$BATS_TEST_DIRNAME/helpers'
${at}test "a FIFO nobody writes to" {
	mkfifo "\$BATS_TEST_TMPDIR/f"
	cat <"\$BATS_TEST_TMPDIR/f" &
	wait \$!
}
EOF
	run inner_bats BATS_TEST_TIMEOUT=2 timeout 60 bats --formatter tap "$BATS_TEST_TMPDIR/hang.bats"
	assert_failure 1
	assert_output --partial 'not ok 1 a FIFO nobody writes to # timeout after 2s'
}

@test "harness: no test waits with a bare wait, which would wait for the time limit's watchdog" {
	# one tab deep is a test's own shell; jobs are waited for by their pids
	run grep -nE '^	wait[[:space:]]*($|\|\||;|&&)' "$BATS_TEST_DIRNAME"/*.bats "$BATS_TEST_DIRNAME"/*.bash
	assert_failure 1
	assert_output ''
}
