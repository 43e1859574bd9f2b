package drill

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

func TestParsePlanReportsEveryMistakeWithItsPosition(t *testing.T) {
	plan := "- at: 2m\n  runbook: scale-up\n  params: {group: web, desired: 12}\n" +
		"- at: soon\n  runbook: throttle-tier\n" +
		"- at: 5m\n  colour: red\n  note: hi\n" +
		"- runbook: lift-throttle\n"
	_, err := ParsePlan("plan.yaml", []byte(plan))
	if err == nil {
		t.Fatal("a plan with three mistakes parsed")
	}
	for _, want := range []string{`plan.yaml:4:7: at: "soon" is not a duration`, `plan.yaml:7:3: unknown key "colour"`, "plan.yaml:9:3: step has no at"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	steps, err := ParsePlan("ok.yaml", []byte("- at: 90s\n  ack: PD-5XX\n- at: 2m\n  runbook: scale-up\n  params: {group: web, desired: 12}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 2 || steps[0].Ack != "PD-5XX" || steps[1].At != 2*time.Minute || steps[1].Params["desired"] != "12" {
		t.Errorf("parsed %+v", steps)
	}
}

// TestReferencePlansRoundTripThroughThePlanFormat: what --show-plan prints
// loads back with --plan as the same plan.
func TestReferencePlansRoundTripThroughThePlanFormat(t *testing.T) {
	for _, sc := range Scenarios() {
		back, err := ParsePlan(sc.Name, []byte(FormatPlan(sc.Reference)))
		if err != nil {
			t.Fatalf("%s: %v\n%s", sc.Name, err, FormatPlan(sc.Reference))
		}
		for i := range back {
			back[i].Line, back[i].Column = 0, 0
			if back[i].Params == nil {
				back[i].Params = sc.Reference[i].Params
			}
		}
		if !reflect.DeepEqual(back, sc.Reference) {
			t.Errorf("%s: round trip changed the plan:\n%+v\n%+v", sc.Name, back, sc.Reference)
		}
	}
}

func run(t *testing.T, w *World, host, cmd string) integrations.CommandResult {
	t.Helper()
	res, err := w.RunCommand(context.Background(), []string{host}, cmd, 4096)
	if err != nil {
		t.Fatal(err)
	}
	return res[0]
}

// TestDiskFullHostAnswersFromItsState: the disk check, the cleanup and the
// restart answer from the host's state and change it: a restart on a full
// disk starts the process manager, not the application, a cleanup frees the disk, then the restart brings the site
// back.
func TestDiskFullHostAnswersFromItsState(t *testing.T) {
	sc, _ := Lookup("disk-full")
	w := New(sc, Options{Seed: 1})
	host := webOf(w).Groups[0].IDs[0]
	l := &latest{}
	stepTo(w, l, 60)
	if r := run(t, w, host, "df -h /var/log"); !strings.Contains(r.Output, "100% /var/log") {
		t.Errorf("df on the full disk: %q", r.Output)
	}
	if r := run(t, w, host, "systemctl restart 'pm2-deploy' && systemctl is-active 'pm2-deploy'"); !webOf(w).hostDown(host) {
		t.Errorf("the site came back on a full disk: %+v", r)
	}
	if r := run(t, w, host, "pm2 resurrect"); r.ExitCode == 0 || !strings.Contains(r.Output, "EACCES") {
		t.Errorf("pm2 resurrect: %+v", r)
	}
	r := run(t, w, host, `find '/var/log' -xdev -type f \( -name '*.log.[0-9]*' -o -name '*.gz' \) -mtime +'3' -print -delete | tail -n 40; df -h '/var/log'`)
	if r.Status != "Success" || !strings.Contains(r.Output, "removed 3.4G") || strings.Contains(r.Output, "100%") {
		t.Errorf("cleanup: %+v", r)
	}
	restart := "systemctl restart 'pm2-deploy' && sleep 3 && systemctl is-active 'pm2-deploy'; rc=$?; systemctl status --no-pager --lines=15 'pm2-deploy'; exit $rc"
	if r := run(t, w, host, restart); r.ExitCode != 0 || !strings.HasPrefix(r.Output, "active\n") || !strings.Contains(r.Output, "Active: active (running)") {
		t.Errorf("restart after cleanup: %+v", r)
	}
	stepTo(w, l, 120)
	for _, b := range l.backends {
		if b.State != integrations.ServerUp {
			t.Errorf("after cleanup and restart, %s is %s", b.Server, b.State)
		}
	}
	if r := run(t, w, host, "frobnicate"); r.ExitCode != 127 {
		t.Errorf("an unknown command: %+v", r)
	}
}

// TestHolidayBadProxyIsTheOddOneOut: read errors from the one proxy out
// of ports show on its own server's figures, which the screen flags; its
// restart clears them.
func TestHolidayBadProxyIsTheOddOneOut(t *testing.T) {
	sc, _ := Lookup("holiday-db")
	w := New(sc, Options{Seed: 1})
	bad := sc.Reference[len(sc.Reference)-1].Params["instance"]
	ctx := context.Background()
	// The replica cleared out of rotation and returned, capacity added:
	// the proxy is what is left.
	if err := w.Actions().Replicas.SetReplicaStatus(ctx, "db-r2", 3306, integrations.ReplicaOfflineSoft); err != nil {
		t.Fatal(err)
	}
	run(t, w, "db-r2", "pkill -f 'fts-reindex'")
	if err := w.Actions().Replicas.SetReplicaStatus(ctx, "db-r2", 3306, integrations.ReplicaOnline); err != nil {
		t.Fatal(err)
	}
	if err := webOf(w).SetDesiredCapacity(ctx, "app", 24); err != nil {
		t.Fatal(err)
	}
	m := &watch{}
	m.run(w, 1, 1500)
	odd := map[string]bool{}
	for _, b := range m.snap.Backends {
		if b.OddOneOut != "" {
			odd[b.Server] = true
		}
	}
	if !odd[serverName(integrations.Instance{ID: bad})] || len(odd) != 1 {
		t.Errorf("odd ones out %v; want only %s", odd, serverName(integrations.Instance{ID: bad}))
	}
	if r := run(t, w, bad, "systemctl restart 'proxysql' && systemctl is-active 'proxysql'"); r.Output != "active\n" {
		t.Fatalf("restart: %+v", r)
	}
	m.run(w, 1501, 1600)
	for _, b := range m.snap.Backends {
		if b.OddOneOut != "" {
			t.Errorf("%s on %s still odd after the proxy restart: %s", b.Server, b.Instance, b.OddOneOut)
		}
	}
}

// TestLongQueriesKilledInRotationComeBack: killed while the replica takes
// reads, the long queries pile up again; killed out of rotation, they stay
// gone.
func TestLongQueriesKilledInRotationComeBack(t *testing.T) {
	for _, out := range []bool{false, true} {
		sc, _ := Lookup("holiday-db")
		w := New(sc, Options{Seed: 1})
		ctx := context.Background()
		if out {
			if err := w.Actions().Replicas.SetReplicaStatus(ctx, "db-r2", 3306, integrations.ReplicaOfflineSoft); err != nil {
				t.Fatal(err)
			}
		}
		run(t, w, "db-r2", "pkill -f 'fts-reindex'")
		if err := w.Actions().Replicas.SetReplicaStatus(ctx, "db-r2", 3306, integrations.ReplicaOnline); err != nil {
			t.Fatal(err)
		}
		w.Step(sc.Start.Add(20*time.Minute), &recorder{})
		if slow := modelsOf[*replicas](w)[0].list[1].slow; out != (slow == 0) {
			t.Errorf("killed out of rotation %v: db-r2 slow %.2f after 20 min", out, slow)
		}
	}
}

// TestBoundedCommandsStopAtTheErrorLimit: with the zero options a
// command stops being sent at the first host that fails; the rest are
// cancelled, not run.
func TestBoundedCommandsStopAtTheErrorLimit(t *testing.T) {
	sc, _ := Lookup("holiday-db")
	w := New(sc, Options{Seed: 1})
	ids := webOf(w).Groups[0].IDs
	res, err := w.RunCommandBounded(context.Background(), []string{ids[0], ids[1], ids[2]}, "systemctl restart nginx", integrations.CommandOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res {
		got = append(got, r.Status)
	}
	if strings.Join(got, ",") != "Failed,Cancelled,Cancelled" {
		t.Errorf("statuses %v, want the first failed and the rest cancelled", got)
	}
	res, _ = w.RunCommandBounded(context.Background(), []string{ids[0], ids[1]}, "systemctl restart nginx", integrations.CommandOptions{MaxErrors: 2})
	if res[1].Status != "Failed" {
		t.Errorf("with MaxErrors 2 the second host was not tried: %+v", res)
	}
}
