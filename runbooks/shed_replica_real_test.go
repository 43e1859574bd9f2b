package runbooks_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/haproxy"
	"github.com/warroomhq/warroom/integrations/haproxy/haproxytest"
	"github.com/warroomhq/warroom/integrations/integrationstest"
	"github.com/warroomhq/warroom/integrations/proxysql"
	"github.com/warroomhq/warroom/integrations/proxysql/proxysqltest"
	"github.com/warroomhq/warroom/runbooks"
	"github.com/warroomhq/warroom/timeline/ledger"
)

// planWith plans a built-in runbook against actions with limits.
func planWith(t *testing.T, ctx context.Context, name string, params map[string]string, actions integrations.Actions, limits runbooks.Limits) *runbooks.Plan {
	t.Helper()
	cat, err := runbooks.LoadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	rb, err := cat.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := runbooks.NewPlan(ctx, rb, params, actions, limits)
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// runPlan runs a plan confirmed (its text typed back) and fails the test
// unless it completes; it returns the changes the run recorded.
func runPlan(t *testing.T, ctx context.Context, plan *runbooks.Plan, actions integrations.Actions) []ledger.Change {
	t.Helper()
	if err := plan.Err(); err != nil {
		t.Fatalf("plan refused: %v\n%s", err, plan)
	}
	rec := &integrationstest.Recorder{}
	report, err := runbooks.Run(ctx, plan, actions, rec.Sink, runbooks.RunOptions{Confirmed: true, Typed: plan.ConfirmText, StateDir: t.TempDir()})
	if err != nil || report.Status != runbooks.RunDone {
		t.Fatalf("%s: status %v, err %v", plan.Runbook.Name, report.Status, err)
	}
	var out []ledger.Change
	for _, r := range rec.Records("") {
		if f := r.Fields[ledger.FieldChange]; f != "" {
			c, err := ledger.Decode(f)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, c)
		}
	}
	return out
}

func changesText(cs []ledger.Change) string {
	var s []string
	for _, c := range cs {
		s = append(s, c.String())
	}
	return strings.Join(s, "; ")
}

func TestShedOptionalLoadOnRealHAProxySurvivesReloadAndRestores(t *testing.T) {
	var opts haproxy.Options
	var edges []*haproxytest.Instance
	backend := haproxytest.StartBackend(t, "app-1")
	for _, name := range []string{"edge-1", "edge-2"} {
		in := haproxytest.Start(t, haproxytest.Config{Name: name, Servers: []string{"app-1 " + backend}, ShedFeatures: []string{"recommendations"}})
		edges = append(edges, in)
		opts.Instances = append(opts.Instances, in.Options())
	}
	fleet, err := haproxy.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	actions := fleet.Actions()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	get := func(in *haproxytest.Instance, path string) int {
		res := haproxytest.Load{URL: "http://" + in.HTTPAddr + path, Workers: 1, Requests: 5, Duration: 10 * time.Second, Header: http.Header{}}.Run()
		for code, n := range res.Statuses {
			if n == 5 {
				return code
			}
		}
		t.Fatalf("GET %s on %s: mixed answers %v", path, in.Name, res)
		return 0
	}

	plan := planWith(t, ctx, "shed-optional-load", map[string]string{"feature": "recommendations"}, actions, runbooks.Limits{})
	text := plan.String()
	for _, want := range []string{
		"shed recommendations on edge-1: requests for /recommendations/… or with x-feature: recommendations answered 503 (now served)",
		"shed recommendations on edge-2:",
		`dangerous: type "recommendations" to confirm`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("plan lacks %q:\n%s", want, text)
		}
	}
	if strings.Join(plan.Targets, ",") != "haproxy:edge-1,haproxy:edge-2" {
		t.Errorf("targets %v", plan.Targets)
	}
	changes := runPlan(t, ctx, plan, actions)
	if got, want := changesText(changes), "feature recommendations served → shed on edge-1; feature recommendations served → shed on edge-2"; got != want {
		t.Errorf("changes %q, want %q", got, want)
	}
	for _, in := range edges {
		if a, b := get(in, "/recommendations/7"), get(in, "/checkout"); a != 503 || b != 200 {
			t.Errorf("%s while shed: /recommendations %d /checkout %d", in.Name, a, b)
		}
	}
	if _, err := fleet.Reload(ctx, "edge-1"); err != nil {
		t.Fatal(err)
	}
	if got := get(edges[0], "/recommendations/7"); got != 503 {
		t.Errorf("after a reload /recommendations answered %d, want 503", got)
	}
	changes = runPlan(t, ctx, planWith(t, ctx, "restore-optional-load", map[string]string{"feature": "recommendations"}, actions, runbooks.Limits{}), actions)
	if got, want := changesText(changes), "feature recommendations shed → served on edge-1; feature recommendations shed → served on edge-2"; got != want {
		t.Errorf("restore changes %q, want %q", got, want)
	}
	for _, in := range edges {
		if got := get(in, "/recommendations/7"); got != 200 {
			t.Errorf("%s after restore-optional-load: %d", in.Name, got)
		}
	}
}

func startReplicas(t *testing.T, replicas ...proxysqltest.Replica) (*proxysqltest.Server, integrations.Actions) {
	t.Helper()
	srv := proxysqltest.Start(t, replicas...)
	pool, err := proxysql.New(proxysql.Options{Admin: srv.Addr, User: srv.User, Password: srv.Password, Hostgroup: 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_ = pool.Run(ctx, nil) // closes its connections
	})
	return srv, integrations.Actions{Replicas: pool}
}

func TestReplicaOutOfRotationAndBackThroughProxySQLAdmin(t *testing.T) {
	srv, actions := startReplicas(t,
		proxysqltest.Replica{Hostgroup: 20, Host: "db-1", Port: 3306},
		proxysqltest.Replica{Hostgroup: 20, Host: "db-2", Port: 3306},
		proxysqltest.Replica{Hostgroup: 20, Host: "db-3", Port: 3306, Weight: 2})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	plan := planWith(t, ctx, "replica-out-of-rotation", map[string]string{"host": "db-2"}, actions, runbooks.Limits{MaxReplicaShare: 70})
	text := plan.String()
	for _, want := range []string{
		"replica db-2:3306 of hostgroup 20 ONLINE → OFFLINE_SOFT (0 connections in use)",
		"reads then go to db-1:3306 34%, db-3:3306 67% (by weight)",
		"ok   2 other replica(s) of hostgroup 20 stay ONLINE",
		"ok   no remaining replica carries more than 67% (configured maximum 70%)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("plan lacks %q:\n%s", want, text)
		}
	}
	changes := runPlan(t, ctx, plan, actions)
	if got := changesText(changes); got != "replica db-2:3306 ONLINE → OFFLINE_SOFT" {
		t.Errorf("changes %q", got)
	}
	if got := srv.Status(t, "runtime_mysql_servers", 20, "db-2", 3306); got != "OFFLINE_SOFT" {
		t.Errorf("runtime status %q", got)
	}
	// Taking a second one out would leave db-3 alone with every read.
	plan = planWith(t, ctx, "replica-out-of-rotation", map[string]string{"host": "db-1"}, actions, runbooks.Limits{MaxReplicaShare: 70})
	if err := plan.Err(); err == nil || !strings.Contains(err.Error(), "would carry 100% of hostgroup 20's reads, above the configured maximum 70%") {
		t.Errorf("second replica out: %v", err)
	}
	changes = runPlan(t, ctx, planWith(t, ctx, "replica-into-rotation", map[string]string{"host": "db-2"}, actions, runbooks.Limits{}), actions)
	if got := changesText(changes); got != "replica db-2:3306 OFFLINE_SOFT → ONLINE" {
		t.Errorf("changes %q", got)
	}
	if got := srv.Status(t, "runtime_mysql_servers", 20, "db-2", 3306); got != "ONLINE" {
		t.Errorf("runtime status back %q", got)
	}
}

func TestReplicaOutOfRotationRefusesTheLastOnline(t *testing.T) {
	srv, actions := startReplicas(t,
		proxysqltest.Replica{Hostgroup: 20, Host: "db-1", Port: 3306},
		proxysqltest.Replica{Hostgroup: 20, Host: "db-2", Port: 3306, Status: "OFFLINE_SOFT"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	plan := planWith(t, ctx, "replica-out-of-rotation", map[string]string{"host": "db-1"}, actions, runbooks.Limits{})
	if err := plan.Err(); err == nil || !strings.Contains(err.Error(), "no other replica of hostgroup 20 is ONLINE") {
		t.Fatalf("plan: %v\n%s", err, plan)
	}
	rec := &integrationstest.Recorder{}
	if _, err := runbooks.Run(ctx, plan, actions, rec.Sink, runbooks.RunOptions{Confirmed: true, Typed: plan.ConfirmText, StateDir: t.TempDir()}); err == nil {
		t.Error("the run went ahead")
	}
	if got := srv.Status(t, "runtime_mysql_servers", 20, "db-1", 3306); got != "ONLINE" {
		t.Errorf("db-1 is %s", got)
	}
}
