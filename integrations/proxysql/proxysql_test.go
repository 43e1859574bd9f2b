package proxysql_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/proxysql"
	"github.com/warroomhq/warroom/integrations/proxysql/proxysqltest"
)

func start(t *testing.T, save bool) (*proxysqltest.Server, *proxysql.Pool) {
	t.Helper()
	srv := proxysqltest.Start(t,
		proxysqltest.Replica{Hostgroup: 10, Host: "db-primary", Port: 3306},
		proxysqltest.Replica{Hostgroup: 20, Host: "db-1", Port: 3306},
		proxysqltest.Replica{Hostgroup: 20, Host: "db-2", Port: 3306, Weight: 2},
		proxysqltest.Replica{Hostgroup: 20, Host: "db-3", Port: 3307})
	p, err := proxysql.New(proxysql.Options{Admin: srv.Addr, User: srv.User, Password: srv.Password, Hostgroup: 20, SaveToDisk: save})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_ = p.Run(ctx, nil)
	})
	return srv, p
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func describe(rs []integrations.Replica) string {
	var s []string
	for _, r := range rs {
		s = append(s, fmt.Sprintf("%s:%d=%s/w%d", r.Host, r.Port, r.Status, r.Weight))
	}
	return strings.Join(s, " ")
}

func TestReplicaOfflineSoftIsLoadedToRuntimeAndBack(t *testing.T) {
	srv, p := start(t, false)
	ctx := ctxT(t)
	rs, err := p.Replicas(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := describe(rs), "db-1:3306=ONLINE/w1 db-2:3306=ONLINE/w2 db-3:3307=ONLINE/w1"; got != want {
		t.Fatalf("replicas %s, want %s (hostgroup 20 only)", got, want)
	}
	if err := p.SetReplicaStatus(ctx, "db-2", 3306, integrations.ReplicaOfflineSoft); err != nil {
		t.Fatal(err)
	}
	if got := srv.Status(t, "runtime_mysql_servers", 20, "db-2", 3306); got != "OFFLINE_SOFT" {
		t.Errorf("runtime status %q, want OFFLINE_SOFT (loaded to runtime)", got)
	}
	if got := srv.Status(t, "disk_mysql_servers", 20, "db-2", 3306); got != "ONLINE" {
		t.Errorf("disk status %q: not configured to save, it must stay ONLINE", got)
	}
	rs, _ = p.Replicas(ctx)
	if got := describe(rs); !strings.Contains(got, "db-2:3306=OFFLINE_SOFT") || !strings.Contains(got, "db-1:3306=ONLINE") {
		t.Errorf("replicas after: %s", got)
	}
	if err := p.SetReplicaStatus(ctx, "db-2", 3306, integrations.ReplicaOnline); err != nil {
		t.Fatal(err)
	}
	if got := srv.Status(t, "runtime_mysql_servers", 20, "db-2", 3306); got != "ONLINE" {
		t.Errorf("runtime status back %q", got)
	}
}

func TestReplicaChangeIsSavedToDiskWhenConfigured(t *testing.T) {
	srv, p := start(t, true)
	if err := p.SetReplicaStatus(ctxT(t), "db-3", 3307, integrations.ReplicaOfflineSoft); err != nil {
		t.Fatal(err)
	}
	if got := srv.Status(t, "disk_mysql_servers", 20, "db-3", 3307); got != "OFFLINE_SOFT" {
		t.Errorf("disk status %q, want OFFLINE_SOFT", got)
	}
}

func TestReplicaStatusRefusesUnknownServerAndStatus(t *testing.T) {
	srv, p := start(t, false)
	ctx := ctxT(t)
	if err := p.SetReplicaStatus(ctx, "db-9", 3306, integrations.ReplicaOfflineSoft); err == nil || !strings.Contains(err.Error(), "no server db-9:3306 in hostgroup 20") {
		t.Errorf("unknown server: %v", err)
	}
	// The primary is in another hostgroup: never touched through this pool.
	if err := p.SetReplicaStatus(ctx, "db-primary", 3306, integrations.ReplicaOfflineSoft); err == nil {
		t.Error("set a server of another hostgroup")
	}
	if err := p.SetReplicaStatus(ctx, "db-1", 3306, integrations.ReplicaShunned); err == nil {
		t.Error("set SHUNNED, which only the monitor sets")
	}
	if got := srv.Status(t, "runtime_mysql_servers", 10, "db-primary", 3306); got != "ONLINE" {
		t.Errorf("primary %q", got)
	}
}

func TestAdminErrorsNeverCarryThePassword(t *testing.T) {
	srv, _ := start(t, false)
	p, err := proxysql.New(proxysql.Options{Admin: srv.Addr, User: srv.User, Password: "wrong-" + srv.Password, Hostgroup: 20})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Probe(ctxT(t))
	if err == nil {
		t.Fatal("a wrong password was accepted")
	}
	if strings.Contains(err.Error(), srv.Password) {
		t.Errorf("error carries the password: %v", err)
	}
}

// The stand-in keeps ProxySQL's split: editing mysql_servers changes
// nothing in force until LOAD MYSQL SERVERS TO RUNTIME, so the adapter's
// tests above would fail if it skipped the LOAD.
func TestStandInChangesRuntimeOnlyOnLoad(t *testing.T) {
	srv, p := start(t, false)
	srv.Exec(t, "UPDATE mysql_servers SET status = 'OFFLINE_HARD' WHERE hostname = 'db-1'")
	if got := srv.Status(t, "runtime_mysql_servers", 20, "db-1", 3306); got != "ONLINE" {
		t.Fatalf("runtime %q before LOAD, want ONLINE", got)
	}
	rs, _ := p.Replicas(ctxT(t))
	if got := describe(rs); !strings.HasPrefix(got, "db-1:3306=ONLINE") {
		t.Errorf("Replicas reads the configuration, not what is in force: %s", got)
	}
	srv.Exec(t, "LOAD MYSQL SERVERS TO RUNTIME")
	if got := srv.Status(t, "runtime_mysql_servers", 20, "db-1", 3306); got != "OFFLINE_HARD" {
		t.Errorf("runtime %q after LOAD, want OFFLINE_HARD", got)
	}
}
