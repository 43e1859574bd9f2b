package drift_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drift"
	"github.com/warroomhq/warroom/integrations/haproxy"
	"github.com/warroomhq/warroom/integrations/haproxy/haproxytest"
)

// The stale-slot incident on a real HAProxy with server-template slots
// filled through the Runtime API, as the sync program did.
func TestDriftAgainstRealServerTemplateSlots(t *testing.T) {
	in := haproxytest.Start(t, haproxytest.Config{
		Name:         "edge-1",
		Backend:      "web",
		BackendExtra: []string{"server-template web 1-3 localhost:8080 disabled init-addr last,libc,none"},
	})
	f, err := haproxy.New(haproxy.Options{Instances: []haproxy.InstanceOptions{in.Options()}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run := func(cmds ...string) {
		t.Helper()
		for _, c := range cmds {
			// `set server addr` answers with what it changed; the state
			// read back below shows whether the commands took effect.
			if _, err := in.Command(c); err != nil {
				t.Fatalf("%s: %v", c, err)
			}
		}
	}
	group := integrations.Group{Name: "web-asg"}
	for _, inst := range [][2]string{{"i-a", "127.0.0.11"}, {"i-b", "127.0.0.12"}, {"i-c", "127.0.0.13"}} {
		group.Instances = append(group.Instances, integrations.Instance{ID: inst[0], Lifecycle: integrations.LifecycleInService, PrivateIP: inst[1]})
	}
	bindings := []drift.Binding{{Group: "web-asg", Instance: "edge-1", Backend: "web", Port: 8080}}
	var tracker drift.Tracker
	check := func() []integrations.Record {
		t.Helper()
		servers, err := f.Servers(ctx, "edge-1")
		if err != nil {
			t.Fatal(err)
		}
		return tracker.Update(drift.Compare([]integrations.Group{group}, servers, bindings), time.Now())
	}

	// All three slots free (maint, at the template's placeholder address):
	// everything missing, 3 free slots.
	recs := check()
	if len(recs) != 1 || !strings.Contains(recs[0].Text, "missing i-a 127.0.0.11, i-b 127.0.0.12, i-c 127.0.0.13; 3 free slots") {
		t.Fatalf("empty slots: %+v", recs)
	}

	// Slots hold A and two dead hosts; none free.
	run("set server web/web1 addr 127.0.0.11 port 8080", "set server web/web1 state ready",
		"set server web/web2 addr 127.0.0.8 port 8080", "set server web/web2 state ready",
		"set server web/web3 addr 127.0.0.9 port 8080", "set server web/web3 state ready")
	recs = check()
	want := "dead slots web2 127.0.0.8:8080, web3 127.0.0.9:8080; missing i-b 127.0.0.12, i-c 127.0.0.13; 0 free slots"
	if len(recs) != 1 || recs[0].Kind != "drift" || !strings.Contains(recs[0].Text, want) {
		t.Fatalf("stale slots: %+v", recs)
	}

	// Free the dead slots first, then place B and C: drift clears.
	run("set server web/web2 state maint", "set server web/web3 state maint")
	if recs = check(); len(recs) != 1 || !strings.Contains(recs[0].Text, "dead slots none; missing i-b 127.0.0.12, i-c 127.0.0.13; 2 free slots") {
		t.Fatalf("freed: %+v", recs)
	}
	run("set server web/web2 addr 127.0.0.12 port 8080", "set server web/web2 state ready",
		"set server web/web3 addr 127.0.0.13 port 8080", "set server web/web3 state ready")
	if recs = check(); len(recs) != 1 || recs[0].Kind != "drift.cleared" {
		t.Fatalf("placed: %+v", recs)
	}
}
