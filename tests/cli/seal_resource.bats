# What is authenticated of a JID (xe2e(7) SESSIONS, Sealed stanzas): a
# sender that knows its full JID binds it, so a server that rewrites the
# resource of 'from' gets the stanza refused; a sender that does not leaves
# the resource unauthenticated, which xe2e-open --verbose says and
# --require-resource refuses.

load helpers
load seal_helpers

setup() {
	seal_setup
}

# Bob's xe2e-open of FILE with ARGS, stdout and stderr apart, and Bob's
# state before it in $BEFORE.
bob_opens() {
	local file=$1
	shift
	BEFORE=$(tree_digest "$T/bob/state")
	run --separate-stderr xopen bob "$@" <"$file"
}

@test "resource: a rewritten resource of the sender is refused, naming the rewrite" {
	msg alice bob m1 'Hello, Bob!' >"$T/plain"
	xseal alice <"$T/plain" >"$T/sealed"
	# The server rewrites the resource of 'from', or takes it away.
	sed "s|from='$ALICE_FULL'|from='$ALICE_JID/evil'|" "$T/sealed" >"$T/evil"
	bob_opens "$T/evil"
	assert_failure 1
	assert_output ''
	assert_equal "$stderr" "xe2e-open: <message id='m1'> from $ALICE_JID/evil not opened: tampered: $(
		)its sender bound its full JID, so the resource of 'from' may have been rewritten on $(
		)the way"
	assert_equal "$(tree_digest "$T/bob/state")" "$BEFORE"
	sed "s|from='$ALICE_FULL'|from='$ALICE_JID'|" "$T/sealed" >"$T/bare"
	bob_opens "$T/bare"
	assert_failure 1
	[[ $stderr == *"not opened: tampered: "*"the resource of 'from' may have been rewritten"* ]]
	assert_equal "$(tree_digest "$T/bob/state")" "$BEFORE"
	# The stanza as sealed opens, with its from authenticated as a whole.
	bob_opens "$T/sealed" --verbose
	assert_success
	assert_output "$(cat "$T/plain")"
	[[ $stderr == *"opened <message> from $ALICE_FULL (epoch 1, message 0)"$'\n'* ||
		$stderr == *"opened <message> from $ALICE_FULL (epoch 1, message 0)" ]]
	[[ $stderr != *"not authenticated"* ]]
}

@test "resource: a sender without its full JID still works; its resource is not authenticated" {
	# No 'from': the sealed stanza says the bare JID, and a server adds the
	# resource of the connection, which the seal cannot vouch for.
	printf "<message to='%s' type='chat' id='m1'><body>hi</body></message>\n" "$BOB_FULL" |
		xseal alice >"$T/sealed"
	grep -q "from='$ALICE_JID'" "$T/sealed"
	run --separate-stderr xopen alice --inspect <"$T/sealed"
	[[ $output == *" sender=bare "* ]]
	sed "s|from='$ALICE_JID'|from='$ALICE_JID/anything'|" "$T/sealed" >"$T/stamped"
	# With --require-resource it is refused before any key is used...
	bob_opens "$T/stamped" --require-resource
	assert_failure 1
	assert_output ''
	assert_equal "$stderr" "xe2e-open: <message id='m1'> from $ALICE_JID/anything not opened: $(
		)resource not authenticated: its sender did not bind the resource of 'from', so the $(
		)server may have set or rewritten it (--require-resource)"
	assert_equal "$(tree_digest "$T/bob/state")" "$BEFORE"
	# ...without it, it opens (exit 0) with what the server wrote, and
	# --verbose says the resource is not authenticated.
	bob_opens "$T/stamped" --verbose
	assert_success
	assert_output "<message to='$BOB_FULL' from='$ALICE_JID/anything' type='chat' id='m1'><body>hi</body></message>"
	[[ $stderr == *"opened <message> from $ALICE_JID/anything (epoch 1, message 0): its resource is not authenticated (its sender did not bind it)"* ]]
	# A bare 'from' is authenticated as a whole: --require-resource opens it.
	printf "<message to='%s' type='chat' id='m2'><body>again</body></message>\n" "$BOB_FULL" |
		xseal alice >"$T/bare"
	bob_opens "$T/bare" --require-resource
	assert_success
	assert_output --partial "from='$ALICE_JID' type='chat' id='m2'"
}

@test "resource: --from binds the full JID of stanzas that have no 'from'" {
	printf "<message to='%s' type='chat' id='m1'><body>hi</body></message>\n" "$BOB_FULL" \
		>"$T/plain"
	xseal alice --from "$ALICE_FULL" <"$T/plain" >"$T/sealed"
	grep -q "from='$ALICE_FULL'" "$T/sealed"
	sed "s|from='$ALICE_FULL'|from='$ALICE_JID/evil'|" "$T/sealed" >"$T/evil"
	bob_opens "$T/evil" --require-resource
	assert_failure 1
	[[ $stderr == *"not opened: tampered: "*"the resource of 'from' may have been rewritten"* ]]
	bob_opens "$T/sealed" --require-resource
	assert_success
	assert_output "<message to='$BOB_FULL' from='$ALICE_FULL' type='chat' id='m1'><body>hi</body></message>"
	# A stanza whose 'from' is not --from, or --from another account, is
	# refused; --from without a resource is a usage error.
	run --separate-stderr xseal alice --from "$ALICE_JID/phone" < <(msg alice bob m2 x)
	assert_failure 1
	[[ $stderr == *"'from' is $ALICE_FULL, not --from $ALICE_JID/phone"* ]]
	run --separate-stderr xseal alice --from "carol@capulet.lit/nurse" <"$T/plain"
	assert_failure 1
	[[ $stderr == *"--from carol@capulet.lit/nurse is not this session's own JID $ALICE_JID"* ]]
	for bad in "$ALICE_JID" '@@' ''; do
		run --separate-stderr xseal alice --from "$bad" <"$T/plain"
		assert_failure 2
		[[ $stderr == *"--from needs a full JID"* ]]
	done
}
