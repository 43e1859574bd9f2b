// Package proxysql takes database replicas out of rotation and back
// through ProxySQL's admin interface, which speaks the MySQL protocol: it
// edits mysql_servers, loads it to runtime, and confirms the change in
// runtime_mysql_servers. It implements integrations.ReplicaPool.
package proxysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/warroomhq/warroom/integrations"
)

// Name is the source name.
const Name = integrations.SourceProxySQL

// defaultTimeout bounds a call whose context has no deadline.
const defaultTimeout = 10 * time.Second

// Options configures the admin connection.
type Options struct {
	Admin    string // host:port of the admin interface (6032 by default in ProxySQL)
	User     string
	Password string
	// Hostgroup is the reader hostgroup whose servers are the replicas.
	Hostgroup int
	// SaveToDisk also runs SAVE MYSQL SERVERS TO DISK after a change, so
	// it survives a ProxySQL restart.
	SaveToDisk bool
}

// Pool is the replicas of one hostgroup behind ProxySQL. Methods are safe
// for concurrent use; changes are serialised.
type Pool struct {
	opts     Options
	db       *sql.DB
	changing sync.Mutex
}

var _ integrations.ReplicaPool = (*Pool)(nil)

// New validates opts; it contacts nothing (see Probe).
func New(opts Options) (*Pool, error) {
	if _, _, err := net.SplitHostPort(opts.Admin); err != nil {
		return nil, fmt.Errorf("proxysql: admin address %q: want host:port", opts.Admin)
	}
	if opts.User == "" {
		return nil, errors.New("proxysql: no admin user configured")
	}
	if opts.Hostgroup < 0 {
		return nil, fmt.Errorf("proxysql: hostgroup %d must not be negative", opts.Hostgroup)
	}
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr = opts.User, opts.Password, "tcp", opts.Admin
	// ProxySQL's admin interface does not serve prepared statements: the
	// driver quotes each argument into the statement itself.
	cfg.InterpolateParams = true
	cfg.Timeout, cfg.ReadTimeout, cfg.WriteTimeout = 5*time.Second, defaultTimeout, defaultTimeout
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("proxysql: %w", err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(2)
	db.SetConnMaxIdleTime(time.Minute)
	return &Pool{opts: opts, db: db}, nil
}

// Name is the source name.
func (p *Pool) Name() string { return Name }

// Run publishes nothing: replicas are read when a runbook plans or acts.
// It holds the admin connections until ctx ends, then closes them.
func (p *Pool) Run(ctx context.Context, _ integrations.Publisher) error {
	<-ctx.Done()
	p.db.Close()
	return nil
}

// Probe reads the hostgroup's replicas once.
func (p *Pool) Probe(ctx context.Context) (string, error) {
	rs, err := p.Replicas(ctx)
	if err != nil {
		return "", err
	}
	online := 0
	for _, r := range rs {
		if r.Status == integrations.ReplicaOnline {
			online++
		}
	}
	return fmt.Sprintf("hostgroup %d: %d replicas, %d ONLINE", p.opts.Hostgroup, len(rs), online), nil
}

func bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, defaultTimeout)
}

// Replicas reads the hostgroup's servers as they are in force
// (runtime_mysql_servers), with the connections in use from
// stats_mysql_connection_pool.
func (p *Pool) Replicas(ctx context.Context) ([]integrations.Replica, error) {
	ctx, cancel := bounded(ctx)
	defer cancel()
	rows, err := p.db.QueryContext(ctx, "SELECT hostgroup_id, hostname, port, status, weight FROM runtime_mysql_servers WHERE hostgroup_id = ? ORDER BY hostname, port", p.opts.Hostgroup)
	if err != nil {
		return nil, p.fail(ctx, "read runtime_mysql_servers", err)
	}
	defer rows.Close()
	var out []integrations.Replica
	for rows.Next() {
		var r integrations.Replica
		var status string
		if err := rows.Scan(&r.Hostgroup, &r.Host, &r.Port, &status, &r.Weight); err != nil {
			return nil, p.fail(ctx, "read runtime_mysql_servers", err)
		}
		r.Status = integrations.ReplicaStatus(status)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, p.fail(ctx, "read runtime_mysql_servers", err)
	}
	used, err := p.connectionsUsed(ctx)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Connections = used[net.JoinHostPort(out[i].Host, strconv.Itoa(out[i].Port))]
	}
	return out, nil
}

func (p *Pool) connectionsUsed(ctx context.Context) (map[string]int, error) {
	rows, err := p.db.QueryContext(ctx, "SELECT srv_host, srv_port, ConnUsed FROM stats_mysql_connection_pool WHERE hostgroup = ?", p.opts.Hostgroup)
	if err != nil {
		return nil, p.fail(ctx, "read stats_mysql_connection_pool", err)
	}
	defer rows.Close()
	used := map[string]int{}
	for rows.Next() {
		var host string
		var port, n int
		if err := rows.Scan(&host, &port, &n); err != nil {
			return nil, p.fail(ctx, "read stats_mysql_connection_pool", err)
		}
		used[net.JoinHostPort(host, strconv.Itoa(port))] += n
	}
	return used, p.fail(ctx, "read stats_mysql_connection_pool", rows.Err())
}

// SetReplicaStatus sets one server of the hostgroup ONLINE, OFFLINE_SOFT
// or OFFLINE_HARD in mysql_servers, loads the servers to runtime, and
// returns once runtime_mysql_servers shows the new status (then saves to
// disk when configured). A call cut short after the UPDATE was sent has
// an unknown outcome: read Replicas to settle it.
func (p *Pool) SetReplicaStatus(ctx context.Context, host string, port int, status integrations.ReplicaStatus) error {
	switch status {
	case integrations.ReplicaOnline, integrations.ReplicaOfflineSoft, integrations.ReplicaOfflineHard:
	default:
		return fmt.Errorf("proxysql: cannot set %s:%d to %q: use ONLINE, OFFLINE_SOFT or OFFLINE_HARD", host, port, status)
	}
	p.changing.Lock()
	defer p.changing.Unlock()
	ctx, cancel := bounded(ctx)
	defer cancel()
	where := fmt.Sprintf("%s:%d in hostgroup %d", host, port, p.opts.Hostgroup)
	var n int
	if err := p.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM mysql_servers WHERE hostgroup_id = ? AND hostname = ? AND port = ?", p.opts.Hostgroup, host, port).Scan(&n); err != nil {
		return p.fail(ctx, "read mysql_servers", err)
	}
	if n == 0 {
		return fmt.Errorf("proxysql: no server %s in mysql_servers", where)
	}
	if _, err := p.db.ExecContext(ctx, "UPDATE mysql_servers SET status = ? WHERE hostgroup_id = ? AND hostname = ? AND port = ?", string(status), p.opts.Hostgroup, host, port); err != nil {
		return p.fail(ctx, "set "+where+" "+string(status), err)
	}
	if _, err := p.db.ExecContext(ctx, "LOAD MYSQL SERVERS TO RUNTIME"); err != nil {
		return p.fail(ctx, "LOAD MYSQL SERVERS TO RUNTIME after setting "+where+" "+string(status), err)
	}
	var now string
	if err := p.db.QueryRowContext(ctx, "SELECT status FROM runtime_mysql_servers WHERE hostgroup_id = ? AND hostname = ? AND port = ?", p.opts.Hostgroup, host, port).Scan(&now); err != nil {
		return p.fail(ctx, "confirm "+where+" in runtime_mysql_servers", err)
	}
	if now != string(status) {
		return fmt.Errorf("proxysql: %s reads %s in runtime_mysql_servers after loading %s", where, now, status)
	}
	if p.opts.SaveToDisk {
		if _, err := p.db.ExecContext(ctx, "SAVE MYSQL SERVERS TO DISK"); err != nil {
			return p.fail(ctx, where+" is "+string(status)+" in runtime, but SAVE MYSQL SERVERS TO DISK", err)
		}
	}
	return nil
}

// fail wraps a driver error with what was being done; the driver's
// errors name the user and address, never the password.
func (p *Pool) fail(ctx context.Context, what string, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("proxysql %s: %s: %w", p.opts.Admin, what, ctx.Err())
	}
	return fmt.Errorf("proxysql %s: %s: %w", p.opts.Admin, what, err)
}
