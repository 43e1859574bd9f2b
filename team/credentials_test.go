package team

import (
	"slices"
	"strings"
	"testing"

	"github.com/nats-io/nkeys"
)

func TestCredentialsAsConfiguredAndTheirIdentity(t *testing.T) {
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := kp.Seed()
	pub, _ := kp.PublicKey()
	ts := startTestServer(t, &Auth{Users: []AuthUser{
		{User: "alice", Password: "alice-secret-1", Role: RoleResponder},
		{Nkey: pub, Role: RoleResponder},
	}})

	var o Options
	if err := o.SetCredentials("alice:alice-secret-1\n"); err != nil || o.User != "alice" || o.Password != "alice-secret-1" {
		t.Fatalf("user:password: %+v, %v", o, err)
	}
	o.URL = ts.url()
	if c := dial(t, o); c.Identity() != "alice" || !c.Connected() {
		t.Errorf("identity %q, connected %v", c.Identity(), c.Connected())
	}

	o = Options{URL: ts.url(), Name: "chosen-name"}
	if err := o.SetCredentials(string(seed)); err != nil || o.Seed != string(seed) {
		t.Fatalf("seed: %v", err)
	}
	c := dial(t, o)
	if c.Identity() != pub || !c.Connected() {
		t.Errorf("an nkey user is its public key, not the name it chose: %q, connected %v", c.Identity(), c.Connected())
	}
	if _, err := openTimeline(t, c, t.TempDir(), "INC-1", TimelineOptions{}).Append(note("from the nkey user")); err != nil {
		t.Errorf("append as the nkey user: %v", err)
	}
	if !slices.Contains(o.Secrets(), string(seed)) {
		t.Errorf("the seed is not among the secrets to scrub")
	}

	for _, bad := range []string{"alice", "alice:", "SUnotaseed", "-----BEGIN NATS USER JWT-----\nnonsense\n------END NATS USER JWT------\n"} {
		var o Options
		err := o.SetCredentials(bad)
		if bad == "SUnotaseed" && err == nil {
			_, err = Dial(Options{URL: ts.url(), Seed: o.Seed})
		}
		if err == nil {
			t.Errorf("%q accepted", bad)
			continue
		}
		if strings.Contains(err.Error(), "notaseed") || strings.Contains(err.Error(), "nonsense") {
			t.Errorf("the error quotes the credentials: %v", err)
		}
	}
}
