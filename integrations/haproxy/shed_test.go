package haproxy_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations/haproxy"
	"github.com/warroomhq/warroom/integrations/haproxy/haproxytest"
)

// startShedEdge is an edge HAProxy with the shed rule for two optional
// features, answering status when shed.
func startShedEdge(t *testing.T, status int) (*haproxytest.Instance, *haproxy.Fleet) {
	t.Helper()
	in := haproxytest.Start(t, haproxytest.Config{
		Name:         "edge-1",
		Servers:      []string{"app-1 " + haproxytest.StartBackend(t, "app-1")},
		ShedFeatures: []string{"recommendations", "search-suggest"},
		ShedStatus:   status,
	})
	f, err := haproxy.New(haproxy.Options{Instances: []haproxy.InstanceOptions{in.Options()}})
	if err != nil {
		t.Fatal(err)
	}
	return in, f
}

// statusOf GETs path on the instance's frontend, with an x-feature header
// when feature is set.
func statusOf(t *testing.T, in *haproxytest.Instance, path, feature string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t), http.MethodGet, "http://"+in.HTTPAddr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if feature != "" {
		req.Header.Set("X-Feature", feature)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

func statuses(t *testing.T, in *haproxytest.Instance) string {
	t.Helper()
	return fmt.Sprintf("/recommendations/42=%d /search-suggest=%d /checkout=%d x-feature=%d",
		statusOf(t, in, "/recommendations/42", ""), statusOf(t, in, "/search-suggest?q=a", ""),
		statusOf(t, in, "/checkout", ""), statusOf(t, in, "/", "Recommendations"))
}

func TestShedFeatureAnswers503AndSurvivesReload(t *testing.T) {
	in, f := startShedEdge(t, 0)
	ctx := ctxT(t)
	if got, want := statuses(t, in), "/recommendations/42=200 /search-suggest=200 /checkout=200 x-feature=200"; got != want {
		t.Fatalf("before shedding: %s, want %s", got, want)
	}
	if err := f.SetShedding(ctx, "edge-1", "recommendations", true); err != nil {
		t.Fatal(err)
	}
	shedOne := "/recommendations/42=503 /search-suggest=200 /checkout=200 x-feature=503"
	if got := statuses(t, in); got != shedOne {
		t.Fatalf("shed: %s, want %s", got, shedOne)
	}
	if m := readFile(t, in.ShedMap); !strings.Contains(m, "\nrecommendations shed\n") {
		t.Errorf("shed map file:\n%s", m)
	}
	if _, err := f.Reload(ctx, "edge-1"); err != nil {
		t.Fatal(err)
	}
	if got := statuses(t, in); got != shedOne {
		t.Errorf("after a reload: %s, want %s", got, shedOne)
	}
	if s, err := f.Shedding(ctx, "edge-1"); err != nil || fmt.Sprint(s) != "map[recommendations:true]" {
		t.Errorf("shedding after a reload: %v, %v", s, err)
	}
	if err := f.SetShedding(ctx, "edge-1", "recommendations", false); err != nil {
		t.Fatal(err)
	}
	if got, want := statuses(t, in), "/recommendations/42=200 /search-suggest=200 /checkout=200 x-feature=200"; got != want {
		t.Errorf("restored: %s, want %s", got, want)
	}
	if m := readFile(t, in.ShedMap); strings.Contains(m, "recommendations") {
		t.Errorf("shed map file after restoring:\n%s", m)
	}
}

func TestReloadCarriesAShedMadeOnlyInTheRunningMap(t *testing.T) {
	in, f := startShedEdge(t, 429)
	ctx := ctxT(t)
	// Someone shed a feature by hand through the Runtime API: the file
	// does not have it, so HAProxy alone would lose it on reload.
	if out, err := in.Command("add map " + in.ShedMap + " search-suggest shed"); err != nil || strings.TrimSpace(out) != "" {
		t.Fatalf("add map: %q, %v", out, err)
	}
	if got := statusOf(t, in, "/search-suggest", ""); got != 429 {
		t.Fatalf("shed by hand: %d, want the configured 429", got)
	}
	if _, err := f.Reload(ctx, "edge-1"); err != nil {
		t.Fatal(err)
	}
	if got := statusOf(t, in, "/search-suggest", ""); got != 429 {
		t.Errorf("after a reload: %d, want 429 (the shed carried across)", got)
	}
}

func TestShedRefusesAFeatureNotConfiguredOptional(t *testing.T) {
	in, f := startShedEdge(t, 0)
	err := f.SetShedding(ctxT(t), "edge-1", "checkout", true)
	if err == nil || !strings.Contains(err.Error(), "not an optional feature") {
		t.Fatalf("shedding checkout: %v", err)
	}
	if got := statusOf(t, in, "/checkout", ""); got != 200 {
		t.Errorf("/checkout = %d", got)
	}
	if got := f.Sheddable("edge-1"); fmt.Sprint(got) != "[recommendations search-suggest]" {
		t.Errorf("sheddable = %v", got)
	}
}

func TestCheckConfigFailsWhenTheConfigurationDoesNotReadTheShedMap(t *testing.T) {
	in, f := startShedEdge(t, 0)
	find := func() string {
		for _, fd := range f.CheckConfig(ctxT(t), "edge-1") {
			if strings.Contains(fd.Text, "shed map") {
				return fmt.Sprintf("%d %s", fd.Level, fd.Text)
			}
		}
		return "no shed finding"
	}
	if got := find(); !strings.HasPrefix(got, "0 edge-1: "+in.ConfigPath+" reads the shed map") {
		t.Errorf("with the shed rule: %s", got)
	}
	in.WriteConfig(strings.ReplaceAll(in.Config(), in.ShedMap, "/elsewhere/other.map"))
	if got := find(); !strings.HasPrefix(got, "2 edge-1: "+in.ConfigPath+" does not read the shed map") {
		t.Errorf("without it: %s", got)
	}
}
