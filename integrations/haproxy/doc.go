// Package haproxy reaches a fleet of HAProxy instances through their
// Runtime API (the stats socket) and master CLI (the -S master socket).
//
// A Fleet polls every instance (`show servers state`, `show info;show
// stat` on one connection, `show proc`) and publishes BackendsSnapshot:
// per server its state (UP, DOWN, DRAIN, MAINT), weight, sessions, queue,
// cumulative counters and the rates measured from their delta since the
// previous poll (requests, responses by class, 5xx, error ratio, denied
// requests); the same for every frontend and watched backend; the odd one
// out marked (see package oddone); the throttles in force and each
// master's reload counts. A change of worker pid or a counter going down
// (a reload) restarts the delta: that interval has no rate. Each
// snapshot is followed by the samples it measured (SamplesTaken). It is
// also the integrations.LoadBalancer runbooks act through: server states,
// the tiered throttle and reloads.
//
// # What each instance needs
//
// HAProxy runs in master-worker mode with a master socket, an admin-level
// stats socket that hands its listeners to the next worker, and a server
// state file, so a reload drops no connection and keeps server states:
//
//	haproxy -W -S /run/haproxy/master.sock -f /etc/haproxy/haproxy.cfg
//
//	global
//	    stats socket /run/haproxy/admin.sock mode 600 level admin expose-fd listeners
//	    server-state-file /var/lib/haproxy/server-state
//	defaults
//	    load-server-state-from-file global
//	    option idle-close-on-response
//
// The option (HAProxy 2.4 and later) matters when clients hold keep-alive
// connections through an L4 front: a drain never finishes, the instance
// is reloaded with them open, and without it the old worker closes the
// idle ones under clients about to send their next request. With it, the
// old worker answers one last request on each with Connection: close.
// CheckConfig reads each instance's configuration file (ParseConfig) to
// warn when the option is missing, validates it with `haproxy -c`, and
// checks that the backends an instance is configured to watch exist, all
// before a rolling reload changes anything.
//
// HAProxy forgets every Runtime API change on reload. Reload therefore runs
// `haproxy -c -f <config>` first and refuses a broken configuration with
// the checker's message, saves `show servers state` to the state file,
// sends `reload` to the master CLI, waits until `show proc` counts the
// reload and a new worker answers the Runtime API (a failed reload is
// reported with HAProxy's `[failed: N]` count; the old worker keeps
// serving), then compares the throttle map and every server's
// administrative state (ready, drain, maint) with what they were before,
// re-applies what differs and fails naming anything still lost.
//
// # Tiered throttle
//
// The throttle rejects a percentage of one traffic tier's requests at the
// load balancer (incidents.md §1, §3). Put this in the frontend that
// receives user traffic (ThrottleSnippet; ThrottleConfig substitutes the
// map path):
//
//	# warroom tiered throttle (put in the frontend that receives user traffic).
//	http-request set-var(txn.throttle_pct) req.hdr(x-tier),lower,map_str_int(/etc/haproxy/throttle.map,0)
//	http-request deny deny_status 429 if { var(txn.throttle_pct) -m int gt 0 } { rand(100),sub(txn.throttle_pct) -m int lt 0 }
//
// The map file holds "tier percent" lines (create it empty). The tier is
// the lower-cased x-tier request header; a request is rejected with 429
// when rand(100) < percent. A tier absent from the map is never throttled:
// premium is never added. The header must come from a trusted layer (strip
// it from clients), or a client could pick its own tier.
//
// SetThrottle edits the running map (`add map` / `set map` / `del map`,
// other tiers untouched) and rewrites the map file atomically (temporary
// file + rename), so a reload reads the same values; if the file cannot be
// written the running map is put back. The map file must therefore be
// writable by warroom at the path the configuration names, as must the
// server state file.
//
// Every Runtime API command is one connection (HAProxy closes
// non-interactive connections after answering), with bounded reads and the
// caller's deadline (10 s when there is none). Errors name the instance,
// the command and HAProxy's own answer. Backend, server and tier names are
// checked before they are put in a command line, so none can carry a
// second command.
package haproxy
