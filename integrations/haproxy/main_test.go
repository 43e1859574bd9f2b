package haproxy_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test stops what it started: pollers, load generators, HAProxy
// waiters. goleak checks after all tests and cleanups have run.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
