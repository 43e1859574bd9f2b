package team

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var teamAuth = &Auth{Users: []AuthUser{
	{User: "alice", Password: "alice-secret-1", Role: RoleResponder},
	{User: "olga", Password: "olga-secret-1", Role: RoleObserver},
}}

func TestObserverReadsButTheServerRefusesItsWrites(t *testing.T) {
	ts := startTestServer(t, teamAuth)
	alice := dial(t, Options{URL: ts.url(), User: "alice", Password: "alice-secret-1"})
	a := openTimeline(t, alice, t.TempDir(), "INC-1", TimelineOptions{})
	if _, err := a.Append(note("from alice")); err != nil {
		t.Fatal(err)
	}
	olga := dial(t, Options{URL: ts.url(), User: "olga", Password: "olga-secret-1"})
	// Not opened read-only: the server itself must refuse.
	o := openTimeline(t, olga, t.TempDir(), "INC-1", TimelineOptions{})
	if got := o.Entries(); len(got) != 1 || got[0].Text != "from alice" {
		t.Fatalf("the observer reads %+v", got)
	}
	start := time.Now()
	_, err := o.Append(note("from olga"))
	var refused *RefusedError
	if !errors.As(err, &refused) {
		t.Fatalf("observer's append: %v, want the server's refusal", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("the refusal took %s", took)
	}
	if strings.Contains(err.Error(), "olga-secret-1") {
		t.Errorf("the refusal quotes the password: %v", err)
	}
	if _, err := o.Append(note("again")); !errors.As(err, &refused) {
		t.Errorf("second observer append: %v", err)
	}
	all, err := a.ReadAll(context.Background())
	if err != nil || len(all) != 1 {
		t.Errorf("the server holds %d entries (%v), want alice's only", len(all), err)
	}
	if _, err := alice.Locker(time.Minute); err != nil {
		t.Fatal(err)
	}
	l, err := olga.Locker(time.Minute)
	if err != nil {
		t.Fatalf("the observer cannot even read the locks: %v", err)
	}
	if _, err := l.Acquire([]string{"asg/web"}, holder("olga", "r1")); err == nil {
		t.Error("the server let the observer take a lock")
	}
	ro := openTimeline(t, olga, t.TempDir(), "INC-1", TimelineOptions{ReadOnly: true})
	if _, err := ro.Append(note("x")); !errors.Is(err, ErrReadOnly) {
		t.Errorf("read-only append: %v", err)
	}
}

func TestServerWithAuthRefusesUnknownAndWrongPasswords(t *testing.T) {
	ts := startTestServer(t, teamAuth)
	for _, o := range []Options{{URL: ts.url()}, {URL: ts.url(), User: "alice", Password: "wrong-password"}} {
		c, err := Dial(o)
		if err != nil {
			continue // refused at connect
		}
		time.Sleep(300 * time.Millisecond)
		if c.Connected() {
			t.Errorf("connected as %q", o.User)
		}
		c.Close()
	}
}

func TestLoadAuthRefusesAFileOthersCanRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "auth.yaml")
	body := "users:\n  - user: alice\n    password: alice-secret-1\n    role: responder\n  - user: olga\n    password: olga-secret-1\n    role: observer\n"
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadAuth(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("world-readable auth file: %v", err)
	}
	os.Chmod(path, 0o600)
	a, err := LoadAuth(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Users) != 2 || a.Users[1].Role != RoleObserver {
		t.Errorf("loaded %+v", a.Users)
	}
	os.WriteFile(path, []byte("users:\n  - user: bob\n    password: x-secret-long\n    role: admin\n"), 0o600)
	if _, err := LoadAuth(path); err == nil || !strings.Contains(err.Error(), "role") {
		t.Errorf("unknown role: %v", err)
	}
}

// MayWrite tells an observer's credentials from a responder's, by the
// server's own refusal; an observer watches the room from no roster.
func TestMayWriteTellsAnObserver(t *testing.T) {
	ts := startTestServer(t, teamAuth)
	alice := dial(t, Options{URL: ts.url(), User: "alice", Password: "alice-secret-1"})
	if ok, err := alice.MayWrite(); !ok || err != nil {
		t.Fatalf("a responder: may write %v, %v", ok, err)
	}
	atl := openTimeline(t, alice, t.TempDir(), "INC-1", TimelineOptions{})
	room, err := alice.JoinRoom("INC-1", "alice", atl, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer room.Leave()
	olga := dial(t, Options{URL: ts.url(), User: "olga", Password: "olga-secret-1"})
	start := time.Now()
	if ok, err := olga.MayWrite(); ok || err != nil {
		t.Fatalf("an observer: may write %v, %v", ok, err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("telling an observer took %s", took)
	}
	otl := openTimeline(t, olga, t.TempDir(), "INC-1", TimelineOptions{ReadOnly: true})
	watch, err := olga.JoinRoom("INC-1", "", otl, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Leave()
	if st := watch.Status(); !st.Online || st.Roster() != "alice" {
		t.Errorf("the observer sees %q (online %v), want alice alone", st.Roster(), st.Online)
	}
}
