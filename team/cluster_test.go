package team

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// startCluster starts three team server nodes on loopback, routed to
// each other, and waits until JetStream has a leader.
func startCluster(t *testing.T) ([]*server.Server, string) {
	t.Helper()
	ports := []string{freePort(t), freePort(t), freePort(t)}
	var nodes []*server.Server
	var urls []string
	for i := range 3 {
		var routes []string
		for j, p := range ports {
			if j != i {
				routes = append(routes, "nats://127.0.0.1:"+p)
			}
		}
		ns, err := StartServer(ServerOptions{Listen: "127.0.0.1:0", DataDir: t.TempDir(),
			Name: fmt.Sprintf("n%d", i+1), Cluster: "127.0.0.1:" + ports[i], Routes: routes})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
		nodes = append(nodes, ns)
		urls = append(urls, "nats://"+ns.Addr().String())
	}
	eventually(t, 20*time.Second, "the cluster elects a JetStream leader", func() bool {
		for _, ns := range nodes {
			if ns.JetStreamIsLeader() {
				return true
			}
		}
		return false
	})
	return nodes, strings.Join(urls, ",")
}

func TestClusterLosesNothingAcknowledgedWhenANodeDiesDuringAppends(t *testing.T) {
	nodes, urls := startCluster(t)
	const writers, each = 3, 40
	var tls []*Timeline
	for w := range writers {
		// Each writer starts on another node.
		list := strings.Split(urls, ",")
		c := dial(t, Options{URL: strings.Join(append(list[w:], list[:w]...), ","), Replicas: 3})
		var tl *Timeline
		eventually(t, 20*time.Second, "the writer opens the replicated timeline", func() bool {
			var err error
			tl, err = c.OpenTimeline("INC-1", TimelineOptions{StateDir: t.TempDir()})
			if err != nil {
				return false
			}
			if _, err = tl.Append(note(fmt.Sprintf("writer %d joins", w))); err != nil {
				tl.Close()
				return false
			}
			return true
		})
		t.Cleanup(func() { tl.Close() })
		tls = append(tls, tl)
	}
	info, err := tls[0].stream.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.Replicas != 3 || info.Cluster == nil || len(info.Cluster.Replicas) != 2 {
		t.Fatalf("the timeline stream is not replicated on three nodes: %+v", info.Cluster)
	}
	leader := info.Cluster.Leader

	var mu sync.Mutex
	var acked, all []string
	var queued int
	var wg sync.WaitGroup
	kill := make(chan struct{})
	for w, tl := range tls {
		for i := range each {
			all = append(all, fmt.Sprintf("writer %d note %d", w, i))
		}
		wg.Go(func() {
			for i := range each {
				if w == 0 && i == each/3 {
					close(kill)
				}
				text := fmt.Sprintf("writer %d note %d", w, i)
				_, err := tl.Append(note(text))
				var q *QueuedError
				mu.Lock()
				switch {
				case err == nil:
					acked = append(acked, text)
				case errors.As(err, &q):
					queued++
				default:
					t.Errorf("append %q: %v", text, err)
				}
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	<-kill
	for _, ns := range nodes {
		if ns.Name() == leader {
			ns.Shutdown() // the stream's leader, in the middle of the appends
		}
	}
	wg.Wait()
	t.Logf("stream leader %s shut down; %d appends acknowledged at once, %d queued first", leader, len(acked), queued)
	for w, tl := range tls {
		eventually(t, 30*time.Second, fmt.Sprintf("writer %d publishes its queue", w), func() bool { return tl.Status().Queued == 0 })
	}
	got, err := tls[1].ReadAll(context.Background())
	if err != nil {
		t.Fatalf("the replicated timeline does not verify: %v", err)
	}
	// Every entry, acknowledged at once or published from the queue, is
	// there once: the writers' joins and all their notes.
	var joins []string
	for w := range writers {
		joins = append(joins, fmt.Sprintf("writer %d joins", w))
	}
	checkOnce(t, got, append(joins, all...))
	if len(acked) == 0 {
		t.Error("no append was acknowledged")
	}
	// The team carries on with two nodes.
	if _, err := tls[2].Append(note("after the node died")); err != nil {
		t.Errorf("append with two nodes left: %v", err)
	}
}
