#!/bin/bash
# The typed-client and transport cases (test-run-atom.c) under one run.
set -u
"$CUSEKIT" run --device atom:atom0 --device atom-flat:atomflat0 --device rtc:rtc9 -- "$TEST_RUN_ATOM"
rc=$?
[ $rc -eq 125 ] && echo "Bail out! cusekit run could not start (status 125)"
exit $rc
