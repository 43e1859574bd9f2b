// Package proxysqltest is a local stand-in for ProxySQL's admin interface,
// for tests: a MySQL-protocol server (go-mysql-server) on loopback holding
// the admin tables the proxysql adapter uses, with ProxySQL's LOAD and
// SAVE commands.
//
// What it reproduces of ProxySQL (2.x):
//   - mysql_servers is the configuration being edited ("memory"); changing
//     it changes nothing in force. runtime_mysql_servers is what is in
//     force, and only LOAD MYSQL SERVERS TO RUNTIME (also TO RUN, FROM
//     MEMORY, FROM MEM) changes it, by copying mysql_servers over it whole.
//   - SAVE MYSQL SERVERS TO DISK (also FROM MEMORY, FROM MEM) copies
//     mysql_servers to disk_mysql_servers (ProxySQL's disk.mysql_servers).
//   - The columns of mysql_servers, its primary key (hostgroup_id,
//     hostname, port) and the status values ONLINE, SHUNNED, OFFLINE_SOFT,
//     OFFLINE_HARD (anything else is refused, as ProxySQL's CHECK does).
//   - stats_mysql_connection_pool with ConnUsed per server, set by the test.
//   - Default schema main, user and password (mysql_native_password).
//
// What it does not reproduce: the monitor (health checks, SHUNNED by
// errors or replication lag), replication hostgroups moving servers,
// connections actually draining from an OFFLINE_SOFT server, traffic,
// query rules, users, and the admin's SQLite dialect beyond the plain
// SELECT and UPDATE statements the adapter sends. Prepared statements are
// answered here but not by ProxySQL's admin: the adapter interpolates.
package proxysqltest

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"regexp"
	"strings"
	"testing"

	sqle "github.com/dolthub/go-mysql-server"
	"github.com/dolthub/go-mysql-server/memory"
	"github.com/dolthub/go-mysql-server/server"
	gsql "github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/vitess/go/mysql"
	"github.com/dolthub/vitess/go/sqltypes"
	driver "github.com/go-sql-driver/mysql"
	"github.com/sirupsen/logrus"
)

// Server is a running stand-in admin interface.
type Server struct {
	Addr, User, Password string
	srv                  *server.Server
	db                   *sql.DB // the test's own connection, to set up and look
}

// Replica is one row to start mysql_servers and runtime_mysql_servers with.
type Replica struct {
	Hostgroup int
	Host      string
	Port      int
	Status    string // default ONLINE
	Weight    int    // default 1
}

const serversColumns = `hostgroup_id INT NOT NULL, hostname VARCHAR(255) NOT NULL, port INT NOT NULL DEFAULT 3306,
	gtid_port INT NOT NULL DEFAULT 0,
	status VARCHAR(16) NOT NULL DEFAULT 'ONLINE' CHECK (status IN ('ONLINE','SHUNNED','OFFLINE_SOFT','OFFLINE_HARD')),
	weight INT NOT NULL DEFAULT 1, compression INT NOT NULL DEFAULT 0, max_connections INT NOT NULL DEFAULT 1000,
	max_replication_lag INT NOT NULL DEFAULT 0, use_ssl INT NOT NULL DEFAULT 0, max_latency_ms INT NOT NULL DEFAULT 0,
	comment VARCHAR(255) NOT NULL DEFAULT '', PRIMARY KEY (hostgroup_id, hostname, port)`

// Start serves on a free loopback port until the test ends, with the
// replicas in mysql_servers, loaded to runtime and saved to disk.
func Start(t testing.TB, replicas ...Replica) *Server {
	t.Helper()
	logrus.SetLevel(logrus.ErrorLevel)
	pro := memory.NewDBProvider(memory.NewDatabase("main"))
	engine := sqle.NewDefault(pro)
	s := &Server{User: "radmin", Password: "s3cret-admin-pw"}
	ed := engine.Analyzer.Catalog.MySQLDb.Editor()
	engine.Analyzer.Catalog.MySQLDb.AddSuperUser(ed, s.User, "%", s.Password)
	ed.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = l.Addr().String()
	base := memory.NewSessionBuilder(pro)
	// ProxySQL's admin starts every session in schema main.
	sessions := func(ctx context.Context, c *mysql.Conn, addr string) (gsql.Session, error) {
		sess, err := base(ctx, c, addr)
		if err == nil {
			sess.SetCurrentDatabase("main")
		}
		return sess, err
	}
	s.srv, err = server.NewServerWithHandler(server.Config{Protocol: "tcp", Listener: l}, engine, gsql.NewContext, sessions, nil,
		func(h mysql.Handler) (mysql.Handler, error) { return &admin{Handler: h}, nil })
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.srv.Start() }()
	t.Cleanup(func() { _ = s.srv.Close() })
	cfg := driver.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr = s.User, s.Password, "tcp", s.Addr
	connector, err := driver.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.db = sql.OpenDB(connector)
	t.Cleanup(func() { s.db.Close() })
	for _, table := range []string{"mysql_servers", "runtime_mysql_servers", "disk_mysql_servers"} {
		s.Exec(t, "CREATE TABLE "+table+" ("+serversColumns+")")
	}
	s.Exec(t, `CREATE TABLE stats_mysql_connection_pool (hostgroup INT, srv_host VARCHAR(255), srv_port INT,
		status VARCHAR(16), ConnUsed INT, ConnFree INT, ConnOK INT, ConnERR INT, Queries INT, Latency_us INT)`)
	for _, r := range replicas {
		if r.Status == "" {
			r.Status = "ONLINE"
		}
		if r.Weight == 0 {
			r.Weight = 1
		}
		s.Exec(t, "INSERT INTO mysql_servers (hostgroup_id, hostname, port, status, weight) VALUES (?, ?, ?, ?, ?)",
			r.Hostgroup, r.Host, r.Port, r.Status, r.Weight)
		s.Exec(t, "INSERT INTO stats_mysql_connection_pool VALUES (?, ?, ?, ?, 0, 0, 0, 0, 0, 0)", r.Hostgroup, r.Host, r.Port, r.Status)
	}
	s.Exec(t, "LOAD MYSQL SERVERS TO RUNTIME")
	s.Exec(t, "SAVE MYSQL SERVERS TO DISK")
	return s
}

// Exec runs a statement as the admin user would.
func (s *Server) Exec(t testing.TB, query string, args ...any) {
	t.Helper()
	if _, err := s.db.Exec(query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// Status reads a server's status in one admin table: "mysql_servers",
// "runtime_mysql_servers" or "disk_mysql_servers"; "" when absent.
func (s *Server) Status(t testing.TB, table string, hostgroup int, host string, port int) string {
	t.Helper()
	var st string
	err := s.db.QueryRow("SELECT status FROM "+table+" WHERE hostgroup_id = ? AND hostname = ? AND port = ?", hostgroup, host, port).Scan(&st)
	if err == sql.ErrNoRows {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// admin answers ProxySQL's LOAD and SAVE commands, which are not SQL, and
// hands everything else to the SQL engine.
type admin struct {
	mysql.Handler
}

var (
	loadServers = regexp.MustCompile(`(?i)^\s*LOAD\s+MYSQL\s+SERVERS\s+(TO\s+RUN(TIME)?|FROM\s+MEM(ORY)?)\s*;?\s*$`)
	saveServers = regexp.MustCompile(`(?i)^\s*SAVE\s+MYSQL\s+SERVERS\s+(TO\s+DISK|FROM\s+MEM(ORY)?)\s*;?\s*$`)
)

func (a *admin) ComQuery(ctx context.Context, c *mysql.Conn, query string, callback mysql.ResultSpoolFn) error {
	var to string
	switch {
	case loadServers.MatchString(query):
		to = "runtime_mysql_servers"
	case saveServers.MatchString(query):
		to = "disk_mysql_servers"
	default:
		return a.Handler.ComQuery(ctx, c, query, callback)
	}
	discard := func(*sqltypes.Result, bool) error { return nil }
	for _, q := range []string{"DELETE FROM " + to, "INSERT INTO " + to + " SELECT * FROM mysql_servers"} {
		if err := a.Handler.ComQuery(ctx, c, q, discard); err != nil {
			return fmt.Errorf("%s: %w", strings.TrimSpace(query), err)
		}
	}
	return callback(&sqltypes.Result{}, false)
}

func (a *admin) ComMultiQuery(ctx context.Context, c *mysql.Conn, query string, callback mysql.ResultSpoolFn) (string, error) {
	if loadServers.MatchString(query) || saveServers.MatchString(query) {
		return "", a.ComQuery(ctx, c, query, callback)
	}
	return a.Handler.ComMultiQuery(ctx, c, query, callback)
}
