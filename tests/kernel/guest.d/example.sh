# The out-of-tree example family (examples/counter): its module loaded into
# cusekitd with --module and into cusekit run --module, its node driven by
# its typed client.  .ci/run
# builds the module against the *installed* SDK and passes it in
# (CUSEKIT_EXAMPLE_MODULE, with CUSEKIT_EXAMPLE_LIBDIR holding the installed
# libcusekit-device); otherwise the build tree's copy is used.  Sourced by
# guest-tests.sh (pass/fail/check/run_tap, $daemon, $build, $tmp); this part
# uses char major 125 only.

example_module=${CUSEKIT_EXAMPLE_MODULE:-$build/tests/unit/modules/counter.so}
echo "# example module: $example_module"
LD_LIBRARY_PATH=${CUSEKIT_EXAMPLE_LIBDIR:-} CUSEKIT_MODULE_PATH= "$daemon" --major 125 --background \
	--pidfile "$tmp/example.pid" --module "$example_module" --device counter:counter0,value=5 \
	2>"$tmp/example.err"
rc=$?
if [ $rc -eq 0 ] && [ -c /dev/counter0 ]; then
	pass "cusekitd --module loads the example module and serves counter0"
else
	fail "cusekitd --module loads the example module and serves counter0" "exit $rc" "$(cat "$tmp/example.err")"
fi
check "the module's init saw value=5 (cusekit get)" \
	sh -c "'$build/src/bin/cusekit' -M 125 get counter0 value | grep -q '^value = 5 '"
check "cusekit list shows counter0 unrestricted (a nested ioctl)" \
	sh -c "'$build/src/bin/cusekit' -M 125 list | grep -q 'counter0 .*counter .*/dev/counter0 .*unrestricted'"

run_tap "$build/tests/kernel/test-cuse-counter"

out=$("$build/src/bin/cusekit" -M 125 trace -n 50 2>&1)
if grep -q "counter0 ioctl COUNTER_ADD_BATCH in" <<<"$out"; then
	pass "the trace decodes the module's ioctls by its field metadata"
else
	fail "the trace decodes the module's ioctls by its field metadata" "$out"
fi

example_pid=$(cat "$tmp/example.pid" 2>/dev/null)
kill -TERM "$example_pid" 2>/dev/null
wait_gone "$example_pid" && [ ! -e /dev/counter0 ] || fail "example: the daemon stops" "$(cat "$tmp/example.err")"

# The same module and client under cusekit run (the seccomp transport, no CUSE).
run_tap env LD_LIBRARY_PATH="${CUSEKIT_EXAMPLE_LIBDIR:-}" CUSEKIT_MODULE_PATH= CK_TEST_TRANSPORT=run \
	"$build/src/bin/cusekit" run --module "$example_module" --device counter:counter0 \
	-- "$build/tests/kernel/test-cuse-counter"
