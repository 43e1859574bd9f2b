package runbooks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/warroomhq/warroom/integrations"
	"github.com/warroomhq/warroom/timeline/ledger"
)

var replicaHostPattern = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,255}$`)

func needReplicas(a integrations.Actions) error {
	if a.Replicas == nil {
		return errors.New("no database proxy layer is configured (proxysql section of the config)")
	}
	return nil
}

func init() {
	register(&Action{
		Name:    "proxysql.replica_status",
		Summary: "take a database replica out of rotation (OFFLINE_SOFT) at its proxy layer, or return it (ONLINE)",
		Effect:  Writes,
		Args: []ArgSpec{
			{Name: "host", Kind: ArgString, Required: true, Pattern: replicaHostPattern, Doc: "the replica's hostname as the proxy knows it"},
			{Name: "port", Kind: ArgInt, Default: 3306, Min: 1, Max: 65535},
			{Name: "status", Kind: ArgEnum, Required: true, Values: []string{string(integrations.ReplicaOnline), string(integrations.ReplicaOfflineSoft)}},
		},
		Timeout:  time.Minute,
		Requires: needReplicas,
		Plan:     planReplica,
		Execute:  executeReplica,
	})
}

// replicaChecks read the pool and check a status change: the replica
// exists, and taking it out leaves at least one other ONLINE replica of
// its hostgroup, none of which would carry more than the configured share
// of the hostgroup's weight.
func replicaChecks(pool []integrations.Replica, host string, port int, to integrations.ReplicaStatus, l Limits) (integrations.Replica, []string, []Check, error) {
	var target *integrations.Replica
	for i, r := range pool {
		if r.Host == host && r.Port == port {
			target = &pool[i]
		}
	}
	if target == nil {
		var have []string
		for _, r := range pool {
			have = append(have, net.JoinHostPort(r.Host, strconv.Itoa(r.Port)))
		}
		return integrations.Replica{}, nil, nil, fmt.Errorf("the proxy has no replica %s (replicas: %s)", net.JoinHostPort(host, strconv.Itoa(port)), orNone(have))
	}
	if to != integrations.ReplicaOfflineSoft || target.Status != integrations.ReplicaOnline {
		return *target, nil, nil, nil
	}
	var rest []integrations.Replica
	total := 0
	for _, r := range pool {
		if r.Hostgroup == target.Hostgroup && r.Status == integrations.ReplicaOnline && r != *target {
			rest = append(rest, r)
			total += max(r.Weight, 0)
		}
	}
	checks := []Check{verdict(len(rest) > 0,
		fmt.Sprintf("%d other replica(s) of hostgroup %d stay ONLINE", len(rest), target.Hostgroup),
		fmt.Sprintf("no other replica of hostgroup %d is ONLINE: taking %s:%d out would leave its reads nowhere to go", target.Hostgroup, host, port))}
	var lines []string
	if len(rest) > 0 {
		worst, shares := 0, make([]string, len(rest))
		for i, r := range rest {
			share := 100
			if total > 0 {
				share = (r.Weight*100 + total - 1) / total // rounded up: the check errs on the safe side
			}
			worst = max(worst, share)
			shares[i] = fmt.Sprintf("%s:%d %d%%", r.Host, r.Port, share)
		}
		lines = append(lines, "reads then go to "+strings.Join(shares, ", ")+" (by weight)")
		checks = append(checks, verdict(worst <= l.MaxReplicaShare,
			fmt.Sprintf("no remaining replica carries more than %d%% (configured maximum %d%%)", worst, l.MaxReplicaShare),
			fmt.Sprintf("a remaining replica would carry %d%% of hostgroup %d's reads, above the configured maximum %d%%", worst, target.Hostgroup, l.MaxReplicaShare)))
	}
	return *target, lines, checks, nil
}

func replicaTarget(r integrations.Replica) string {
	return fmt.Sprintf("replicas:hostgroup-%d", r.Hostgroup)
}

func planReplica(ctx context.Context, c Call) (StepPlan, error) {
	host, port, to := c.Args.String("host"), c.Args.Int("port"), integrations.ReplicaStatus(c.Args.String("status"))
	pool, err := c.Actions.Replicas.Replicas(ctx)
	if err != nil {
		return StepPlan{}, fmt.Errorf("read replicas: %w", err)
	}
	r, lines, checks, err := replicaChecks(pool, host, port, to, c.Limits)
	if err != nil {
		return StepPlan{}, err
	}
	line := fmt.Sprintf("replica %s:%d of hostgroup %d %s → %s (%d connections in use)", host, port, r.Hostgroup, r.Status, to, r.Connections)
	if r.Status == to {
		line = fmt.Sprintf("replica %s:%d of hostgroup %d already %s (no change)", host, port, r.Hostgroup, to)
	}
	return StepPlan{Lines: append([]string{line}, lines...), Checks: checks, Targets: []string{replicaTarget(r)}}, nil
}

func executeReplica(ctx context.Context, c Call) (Result, error) {
	pool, host, port, to := c.Actions.Replicas, c.Args.String("host"), c.Args.Int("port"), integrations.ReplicaStatus(c.Args.String("status"))
	// Checked again on a fresh read: another replica may have left
	// rotation since the plan was made.
	replicas, err := pool.Replicas(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("read replicas: %w", err)
	}
	before, _, checks, err := replicaChecks(replicas, host, port, to, c.Limits)
	if err != nil {
		return Result{}, err
	}
	if err := failedChecks(checks); err != nil {
		return Result{}, err
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	fields := map[string]string{"replica": addr, "hostgroup": fmt.Sprint(before.Hostgroup), "from": string(before.Status), "to": string(to)}
	if before.Status == to {
		return Result{Summary: fmt.Sprintf("replica %s already %s", addr, to), Fields: fields}, nil
	}
	change := ledger.Change{Kind: ledger.Replica, Replica: addr, From: string(before.Status), To: string(to)}
	if err := pool.SetReplicaStatus(ctx, host, port, to); err != nil {
		return Result{Fields: fields}, settled(ctx, c, change, fmt.Errorf("set replica %s %s: %w", addr, to, err), func(ctx context.Context) (bool, error) {
			now, err := pool.Replicas(ctx)
			for _, r := range now {
				if r.Host == host && r.Port == port {
					return r.Status == to, err
				}
			}
			return false, err
		})
	}
	c.Changed(change)
	return Result{Summary: fmt.Sprintf("replica %s %s → %s in hostgroup %d", addr, before.Status, to, before.Hostgroup), Fields: fields}, nil
}
