package app

import "github.com/warroomhq/warroom/timeline"

// Store is the incident's durable timeline as the application uses it:
// the local hash-chained file (LocalStore), or a shared backend when
// several responders work one incident (the team server). The screen
// never sees it: records reach the screen in the pump's batches.
type Store interface {
	// Append makes entries durable in one commit and returns them as
	// stored (redacted, with their IDs and chain fields); what the
	// hooks' Admit leaves out is not stored and not returned.
	Append(entries ...timeline.Entry) ([]timeline.Entry, error)
	// Entries is the timeline so far, in order.
	Entries() []timeline.Entry
	// Refresh takes in what other writers appended, handing it to the
	// hooks' OnForeign too.
	Refresh() ([]timeline.Entry, error)
	Close() error
}

// StoreHooks are what the application asks of every store it opens.
type StoreHooks struct {
	// Redactor scrubs every entry before it is written.
	Redactor *timeline.Redactor
	// OnForeign receives, in timeline order, entries other writers
	// appended; it must not block for long (the application publishes
	// them to the pump as integrations.RecordsStored).
	OnForeign func([]timeline.Entry)
	// Admit runs at each commit: first with what other writers appended
	// since the last one (entries nil), then with the entries to write
	// (foreign nil), returning those to keep. It is the replay filter: a
	// restarted source does not record again what the timeline holds.
	Admit func(foreign, entries []timeline.Entry) []timeline.Entry
}

// OpenStore opens an incident's store with the application's hooks.
type OpenStore func(incident string, h StoreHooks) (Store, error)

// LocalStore opens incidents as timeline files under stateDir.
func LocalStore(stateDir string) OpenStore {
	return func(incident string, h StoreHooks) (Store, error) {
		return timeline.OpenIncident(stateDir, incident, timeline.Options{
			Redactor: h.Redactor, OnForeign: h.OnForeign, Admit: h.Admit,
		})
	}
}
