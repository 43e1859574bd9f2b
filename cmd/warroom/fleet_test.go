package main

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/integrations/drill"
	"github.com/warroomhq/warroom/integrations/haproxy/haproxytest"
)

func decodeFleet(t *testing.T, stdout string) fleetJSON {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	var got fleetJSON
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("stdout is not the fleet JSON: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Fatalf("more than the JSON on stdout:\n%s", stdout)
	}
	return got
}

// TestFleetDrillJSONAgreesWithTheWorld: `warroom fleet --drill --format
// json` prints what the drill world's snapshots (which the screen shows)
// hold at the same scenario time, with the odd one out on edge-3 only.
func TestFleetDrillJSONAgreesWithTheWorld(t *testing.T) {
	bin := buildBinary(t)
	state := t.TempDir()
	run := runCLI(t, bin, state, "fleet", "--drill", "--scenario", "stale-slots", "--at", "20s", "--window", "10s", "--format", "json")
	if run.code != 0 {
		t.Fatalf("exit %d: %s", run.code, run.stderr)
	}
	got := decodeFleet(t, run.stdout)
	if entries := stateTimeline(t, state); entries != nil {
		t.Fatalf("fleet recorded on a timeline: %+v", entries)
	}

	sc, _ := drill.Lookup("stale-slots")
	w := drill.New(sc, drill.Options{Seed: 1})
	var snap integrations.BackendsSnapshot
	var groups []integrations.Group
	w.Step(sc.Start.Add(30*time.Second), integrations.PublisherFunc(func(e integrations.Event) {
		switch e := e.(type) {
		case integrations.BackendsSnapshot:
			snap = e
		case integrations.FleetSnapshot:
			groups = e.Groups
		}
	}))
	if len(got.Groups) != len(groups) || got.Groups[0].Desired != groups[0].Desired || got.Groups[0].InService != groups[0].InService {
		t.Errorf("groups %+v, world %+v", got.Groups, groups)
	}
	rows := map[string]rowJSON{}
	for _, in := range got.HAProxy.Instances {
		for _, fe := range in.Frontends {
			rows[in.Name+"/fe:"+fe.Name] = fe
		}
		for _, be := range in.Backends {
			rows[in.Name+"/"+be.Name] = be.rowJSON
			for _, s := range be.Servers {
				rows[in.Name+"/"+be.Name+"/"+s.Name] = s.rowJSON
			}
		}
	}
	check := func(target string, sessions int, r integrations.Rates, odd string) {
		j, ok := rows[target]
		ratio, _ := r.ErrorRatio()
		switch {
		case !ok:
			t.Errorf("%s missing from the JSON", target)
		case j.Sessions != sessions || j.ReqPerS == nil || math.Abs(*j.ReqPerS-r.ReqPerS()) > 1e-3 ||
			math.Abs(*j.HTTP5xxPerS-r.HTTP5xxPerS()) > 1e-3 || j.ErrorRatio == nil || math.Abs(*j.ErrorRatio-ratio) > 1e-4 ||
			j.OddOneOut != odd:
			t.Errorf("%s: JSON %+v, world %d sessions %+v odd %q", target, j, sessions, r, odd)
		}
		delete(rows, target)
	}
	for _, p := range snap.Proxies {
		check(p.Target(), p.Sessions, p.Rates, p.OddOneOut)
	}
	for _, b := range snap.Backends {
		check(b.Target(), b.Sessions, b.Rates, b.OddOneOut)
	}
	if len(rows) != 0 {
		t.Errorf("rows the world does not have: %v", rows)
	}
	if !strings.HasPrefix(rowOf(got, "edge-3", "web").OddOneOut, "error 8% vs peers 0%") || rowOf(got, "edge-1", "web").OddOneOut != "" {
		t.Errorf("odd one out: edge-3 %q, edge-1 %q", rowOf(got, "edge-3", "web").OddOneOut, rowOf(got, "edge-1", "web").OddOneOut)
	}
	// Absent, not empty, where it does not apply.
	if strings.Count(run.stdout, `"odd_one_out"`) != 3 {
		t.Errorf("odd_one_out keys: %d, want edge-3's backend and frontend, and edge-3 as a server of the front, only", strings.Count(run.stdout, `"odd_one_out"`))
	}
}

func rowOf(f fleetJSON, instance, backend string) rowJSON {
	for _, in := range f.HAProxy.Instances {
		for _, be := range in.Backends {
			if in.Name == instance && be.Name == backend {
				return be.rowJSON
			}
		}
	}
	return rowJSON{}
}

// TestFleetReadsRealHAProxy: against a real HAProxy with one server
// failing 30% of its requests, `warroom fleet` measures each server over
// the window, names the failing one the odd one out, and records nothing.
func TestFleetReadsRealHAProxy(t *testing.T) {
	in := haproxytest.Start(t, haproxytest.Config{Name: "edge-1", Servers: []string{
		"bad " + haproxytest.StartFlakyBackend(t, "bad", 3),
		"good " + haproxytest.StartFlakyBackend(t, "good", 0),
	}})
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	body := "incident: {title: Fleet, id: INC-F}\nhaproxy:\n  instances:\n    - {name: edge-1, runtime: \"unix:" + in.RuntimeSock + "\"}\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	bin := buildBinary(t)
	state := t.TempDir()
	load := haproxytest.Load{URL: "http://" + in.HTTPAddr + "/", Workers: 2, Duration: 20 * time.Second}.Start()
	defer load.Stop()

	run := runCLI(t, bin, state, "--config", cfg, "fleet", "--window", "2s", "--format", "json")
	if run.code != 0 {
		t.Fatalf("exit %d: %s", run.code, run.stderr)
	}
	got := decodeFleet(t, run.stdout)
	if len(got.HAProxy.Instances) != 1 || len(got.HAProxy.Instances[0].Backends) != 1 {
		t.Fatalf("instances %+v", got.HAProxy.Instances)
	}
	be := got.HAProxy.Instances[0].Backends[0]
	servers := map[string]serverJSON{}
	for _, s := range be.Servers {
		servers[s.Name] = s
	}
	bad, good := servers["bad"], servers["good"]
	if bad.ErrorRatio == nil || math.Abs(*bad.ErrorRatio-0.3) > 0.03 || !strings.HasPrefix(bad.OddOneOut, "error 30%") ||
		good.ErrorRatio == nil || *good.ErrorRatio != 0 || good.OddOneOut != "" || *bad.ReqPerS <= 0 {
		t.Fatalf("bad %+v (ratio %v), good %+v", bad, bad.ErrorRatio, good)
	}
	if be.ErrorRatio == nil || math.Abs(*be.ErrorRatio-0.15) > 0.03 || len(got.Groups) != 0 {
		t.Errorf("backend %+v, groups %+v", be, got.Groups)
	}
	if entries := stateTimeline(t, state); entries != nil {
		t.Fatalf("fleet recorded on a timeline: %+v", entries)
	}

	table := runCLI(t, bin, state, "--config", cfg, "fleet", "--window", "1s")
	if table.code != 0 || !strings.Contains(table.stdout, "error 30% vs peer 0% (1 peer)") || !strings.Contains(table.stdout, "edge-1/app") {
		t.Fatalf("table (exit %d):\n%s\n%s", table.code, table.stdout, table.stderr)
	}
}

func TestFleetWithoutAFleetSourceSaysSo(t *testing.T) {
	bin := buildBinary(t)
	run := runCLI(t, bin, t.TempDir(), "fleet")
	if run.code == 0 || !strings.Contains(run.stderr, "--drill") || run.stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", run.code, run.stdout, run.stderr)
	}
}

// TestDrillSessionRecordsTheOddOneOutOnce: a session on the stale-slots
// drill puts edge-3's mark on the timeline when it appears, not at every
// reading.
func TestDrillSessionRecordsTheOddOneOutOnce(t *testing.T) {
	dir := t.TempDir()
	g := &globalFlags{StateDir: dir}
	s, err := openSession(g, sessionOptions{ForceDrill: true, Scenario: "stale-slots", Speed: 20})
	if err != nil {
		t.Fatal(err)
	}
	s.Watch(context.Background(), nil)
	deadline := time.Now().Add(20 * time.Second)
	marks := func() (n int, texts []string) {
		for _, e := range s.Entries() {
			if e.Kind == "oddone" {
				n++
				texts = append(texts, e.Text)
			}
		}
		return n, texts
	}
	for {
		if n, _ := marks(); n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second) // a few more readings at 20x
	n, texts := marks()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	want := []string{"odd one out edge-3/fe:http: error 8% vs peers 0% (2 peers)", "odd one out edge-3/web: error 8% vs peers 0% (2 peers)",
		"odd one out front-1/edges/edge-3: error 8% vs peers 0% (2 peers)"} // edge-3 as a server of the front too
	if n != 3 || strings.Join(texts, "|") != strings.Join(want, "|") {
		t.Fatalf("odd-one-out entries %q, want %q once each", texts, want)
	}
}
