package drill

import (
	"time"
)

// diskFull replays a small site's front end whose log volume filled: the
// application died while its process manager stayed up, and no alert
// fired: users report it in the channel. Freeing the disk and restarting
// brings it back; restarting on a full disk does not.
func diskFull() Scenario {
	start := time.Date(2026, time.February, 18, 8, 30, 0, 0, time.UTC)
	const host = "i-0f3a9e51c2d4b7a60"
	return Scenario{
		Name:  "disk-full",
		Title: "Site down: the front end's log volume is full",
		Description: "Users report the site down; no alert fired. The host and its process manager are up, " +
			"the application is not: its log volume is full.",
		Start:   start,
		Channel: "#site",
		Models: func() []Model {
			app := &Service{Name: "app", Manager: "pm2", Serves: true, NeedsDisk: true, DumpBroken: true,
				Crash: "Error: ENOSPC: no space left on device, write"}
			pm2 := &Service{Name: "pm2-deploy", Manager: "systemd", Running: true}
			h := &Host{ID: host, Name: "www-1", Services: []*Service{app, pm2},
				Disk: &Disk{Device: "/dev/nvme1n1", Mount: "/var/log", SizeGB: 8, BaseGB: 0.1, GrowGBPerHour: 0.05,
					Logs: []*LogDir{{Path: "/var/log/pm2", LiveGB: 4.3, RotatedGB: 2.9}, {Path: "/var/log/nginx", LiveGB: 0.2, RotatedGB: 0.5}}}}
			// The process manager's unit resurrects the application from
			// its dump file when it starts.
			pm2.onRestart = func(w *World) { _, _ = h.start(w, app, "") }
			return []Model{
				&Web{
					Demand:        func(float64) float64 { return 120 },
					FreeShare:     0,
					PerInstance:   400,
					LaunchSeconds: [2]int{120, 180},
					WebGroup:      "web",
					Groups:        []GroupSpec{{Name: "web", Desired: 1, Min: 1, Max: 2, IDs: []string{host}}},
					Edges:         []string{"lb-1"},
				},
				&hosts{list: []*Host{h}},
			}
		},
		Healthy:      func(s Signal) bool { return s.Offered > 0 },
		Horizon:      2 * time.Hour,
		ReferenceTTM: 19 * time.Minute, // reported 08:30, fixed 08:49
		Reference: []PlanStep{
			{At: 4 * time.Minute, Runbook: "host-disk-check", Params: map[string]string{"instance": host, "path": "/var/log"}},
			{At: 8 * time.Minute, Runbook: "host-log-cleanup", Params: map[string]string{"instance": host, "path": "/var/log"}},
			{At: 10 * time.Minute, Runbook: "host-service-restart", Params: map[string]string{"instance": host, "service": "pm2-deploy"}},
		},
		Chat: []ChatLine{
			{At: 5, User: "jo (editor)", Text: "The site is down for me. Readers on social media say the same."},
			{At: 120, User: "kim (dev)", Text: "EC2 says www-1 is running and pm2 answers, but the app is not listening. Nothing paged us."},
			{After: MilestoneRecovered, At: 10, User: "jo (editor)", Text: "Site is back for me."},
		},
	}
}
