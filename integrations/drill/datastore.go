package drill

import (
	"context"
	"fmt"

	"github.com/warroomhq/warroom/integrations"
)

// cluster is a shared datastore that takes the web tier's writes (an
// events pipeline's store): it accepts up to its capacity and rejects the
// rest, a background repair costs it a share of that capacity, and a
// backlog of late work builds while it is near its limit.
type cluster struct {
	capacity float64 // writes per second it accepts
	repair   *Service
	// repairCost is the share of capacity a running repair takes; each
	// restart by hand costs more (it starts over with more to stream).
	repairCost, restartCost float64
	backlog                 float64 // seconds of late notification work
	rejected, late          float64
}

func (c *cluster) effective() float64 {
	if c.repair != nil && c.repair.Running {
		cost := c.repairCost + c.restartCost*float64(c.repair.Restarts)
		return c.capacity * (1 - min(cost, 0.9))
	}
	return c.capacity
}

func (c *cluster) second(w *World) []integrations.Event {
	load := w.passed
	capacity := c.effective()
	c.rejected = 0
	if load > capacity {
		c.rejected = 1 - capacity/load
	}
	// Above 90% of capacity, notification work falls behind; below, the
	// backlog drains.
	if load > 0.9*capacity {
		c.backlog += (load/capacity - 0.9) * 5
	} else {
		c.backlog = max(0, c.backlog-2)
	}
	c.late = min(c.backlog/600, 0.95)
	return nil
}

func (c *cluster) down(*World, string) bool { return false }

func (c *cluster) failShare(*World, string) float64 { return c.rejected }

func (c *cluster) gauges(_ *World, into map[string]float64) {
	into[GaugeRejected] = c.rejected
	into[GaugeLate] = c.late
}

// replicas is a database's read replicas behind a proxy layer (ProxySQL
// beside each application server): reads spread over the ONLINE replicas
// by weight; a replica slowed by long queries serves a fraction of its
// capacity, times out a share of what it serves once busy, and the reads
// it cannot serve time out at the proxy. One proxy instance may run out
// of ephemeral ports and fail a share of its own reads until it is
// restarted.
type replicas struct {
	list []*replica
	// readsPerRequest turns web requests into reads per second.
	readsPerRequest float64
	badProxy        string // the instance whose proxy is short of ports
	badShare        float64
	errors          float64
	w               *World
}

type replica struct {
	integrations.Replica
	capacity float64 // reads per second
	slow     float64 // share of capacity its long queries take
	// regrow is the share long queries climb back to while it takes reads
	// on its fragmented table; 0 once it was cleared out of rotation.
	regrow float64
}

// clearLongQueries ends a replica's long queries. Out of rotation, its
// table is rebuilt before it takes reads again and they stay gone; in
// rotation, the application's full-text searches pile up again within
// minutes.
func (rp *replica) clearLongQueries() {
	if rp.Status == integrations.ReplicaOnline {
		rp.regrow = rp.slow
	} else {
		rp.regrow = 0
	}
	rp.slow = 0
}

func (r *replicas) second(w *World) []integrations.Event {
	reads := w.passed * r.readsPerRequest
	var weight float64
	for _, rp := range r.list {
		if rp.Status == integrations.ReplicaOnline {
			weight += float64(rp.Weight)
		}
	}
	r.errors = 1
	if weight == 0 {
		return nil
	}
	failed := 0.0
	for _, rp := range r.list {
		if rp.regrow > 0 && rp.Status == integrations.ReplicaOnline {
			rp.slow = min(rp.regrow, rp.slow+rp.regrow/300)
		}
		if rp.Status != integrations.ReplicaOnline {
			rp.Connections = 0
			continue
		}
		share := reads * float64(rp.Weight) / weight
		c := rp.capacity * (1 - rp.slow)
		served := min(share, c)
		failed += share - served
		// Long queries on a fragmented table hold locks: past half its
		// remaining capacity, a slow replica times out a share of what it
		// serves.
		failed += served * rp.slow * max(0, served/c-0.5)
		rp.Connections = int(min(share, c) / 20)
	}
	r.errors = 0
	if reads > 0 {
		r.errors = failed / reads
	}
	return nil
}

func (r *replicas) down(*World, string) bool { return false }

func (r *replicas) failShare(_ *World, instance string) float64 {
	if instance != "" && instance == r.badProxy {
		return 1 - (1-r.errors)*(1-r.badShare)
	}
	return r.errors
}

func (r *replicas) gauges(_ *World, into map[string]float64) { into[GaugeReadErrors] = r.errors }

// attach keeps the world the replica actions lock.
func (r *replicas) attach(w *World) { r.w = w }

// actions offers the replicas' proxy layer as the ReplicaPool.
func (r *replicas) actions(a *integrations.Actions) { a.Replicas = r }

// Replicas implements integrations.ReplicaPool.
func (r *replicas) Replicas(ctx context.Context) ([]integrations.Replica, error) {
	var out []integrations.Replica
	err := r.w.act(ctx, func(*World) error {
		for _, rp := range r.list {
			out = append(out, rp.Replica)
		}
		return nil
	})
	return out, err
}

// SetReplicaStatus implements integrations.ReplicaPool; the drill's proxy
// runtime takes the new status at once.
func (r *replicas) SetReplicaStatus(ctx context.Context, host string, port int, status integrations.ReplicaStatus) error {
	return r.w.act(ctx, func(w *World) error {
		for _, rp := range r.list {
			if rp.Host == host && (port == 0 || rp.Port == port) {
				from := rp.Status
				rp.Status = status
				w.mark("replica-" + string(status))
				w.pending = append(w.pending, integrations.Record{Occurred: w.now, Source: integrations.SourceProxySQL, Kind: integrations.KindFleetChange,
					Text:   fmt.Sprintf("replica %s:%d %s → %s", host, rp.Port, from, status),
					Fields: map[string]string{"host": host, "port": fmt.Sprint(rp.Port), "status": string(status)}})
				return nil
			}
		}
		return fmt.Errorf("drill: no replica %s:%d", host, port)
	})
}
