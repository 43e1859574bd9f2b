package drill

import (
	"fmt"
	"time"

	"github.com/warroomhq/warroom/integrations"
)

// holidayDB replays a traffic spike after holiday news on a site whose
// read replicas sit behind a proxy layer (a proxy beside each application
// server): one replica slowed by long queries since the morning, the
// application servers out of capacity, and one proxy instance out of
// ephemeral ports failing reads on its own server only.
func holidayDB() Scenario {
	start := time.Date(2026, time.April, 23, 13, 15, 0, 0, time.UTC)
	morning := start.Add(-5*time.Hour - 15*time.Minute)
	ids := make([]string, 10)
	for i := range ids {
		ids[i] = fmt.Sprintf("i-0a9f%013x", 0x3c00+i)
	}
	badProxy := ids[3]
	return Scenario{
		Name:  "holiday-db",
		Title: "Holiday news: traffic ×2.7 on a database with a slow replica",
		Description: "News of extra public holidays sends traffic to 2.5-3× normal: the application servers " +
			"run out, a replica slowed by long queries since the morning times reads out, and one proxy instance is out of ports.",
		Start:   start,
		Channel: "#inc-holiday-traffic",
		Models: func() []Model {
			r := &replicas{readsPerRequest: 3, badProxy: badProxy, badShare: 0.35}
			for _, host := range []string{"db-r1", "db-r2", "db-r3"} {
				r.list = append(r.list, &replica{Replica: integrations.Replica{Hostgroup: 20, Host: host, Port: 3306,
					Status: integrations.ReplicaOnline, Weight: 100}, capacity: 2800})
			}
			slow := r.list[1]
			slow.slow = 0.45
			fts := &Job{PID: 31337, Name: "fts-reindex", Cmd: "fts-reindex --table listings (14 MATCH … AGAINST queries running)",
				Lock: "/var/lock/fts-reindex.lock", Since: morning}
			h := &hosts{group: "app", list: []*Host{{ID: "db-r2", Name: "db-r2", Jobs: []*Job{fts},
				Services: []*Service{{Name: "mysqld", Manager: "systemd", Running: true}}}}}
			fts.onKill = func(w *World) {
				slow.clearLongQueries()
				w.mark("long-queries-killed")
				w.pending = append(w.pending, w.resolveOpen("PD-LONGQ", "auto-resolved: no long-running queries")...)
			}
			h.perInstance = func(in integrations.Instance) *Host {
				proxy := &Service{Name: "proxysql", Manager: "systemd", Running: true}
				if in.ID == badProxy {
					proxy.onRestart = func(w *World) { r.badShare = 0; w.mark("proxy-restarted") }
				}
				return &Host{ID: in.ID, Services: []*Service{{Name: "app", Manager: "systemd", Running: true}, proxy}}
			}
			return []Model{
				&Web{
					// Normal until 13:30, then 2.7× within ten minutes, for hours.
					Demand: func(t float64) float64 {
						return 900 * (1 + 1.7*min(max((t-900)/600, 0), 1))
					},
					FreeShare:     0,
					PerInstance:   130,
					LaunchSeconds: [2]int{240, 360},
					WebGroup:      "app",
					Groups:        []GroupSpec{{Name: "app", Desired: 10, Min: 4, Max: 30, IDs: ids}},
					Edges:         []string{"front-1", "front-2"},
				},
				r, h,
			}
		},
		OpenAlerts: []integrations.Alert{{
			ID: "PD-LONGQ", Service: "mysql", Severity: integrations.SeverityWarning,
			Status: integrations.AlertTriggered, Title: "long-running processes on db-r2",
			Body:      "Queries running over 600 s on replica db-r2 (full-text search).",
			CreatedAt: morning, UpdatedAt: morning,
		}},
		Alerts: append(webAlerts(), AlertRule{
			ID: "PD-READ", Service: "mysql", Severity: integrations.SeverityCritical,
			Title: "database reads failing: max connect timeout reached",
			Body:  "The proxy layer cannot get a replica connection in time for a share of reads.",
			Fire:  func(s Signal) bool { return s.Gauge(GaugeReadErrors) > 0.02 }, FireFor: 30,
			Clear: func(s Signal) bool { return s.Gauge(GaugeReadErrors) < 0.005 }, ClearFor: 60}),
		Horizon:      6 * time.Hour,
		ReferenceTTM: 2*time.Hour + 35*time.Minute, // from the spike at 13:30, the last product back at 15:50
		Reference: []PlanStep{
			{At: 18 * time.Minute, Runbook: "replica-out-of-rotation", Params: map[string]string{"host": "db-r2", "port": "3306"}},
			{At: 19 * time.Minute, Runbook: "clear-stuck-job", Params: map[string]string{"instance": "db-r2", "job": "fts-reindex", "lock": "/var/lock/fts-reindex.lock"}},
			{At: 21 * time.Minute, Runbook: "replica-into-rotation", Params: map[string]string{"host": "db-r2", "port": "3306"}},
			{At: 22 * time.Minute, Runbook: "scale-up", Params: map[string]string{"group": "app", "desired": "24"}},
			{At: 45 * time.Minute, Runbook: "host-service-restart", Params: map[string]string{"instance": badProxy, "service": "proxysql"}},
		},
		Chat: []ChatLine{
			{At: 300, User: "lena (news)", Text: "The government just announced two extra public holidays."},
			{After: "alert:PD-5XX", At: 20, User: "max (sre)", Text: "Front proxies return 50x; the app servers are maxed out."},
			{After: "alert:PD-READ", At: 30, User: "nia (dba)", Text: "'max connect timeout reached' from the proxies. db-r2 has had long full-text queries since 08:00."},
			{After: "alert:PD-READ", At: 90, User: "omar (ic)", Text: "I'm IC. Take db-r2 out of rotation, kill its long queries, return it. Add app servers."},
			{After: "long-queries-killed", At: 10, User: "nia (dba)", Text: "Long queries killed on db-r2; it can take reads again."},
			{After: "proxy-restarted", At: 10, User: "max (sre)", Text: "That proxy had run out of ephemeral ports; restarted, its read errors are gone."},
		},
	}
}
