package team

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/nats-io/nats-server/v2/server"
)

// ServerOptions configure an embedded team server.
type ServerOptions struct {
	Listen  string // host:port for clients; default 127.0.0.1:4222, port 0 picks a free one
	DataDir string // JetStream file storage
	Auth    *Auth  // nil: any client that reaches Listen is accepted
	// Clustering (all three or none): this node's unique name, the
	// host:port the nodes talk on, and the other nodes' cluster URLs.
	Name    string
	Cluster string
	Routes  []string
}

// DefaultListen is where `warroom serve` listens unless told otherwise.
const DefaultListen = "127.0.0.1:4222"

// clusterName is the NATS cluster every warroom node joins.
const clusterName = "warroom"

// StartServer starts an embedded NATS server with JetStream on file
// storage, every write synced to disk before it is acknowledged, and
// waits until it accepts clients (and, clustered, until JetStream is up).
func StartServer(o ServerOptions) (*server.Server, error) {
	if o.DataDir == "" {
		return nil, errors.New("team server: no data directory")
	}
	if o.Listen == "" {
		o.Listen = DefaultListen
	}
	host, port, err := splitHostPort(o.Listen)
	if err != nil {
		return nil, fmt.Errorf("team server --listen %q: %w", o.Listen, err)
	}
	opts := &server.Options{
		ServerName: o.Name,
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   o.DataDir,
		SyncAlways: true,
		NoSigs:     true,
		NoLog:      true,
	}
	if o.Auth != nil {
		opts.Users, opts.Nkeys = o.Auth.users()
	}
	if o.Cluster != "" || len(o.Routes) > 0 {
		if o.Name == "" || o.Cluster == "" || len(o.Routes) == 0 {
			return nil, errors.New("team server: a cluster node needs a name, a cluster address and the other nodes' routes")
		}
		ch, cp, err := splitHostPort(o.Cluster)
		if err != nil {
			return nil, fmt.Errorf("team server cluster address %q: %w", o.Cluster, err)
		}
		opts.Cluster = server.ClusterOpts{Name: clusterName, Host: ch, Port: cp}
		for _, r := range o.Routes {
			u, err := url.Parse(r)
			if err != nil || u.Host == "" {
				return nil, fmt.Errorf("team server route %q: want nats://host:port", r)
			}
			opts.Routes = append(opts.Routes, u)
		}
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("team server: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, fmt.Errorf("team server did not start listening on %s", o.Listen)
	}
	return ns, nil
}

func splitHostPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("bad port %q", p)
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	if host == "" {
		host = "0.0.0.0"
	}
	return host, port, nil
}

// IsLoopback reports whether addr (host:port) listens on loopback only.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Roles a user of the team server has.
const (
	RoleResponder = "responder" // reads and writes the team's state
	RoleObserver  = "observer"  // reads only: the server refuses its writes
)

// Auth is the team server's users, from an auth file:
//
//	users:
//	  - user: alice
//	    password: "…"        # plain, or a bcrypt hash ($2a$…)
//	    role: responder
//	  - nkey: UD6…           # an nkey user's public key
//	    role: observer
type Auth struct {
	Users []AuthUser `yaml:"users"`
}

// AuthUser is one user of the auth file.
type AuthUser struct {
	User     string `yaml:"user"`
	Password string `yaml:"password"`
	Nkey     string `yaml:"nkey"`
	Role     string `yaml:"role"`
}

// LoadAuth reads an auth file. It holds passwords, so it must be
// readable by its owner only.
func LoadAuth(path string) (*Auth, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("auth file: %w", err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("auth file %s is readable by others (mode %04o): it holds passwords; chmod 600 it", path, info.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("auth file: %w", err)
	}
	var a Auth
	if err := yaml.UnmarshalWithOptions(data, &a, yaml.Strict()); err != nil {
		return nil, fmt.Errorf("auth file %s: %s", path, yaml.FormatError(err, false, false))
	}
	if err := a.validate(); err != nil {
		return nil, fmt.Errorf("auth file %s: %w", path, err)
	}
	return &a, nil
}

func (a *Auth) validate() error {
	if len(a.Users) == 0 {
		return errors.New("no users")
	}
	seen := map[string]bool{}
	for i, u := range a.Users {
		who := u.User
		switch {
		case u.User != "" && u.Nkey != "":
			return fmt.Errorf("user #%d has both user and nkey", i+1)
		case u.User != "" && u.Password == "":
			return fmt.Errorf("user %q has no password", u.User)
		case u.User == "" && u.Nkey == "":
			return fmt.Errorf("user #%d has neither user nor nkey", i+1)
		case u.Nkey != "" && !strings.HasPrefix(u.Nkey, "U"):
			return fmt.Errorf("user #%d: nkey must be a user public key (starting with U)", i+1)
		}
		if who == "" {
			who = u.Nkey
		}
		if seen[who] {
			return fmt.Errorf("user %q is listed twice", who)
		}
		seen[who] = true
		if u.Role != RoleResponder && u.Role != RoleObserver {
			return fmt.Errorf("user %q: role %q (want %s or %s)", who, u.Role, RoleResponder, RoleObserver)
		}
	}
	return nil
}

func (a *Auth) users() ([]*server.User, []*server.NkeyUser) {
	var users []*server.User
	var nkeys []*server.NkeyUser
	for _, u := range a.Users {
		perms := permissions(u.Role, a.othersThan(u.identity()))
		if u.Nkey != "" {
			nkeys = append(nkeys, &server.NkeyUser{Nkey: u.Nkey, Permissions: perms})
		} else {
			users = append(users, &server.User{Username: u.User, Password: u.Password, Permissions: perms})
		}
	}
	return users, nkeys
}

// identity is who the server authenticates this user as: the user name,
// or the nkey's public key.
func (u AuthUser) identity() string {
	if u.Nkey != "" {
		return u.Nkey
	}
	return u.User
}

func (a *Auth) othersThan(me string) []string {
	var out []string
	for _, u := range a.Users {
		if id := u.identity(); id != me {
			out = append(out, id)
		}
	}
	return out
}

// permissions are what a role may publish. Responders may do anything but
// delete, purge or reconfigure the team's streams, and write approval
// keys in another's name (others: every other user's identity);
// observers may only read: look up streams and buckets, read messages
// and follow them with consumers.
func permissions(role string, others []string) *server.Permissions {
	if role == RoleResponder {
		deny := []string{"$JS.API.STREAM.DELETE.>", "$JS.API.STREAM.PURGE.>", "$JS.API.STREAM.MSG.DELETE.>",
			"$JS.API.STREAM.UPDATE.KV_" + ApprovalsBucket}
		for _, o := range others {
			deny = append(deny, "$KV."+ApprovalsBucket+".*.*."+token(o))
		}
		return &server.Permissions{Publish: &server.SubjectPermission{Deny: deny}}
	}
	return &server.Permissions{Publish: &server.SubjectPermission{Allow: []string{
		"$JS.API.INFO",
		"$JS.API.STREAM.INFO.>",
		"$JS.API.STREAM.NAMES",
		"$JS.API.STREAM.LIST",
		"$JS.API.STREAM.MSG.GET.>",
		"$JS.API.DIRECT.GET.>",
		"$JS.API.CONSUMER.CREATE.>",
		"$JS.API.CONSUMER.DELETE.>",
		"$JS.API.CONSUMER.INFO.>",
		"$JS.API.CONSUMER.MSG.NEXT.>",
		"$JS.FC.>",
		"$JS.ACK.>",
	}}}
}
