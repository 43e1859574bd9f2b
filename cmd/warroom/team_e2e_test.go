package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// teamAWS speaks Auto Scaling's AWS Query protocol and EC2's for one
// group, web, with one instance in service: scaling it raises the desired
// capacity and launches nothing, so a scale-up run keeps waiting (and
// holding its lock) until it is aborted.
func teamAWS(t *testing.T) *httptest.Server {
	var mu sync.Mutex
	desired := 2
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, err := url.ParseQuery(string(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		switch action := form.Get("Action"); action {
		case "DescribeAutoScalingGroups":
			queryResult(w, action, fmt.Sprintf(`<AutoScalingGroups><member><AutoScalingGroupName>web</AutoScalingGroupName><MinSize>1</MinSize><MaxSize>8</MaxSize><DesiredCapacity>%d</DesiredCapacity><CreatedTime>2026-01-02T03:04:05Z</CreatedTime><Instances><member><InstanceId>i-0e2e</InstanceId><AvailabilityZone>us-east-1a</AvailabilityZone><LifecycleState>InService</LifecycleState><HealthStatus>Healthy</HealthStatus><ProtectedFromScaleIn>false</ProtectedFromScaleIn></member></Instances></member></AutoScalingGroups>`, desired))
		case "DescribeScalingActivities":
			queryResult(w, action, `<Activities></Activities>`)
		case "SetDesiredCapacity":
			fmt.Sscan(form.Get("DesiredCapacity"), &desired)
			fmt.Fprint(w, `<SetDesiredCapacityResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></SetDesiredCapacityResponse>`)
		case "DescribeInstances":
			fmt.Fprint(w, `<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><reservationSet><item><reservationId>r-1</reservationId><instancesSet><item><instanceId>i-0e2e</instanceId><instanceState><code>16</code><name>running</name></instanceState><privateIpAddress>10.0.0.5</privateIpAddress><launchTime>2026-01-02T03:05:00Z</launchTime><placement><availabilityZone>us-east-1a</availabilityZone></placement></item></instancesSet></item></reservationSet></DescribeInstancesResponse>`)
		default:
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>unknown action %s</Message></Error><RequestId>r</RequestId></ErrorResponse>`, action)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// serveBinary runs the real `warroom serve` with the team's auth file and
// returns its URL once it says it listens.
func serveBinary(t *testing.T, bin string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	auth := filepath.Join(dir, "team-auth.yaml")
	if err := os.WriteFile(auth, []byte(teamAuthFile), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--listen", addr, "--data", filepath.Join(dir, "data"), "--auth", auth)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "Team URL: "); ok {
				ready <- u
			}
		}
	}()
	select {
	case u := <-ready:
		return u
	case <-time.After(15 * time.Second):
		t.Fatal("warroom serve did not say its URL within 15s")
		return ""
	}
}

// TestTwoScreensOnOneTeamIncident runs `warroom serve` and two screens of
// the real binary, alice's and bob's, on one incident of a configured
// world (an Auto Scaling group on a local server): the drill cannot be
// joined, each drill being its own simulated world. A note typed on one
// screen shows on the other within a second of being saved, and a scale
// that alice runs is refused on bob's screen naming her.
func TestTwoScreensOnOneTeamIncident(t *testing.T) {
	bin := buildBinary(t)
	teamURL := serveBinary(t, bin)
	aws := teamAWS(t)
	screen := func(who, password string) e2eSession {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "team.creds"), []byte(who+":"+password+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg := filepath.Join(dir, "config.yaml")
		body := fmt.Sprintf("incident: {title: Checkout slow}\naws:\n  region: us-east-1\n  groups: [web]\n  poll_interval: 1s\n  endpoint: %s\nteam:\n  url: %s\n  credentials: team.creds\n", aws.URL, teamURL)
		if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		s := e2eSession{bin: bin, stateDir: filepath.Join(dir, "state"), exitFile: filepath.Join(dir, "exit")}
		command := fmt.Sprintf("env XDG_CONFIG_HOME=%s TERM=xterm-256color AWS_ACCESS_KEY_ID=AKIAE2E0000000000000 AWS_SECRET_ACCESS_KEY=e2e-secret AWS_CONFIG_FILE=%s AWS_SHARED_CREDENTIALS_FILE=%s AWS_EC2_METADATA_DISABLED=true %s --config %s --state-dir %s --incident INC-E2E; echo $? > %s; sleep 60",
			filepath.Join(dir, "xdg"), filepath.Join(dir, "none"), filepath.Join(dir, "none"), bin, cfg, s.stateDir, s.exitFile)
		s.terminal = startTerminal(t, 160, 45, command)
		return s
	}
	alice := screen("alice", "alice-secret-1")
	alice.waitScreen(20*time.Second, "team: online", "alice")
	bob := screen("bob", "bob-secret-22")
	bob.waitScreen(20*time.Second, "team: online  2 here")
	alice.waitScreen(10*time.Second, "team: online  2 here")

	alice.keys("n")
	alice.waitScreen(5*time.Second, "note ▸")
	alice.typeText("e2e-5150 checkout p99 up since 14:02")
	typed := time.Now()
	alice.keys("Enter")
	alice.waitScreen(5*time.Second, "note saved")
	saved := time.Since(typed)
	took := bob.waitScreen(time.Second, "e2e-5150")
	t.Logf("alice's note: saved on her screen %s after enter; on bob's %s after that (tmux polled every 50ms)", saved, took)

	alice.scaleWeb("4")
	// The run is under way and holds the lock: its step reads running.
	// (Its progress line changes as the group answers, so the test does
	// not wait on any one of its wordings.)
	alice.waitScreen(10*time.Second, "Runbook scale-up", "1. scale", "running")
	bob.waitScreen(10*time.Second, "alice (running scale-up)")
	bob.scaleWeb("4")
	// The run panel and the toast name the holder, since when and when
	// the lease lapses.
	bob.waitScreen(10*time.Second, "refused in", "aws:web is locked by alice", "of scale-up) since ", "the lease runs until ")

	// Bob takes the incident commander role: both headers say so.
	bob.keys("Enter")
	bob.waitScreen(5*time.Second, "╭━ Alerts")
	bob.keys("I")
	bob.waitScreen(5*time.Second, "you are the incident commander")
	alice.waitScreen(10*time.Second, "alice (running scale-up)  bob (IC)")
}

// scaleWeb plans scale-up of web to desired by keys and says yes.
func (s e2eSession) scaleWeb(desired string) {
	s.t.Helper()
	s.keys("r")
	s.waitScreen(5*time.Second, "runbook ▸")
	s.typeText("scale-up")
	s.waitScreen(5*time.Second, "▸ scale-up")
	s.keys("Enter")
	s.waitScreen(5*time.Second, "Runbook scale-up › parameters")
	s.typeText("web")
	s.keys("Down")
	s.typeText(desired)
	s.keys("Enter")
	s.waitScreen(10*time.Second, "This changes production. y to run")
	s.keys("y")
}
