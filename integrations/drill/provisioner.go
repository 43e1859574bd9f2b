package drill

import (
	"github.com/warroomhq/warroom/integrations"
)

// provisioner is the web group's provisioning: the last step of every
// launch is a job that takes a lock. While a hung job holds it, launches
// wait behind it for the hook's timeout; once it is cleared they take
// their usual time. Clearing the lock resolves its lock-wait alert.
type provisioner struct {
	group string
	job   *Job
	alert string // the lock-wait alert the held lock keeps open
	// usual and held are the launch times, in seconds, with the lock free
	// and held.
	usual, held [2]int
}

func (p *provisioner) locked() bool { return !p.job.killed }

func (p *provisioner) second(w *World) []integrations.Event {
	if !p.locked() {
		w.mark("lock-cleared")
		return w.resolveOpen(p.alert, "auto-resolved: lock released")
	}
	return nil
}

func (p *provisioner) launchSeconds(_ *World, group string) (int, int, bool) {
	switch {
	case group != p.group:
		return 0, 0, false
	case p.locked():
		return p.held[0], p.held[1], true
	}
	return p.usual[0], p.usual[1], true
}

func (p *provisioner) gauges(w *World, into map[string]float64) {
	if p.locked() {
		into[GaugeLockSeconds] = w.now.Sub(p.job.Since).Seconds()
	}
}

// resolveOpen resolves an open alert that no rule watches, as its source
// does once its condition clears; nothing when it is not open.
func (w *World) resolveOpen(id, note string) []integrations.Event {
	for _, a := range w.alerts {
		if a.alert.ID == id && a.open && a.alert.Status != integrations.AlertResolved {
			a.open = false
			a.alert.Status, a.alert.UpdatedAt = integrations.AlertResolved, w.now
			return []integrations.Event{alertRecord(a.alert, integrations.KindAlertResolved, note)}
		}
	}
	return nil
}
